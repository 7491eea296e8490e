"""The creator typed by name on the new-feedback form, and the submissions list's filters,
in a real browser at desktop and phone widths (screenshots in the artifacts folder)."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
CREATOR = "Maya Chen Creates"  # a demo creator
MODEL = "Aurora 2"


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize(("width", "viewport"), [("1280", DESKTOP), ("390", PHONE)])
def test_feedback_creator_by_name(person, width, viewport):
    manager = person(f"pickers-feedback-{width}")
    page = manager.page
    page.set_viewport_size(viewport)
    manager.login("manager@example.com")
    manager.go("/feedback/new")
    expect(page.get_by_role("heading", level=1, name="Record feedback")).to_be_visible()
    manager.shot("1-empty")

    # A name nobody has: the reason beside the field, the rest kept.
    title = f"Hands render with six fingers {uuid.uuid4().hex[:6]}"
    page.get_by_label("Creator", exact=True).fill("Zebulon Nobody")
    page.get_by_label("Product", exact=True).select_option(label=MODEL)
    page.get_by_label("Title").fill(title)
    page.get_by_role("button", name="Record feedback").click()
    expect(page.locator("#creator-errors")).to_have_text("No creator matches “Zebulon Nobody”.")
    expect(page.get_by_label("Title")).to_have_value(title)
    assert _fits(page)
    manager.shot("2-unknown")

    # A part of a name several creators share: a short list to choose from.
    page.get_by_label("Creator", exact=True).fill("a")
    page.get_by_role("button", name="Record feedback").click()
    expect(page.locator("#creator-errors")).to_contain_text("creators match “a”")
    which = page.get_by_label("Which one?")
    expect(which).to_be_visible()
    assert which.locator("option").count() <= 21
    assert _fits(page)
    assert axe_violations(page) == []
    manager.shot("3-ambiguous")
    page.get_by_label("Creator", exact=True).fill(CREATOR)
    page.get_by_role("button", name="Record feedback").click()
    if page.get_by_role("button", name="Save note").count():
        page.get_by_role("button", name="Save note").click()
    expect(
        page.get_by_role("status").filter(has_text=re.compile(r"Feedback #\d+ recorded\."))
    ).to_be_visible()
    expect(page.get_by_role("link", name=CREATOR).first).to_be_visible()
    manager.shot("4-recorded")

    # From the creator's page: the form opens with the creator filled in.
    page.get_by_role("link", name=CREATOR).first.click()
    creator_id = re.search(r"/creators/(\d+)", page.url).group(1)
    manager.go(f"/feedback/new?creator_id={creator_id}")
    expect(page.get_by_label("Creator", exact=True)).to_have_value(CREATOR)
    manager.shot("5-preselected")


@pytest.mark.parametrize(("width", "viewport"), [("1280", DESKTOP), ("390", PHONE)])
def test_submissions_filters(person, width, viewport):
    manager = person(f"pickers-submissions-{width}")
    page = manager.page
    page.set_viewport_size(viewport)
    manager.login("manager@example.com")
    manager.go("/submissions/")
    total = page.locator(".result-count").text_content() or ""
    manager.shot("1-all")
    page.get_by_label("Status").select_option(label="In review")
    page.get_by_label("Platform").select_option(label="YouTube")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_label("Status")).to_have_value("in_review")
    expect(page.get_by_label("Platform")).to_have_value("youtube")
    assert "status=in_review" in page.url and "platform=youtube" in page.url
    rows = page.locator("tbody tr")
    assert rows.count() >= 1
    for i in range(rows.count()):
        text = rows.nth(i).text_content() or ""
        assert "YouTube" in text and "In review" in text, text
    assert _fits(page)
    assert axe_violations(page) == []
    manager.shot("2-filtered")

    page.get_by_label("Status").select_option(label="Any")
    page.get_by_label("Platform").select_option(label="Any")
    page.get_by_label("Creator", exact=True).fill("maya")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_label("Creator", exact=True)).to_have_value("maya")
    creators = page.locator('tbody td[data-label="Creator"]').all_text_contents()
    assert creators and all("maya" in c.lower() for c in creators), creators
    assert (page.locator(".result-count").text_content() or "") != total
    manager.shot("3-by-name")

    response = manager.go("/submissions/?status=famous")
    assert response.status == 422
    expect(page.get_by_role("listitem").filter(has_text="must be one of")).to_be_visible()
    manager.shot("4-bad-filter")
