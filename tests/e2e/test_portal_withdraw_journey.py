"""Creator-portal journey: a creator records a model release for a work of theirs, opens
**Withdraw…** on it (which says what withdrawal means before anything happens), withdraws
it, and sees it marked withdrawn with nothing left to withdraw — at desktop and phone
width (390 px)."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations
from tests.e2e.test_portal_journey import portal_login

PDF = b"%PDF-1.4\n% model release signed by Rui Alves\n%%EOF\n"


def test_withdraw_a_release(person):
    run = uuid.uuid4().hex[:6]
    title = f"Quay portrait {run}"
    subject = f"Rui Alves {run}"
    creator = person("portal-withdraw")
    page = creator.page
    portal_login(creator, "creator@example.com")

    creator.go("/portal/works/")
    add = page.locator("section", has=page.get_by_role("heading", name="Add a work"))
    add.get_by_label("Kind").select_option("image")
    add.get_by_label("Title").fill(title)
    add.get_by_label("Address (URL)").fill(f"https://example.com/e2e/{run}/quay.jpg")
    add.get_by_role("button", name="Add").click()
    expect(page.get_by_role("status").filter(has_text="added.")).to_be_visible()

    creator.go("/portal/releases/")
    page.get_by_label("Kind", exact=True).select_option("model")
    page.get_by_label("Who or what (the person, or the property or brand)").fill(subject)
    page.get_by_label("Uses it allows").select_option(["ai_training"])
    page.get_by_label("Works it covers").select_option(label=f"{title} (image)")
    page.get_by_label("Signed release (PDF)").set_input_files(
        {"name": "rui-alves-release.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Record the release").click()
    expect(page.get_by_role("status").filter(has_text="release is recorded")).to_be_visible()

    row = page.get_by_role("row").filter(has_text=subject)
    confirm = row.get_by_role("button", name="Withdraw this release")
    expect(confirm).to_be_hidden()  # only once "Withdraw…" is opened, with what it means
    row.locator("summary", has_text="Withdraw").click()
    expect(confirm).to_be_visible()
    expect(row).to_contain_text("the consent check answers “not allowed” from now on")
    creator.shot("1-confirm")
    page.set_viewport_size({"width": 390, "height": 844})
    confirm.scroll_into_view_if_needed()
    box = confirm.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width  # nothing sticks out sideways at phone width
    creator.shot("1-confirm-390")
    assert axe_violations(page) == []

    confirm.click()
    expect(page.get_by_role("status").filter(has_text="is withdrawn")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=subject)
    expect(row).to_contain_text("(withdrawn ")
    expect(row.locator("summary")).to_have_count(0)
    creator.shot("2-withdrawn-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    creator.shot("2-withdrawn")
