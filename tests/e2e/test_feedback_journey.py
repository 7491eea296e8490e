"""Journey 3: the manager records feedback on a model; a viewer opens the feedback report and a
creator's page and sees no money anywhere."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations

CREATOR = "Maya Chen Creates"  # demo: deals with fees and payments, grants with monthly values
MODEL = "Aurora 2"
CURRENCIES = "USD|EUR|GBP|JPY|CHF|CAD|AUD|INR|CNY|SEK|MXN|BRL"
# An amount next to a currency code or sign, either way round: "1,500.00 USD", "USD 15", "$20".
MONEY = re.compile(rf"\d[\d,.\u00a0 ]*\s?(?:{CURRENCIES})\b|\b(?:{CURRENCIES})\s?\d|[$€£¥]\s?\d")
CODES = re.compile(rf"\b(?:{CURRENCIES})\b")


def money_on(page) -> list[str]:
    """Amounts in the page's whole text, hidden parts included, and in its attributes."""
    text = page.locator("html").text_content() or ""
    return MONEY.findall(text) + MONEY.findall(page.content())


def test_feedback_is_recorded_and_a_viewer_sees_no_money(person):
    title = f"Zebra stripes shimmer in rendered waterfalls {uuid.uuid4().hex[:6]}"

    manager = person("journey3-manager")
    mpage = manager.page
    manager.login("manager@example.com")
    manager.go("/feedback/")
    mpage.get_by_role("link", name="Record feedback").click()
    expect(mpage.get_by_role("heading", level=1, name="Record feedback")).to_be_visible()
    mpage.get_by_label("Creator", exact=True).fill(CREATOR)
    mpage.get_by_label("Product", exact=True).select_option(label=MODEL)
    mpage.get_by_label("Category").select_option(label="Bug")
    mpage.get_by_label("Severity").select_option(label="Critical")
    mpage.get_by_label("Title").fill(title)
    mpage.get_by_label("What they reported").fill(
        "Fast-moving **water** renders with zebra-like stripes in every third frame."
    )
    mpage.get_by_label("Reproduction").fill("Prompt: a waterfall at dusk, 4 seconds, 24 fps.")
    manager.shot("1-record-feedback")
    mpage.get_by_role("button", name="Record feedback").click()
    expect(
        mpage.get_by_role("status").filter(has_text=re.compile(r"Feedback #\d+ recorded\."))
    ).to_be_visible()
    expect(mpage.get_by_role("heading", level=1)).to_contain_text(title)
    expect(mpage.get_by_role("strong").filter(has_text="water")).to_be_visible()
    manager.shot("2-feedback-recorded")

    # The detector sees money where a manager may see it: the creator's agreements show amounts.
    mpage.get_by_role("link", name=CREATOR).click()
    expect(mpage.get_by_role("heading", level=1, name=CREATOR)).to_be_visible()
    creator_path = mpage.url.removeprefix(manager.base)
    manager.go(creator_path + "?tab=agreements")
    assert money_on(mpage), "the manager's view of this creator should show amounts"

    # The viewer opens the report on the model.
    viewer = person("journey3-viewer")
    vpage = viewer.page
    viewer.login("viewer@example.com")
    viewer.go("/feedback/")
    vpage.get_by_role("link", name="Reports by product").click()
    vpage.get_by_role("link", name=f"Open the report for {MODEL}").click()
    expect(vpage.get_by_role("heading", level=1, name=f"Feedback on {MODEL}")).to_be_visible()
    critical = vpage.locator(
        "section", has=vpage.get_by_role("heading", name="Open critical notes")
    )
    expect(critical.get_by_role("link", name=re.compile(re.escape(title)))).to_be_visible()
    expect(critical).to_contain_text(CREATOR)
    viewer.shot("3-viewer-report")
    assert money_on(vpage) == []
    assert CODES.findall(vpage.locator("body").inner_text()) == []
    assert axe_violations(vpage) == []

    # And the creator's page: deals, grants and payments are listed, never their amounts.
    viewer.go(creator_path + "?tab=agreements")
    expect(vpage.get_by_role("heading", level=1, name=CREATOR)).to_be_visible()
    agreements = vpage.locator("section", has=vpage.get_by_role("heading", name="Agreements"))
    expect(agreements.get_by_role("link", name="Launch video series")).to_be_visible()
    expect(agreements).not_to_contain_text("Full cost per currency")
    assert money_on(vpage) == []
    viewer.go(creator_path + "?tab=feedback")
    feedback = vpage.locator("section", has=vpage.get_by_role("heading", name="Feedback"))
    expect(feedback.get_by_role("link", name=re.compile(re.escape(title)))).to_be_visible()
    expect(vpage.get_by_role("link", name="Record feedback")).to_have_count(0)
    viewer.shot("4-viewer-creator-page")
    assert money_on(vpage) == []
    assert CODES.findall(vpage.locator("body").inner_text()) == []
