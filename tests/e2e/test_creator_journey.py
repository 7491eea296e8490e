"""Journey 1: a manager adds a creator with two channels, records an interaction, tries to give
early access to an unreleased product and sees the refusal naming the missing NDA, records a
signed NDA, then grants access."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from urllib.parse import urlparse

from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations

UNRELEASED = "Aurora 2"  # a demo product with no public date


def fill_grant_form(page, starts_on: date, ends_on: date):
    page.get_by_label("Product", exact=True).select_option(label=f"{UNRELEASED} (unreleased)")
    page.get_by_label("NDA", exact=True).select_option(label="Choose automatically")
    page.get_by_label("Starts on").fill(starts_on.isoformat())
    page.get_by_label("Ends on").fill(ends_on.isoformat())
    page.get_by_label("Tier").fill("unlimited")
    page.get_by_role("button", name="Grant access").click()


def test_manager_adds_a_creator_and_grants_early_access_once_an_nda_is_signed(person):
    name = f"Journey Creator {uuid.uuid4().hex[:6]}"
    today = date.today()
    manager = person("journey1")
    page = manager.page
    manager.login("manager@example.com")

    # A new creator.
    manager.go("/creators/")
    page.get_by_role("link", name="New creator").click()
    expect(page.get_by_role("heading", name="New creator")).to_be_visible()
    page.get_by_label("Display name").fill(name)
    page.get_by_label("Email").fill("journey@creators.example")
    page.get_by_label("Country (ISO code)").fill("GB")
    page.get_by_label("Tags").fill("e2e, tutorials")
    manager.shot("1-new-creator-form")
    page.get_by_role("button", name="Add creator").click()
    expect(page.get_by_role("status").filter(has_text=f"{name} added.")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()
    creator_url = urlparse(page.url).path
    assert re.fullmatch(r"/creators/\d+", creator_url), creator_url

    # Two channels.
    channels = page.get_by_role("table").filter(has_text="Handle")
    # The second one pasted as its profile address: parsed into the handle.
    for platform, handle, typed in (
        ("YouTube", "JourneyTube", "JourneyTube"),
        ("Instagram", "journey.gram", "https://www.instagram.com/journey.gram/"),
    ):
        page.get_by_role("link", name="Add channel").click()
        page.get_by_label("Platform", exact=True).select_option(label=platform)
        page.get_by_label("Handle or profile address", exact=True).fill(typed)
        page.get_by_role("button", name="Add channel").click()
        expect(page.get_by_role("status").filter(has_text="Channel added.")).to_be_visible()
        expect(channels.get_by_role("row").filter(has_text=handle)).to_be_visible()
    expect(channels.get_by_role("row").filter(has_text="youtube")).to_contain_text("JourneyTube")
    expect(channels.get_by_role("row").filter(has_text="instagram")).to_contain_text("journey.gram")

    # An interaction, shown on the timeline.
    page.get_by_role("link", name="Record interaction").click()
    page.get_by_label("Kind").select_option(label="Call")
    expect(page.get_by_label("When (your time zone)")).not_to_have_value("")
    page.get_by_label("Summary").fill("Intro call: interested in early access to video models.")
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_role("status").filter(has_text="Interaction recorded.")).to_be_visible()
    recent = page.locator("section", has=page.get_by_role("heading", name="Recent interactions"))
    expect(recent).to_contain_text("Call by")
    expect(recent).to_contain_text("Intro call: interested in early access")
    page.get_by_role("link", name="Timeline", exact=True).click()
    timeline = page.locator("section", has=page.get_by_role("heading", name="Timeline"))
    expect(timeline).to_contain_text("Intro call: interested in early access")
    manager.shot("2-creator-with-channels-and-interaction")

    # Early access to an unreleased product is refused: no signed NDA.
    manager.go(creator_url + "?tab=agreements")
    page.get_by_role("link", name="Grant access").click()
    expect(page.get_by_role("heading", name=re.compile("Grant access"))).to_contain_text(name)
    fill_grant_form(page, today - timedelta(days=1), today + timedelta(days=90))
    refusal = page.get_by_role("alert")
    expect(refusal).to_contain_text("Refused by the NDA rule.")
    expect(refusal).to_contain_text(f"{UNRELEASED} is unreleased")
    expect(refusal).to_contain_text(f"the grant needs an NDA: {name} has no signed NDA.")
    manager.shot("3-grant-refused-without-nda")
    assert axe_violations(page) == []

    # A signed NDA covering the product.
    manager.go(creator_url + "?tab=agreements")
    agreements = page.locator("section", has=page.get_by_role("heading", name="Agreements"))
    expect(agreements).to_contain_text("No NDA.")
    expect(agreements).to_contain_text("No grant.")
    agreements.get_by_role("link", name="Add NDA").click()
    page.get_by_label("Covered products").select_option(label=f"{UNRELEASED} (unreleased)")
    page.get_by_label("Effective on").fill((today - timedelta(days=30)).isoformat())
    page.get_by_label("Expires on").fill((today + timedelta(days=365)).isoformat())
    page.get_by_label("Terms").fill("Mutual NDA covering pre-release models.")
    page.get_by_role("button", name="Create draft").click()
    expect(page.get_by_role("status").filter(has_text="created as a draft.")).to_be_visible()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Draft")
    page.get_by_role("button", name="Mark sent").click()
    expect(page.get_by_role("status").filter(has_text="is now sent.")).to_be_visible()
    page.get_by_label("Signed on paper, the original is on file").check()
    page.get_by_role("button", name="Mark signed").click()
    expect(page.get_by_role("status").filter(has_text="is signed.")).to_be_visible()
    expect(heading).to_contain_text("Signed")
    nda_title = re.search(r"NDA #\d+", heading.inner_text()).group(0)
    manager.shot("4-nda-signed")

    # Now the grant goes through, tied to that NDA.
    manager.go(creator_url + "?tab=agreements")
    agreements.get_by_role("link", name="Grant access").click()
    fill_grant_form(page, today - timedelta(days=1), today + timedelta(days=90))
    expect(
        page.get_by_role("status").filter(has_text=re.compile(r"Grant #\d+ created\."))
    ).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text(UNRELEASED)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Active")
    expect(page.get_by_role("link", name=nda_title, exact=True)).to_be_visible()
    manager.shot("5-grant-created")

    manager.go(creator_url + "?tab=agreements")
    expect(agreements.get_by_role("listitem").filter(has_text=nda_title)).to_contain_text("Signed")
    grant_item = agreements.get_by_role("listitem").filter(
        has=page.get_by_role("link", name=UNRELEASED, exact=True)
    )
    expect(grant_item).to_contain_text("Active")
    manager.shot("6-creator-with-nda-and-grant")
