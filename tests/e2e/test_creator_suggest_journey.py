"""Suggestions while typing a creator's name on the new-feedback form, in a real browser at
desktop and phone widths (screenshots in the artifacts folder)."""

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


@pytest.mark.parametrize(("width", "viewport"), [("1280", DESKTOP), ("390", PHONE)])
def test_a_suggested_creator_is_picked_and_the_feedback_recorded(person, width, viewport):
    manager = person(f"suggest-feedback-{width}")
    page = manager.page
    page.set_viewport_size(viewport)
    manager.login("manager@example.com")
    manager.go("/feedback/new")
    box = page.get_by_role("combobox", name="Creator")
    expect(box).to_have_attribute("aria-expanded", "false")

    box.press_sequentially("maya ch", delay=30)
    option = page.get_by_role("listbox", name="Matching creators").get_by_role(
        "option", name=re.compile(rf"^{CREATOR}")
    )
    expect(option).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    assert page.get_by_role("listbox", name="Matching creators").get_by_role("option").count() <= 10
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert axe_violations(page) == []
    manager.shot("1-suggested")

    if width == "1280":
        # Keyboard: down to the suggestion, Enter chooses it (and does not submit the form).
        suggested = page.get_by_role("listbox", name="Matching creators").get_by_role("option")
        names = [o.inner_text() for o in suggested.all()]
        for _ in range(next(i for i, n in enumerate(names) if n.startswith(CREATOR)) + 1):
            box.press("ArrowDown")
        expect(option).to_have_attribute("aria-selected", "true")
        box.press("Enter")
    else:
        option.click()
    expect(box).to_have_value(CREATOR)
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(page.locator("input[type=hidden][name=creator_id]")).to_have_value(re.compile(r"^\d+$"))
    expect(page.get_by_role("heading", level=1, name="Record feedback")).to_be_visible()

    # Typing less than two characters suggests nothing; Escape closes an open list.
    box.fill("")
    box.press_sequentially("m", delay=30)
    page.wait_for_timeout(400)
    expect(page.get_by_role("listbox")).to_be_hidden()
    box.press_sequentially("aya ch", delay=30)
    expect(option).to_be_visible()
    box.press("Escape")
    expect(page.get_by_role("listbox")).to_be_hidden()
    option_again = option
    box.press("ArrowDown")
    expect(option_again).to_be_visible()
    option_again.click()
    expect(box).to_have_value(CREATOR)

    title = f"Shadows flicker in night scenes {uuid.uuid4().hex[:6]}"
    page.get_by_label("Product", exact=True).select_option(label=MODEL)
    page.get_by_label("Title").fill(title)
    page.get_by_role("button", name="Record feedback").click()
    if page.get_by_role("button", name="Save note").count():
        page.get_by_role("button", name="Save note").click()
    expect(
        page.get_by_role("status").filter(has_text=re.compile(r"Feedback #\d+ recorded\."))
    ).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    expect(page.get_by_role("link", name=CREATOR).first).to_be_visible()
    manager.shot("2-recorded")


def test_the_submissions_filter_suggests_creators(person):
    manager = person("suggest-submissions-1280")
    page = manager.page
    manager.login("manager@example.com")
    manager.go("/submissions/")
    box = page.get_by_role("combobox", name="Creator")
    box.press_sequentially("maya ch", delay=30)
    page.get_by_role("listbox", name="Matching creators").get_by_role(
        "option", name=re.compile(rf"^{CREATOR}")
    ).click()
    expect(box).to_have_value(CREATOR)
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("combobox", name="Creator")).to_have_value(CREATOR)
    assert "creator=Maya+Chen+Creates" in page.url
    manager.shot("filtered")
