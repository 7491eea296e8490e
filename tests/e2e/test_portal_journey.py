"""Creator-portal journeys: (1) a manager invites a creator, who accepts and signs the NDA
in the portal, then the manager grants early access (R1 passes on that signature); (2) a
draft without disclosure goes to legal, changes are requested, the creator revises, legal
approves and the creator sees it; (3) the creator says "not allowed" for generative
training on one work and registry.json and the consent check answer so at once; (4) a
creator trying other creators' ids and staff pages gets 404 or the login page."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import urllib.request
import uuid
from datetime import date, datetime, timedelta
from urllib.parse import urlparse

from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD, ROOT, axe_violations, outbox_text

UNRELEASED = "Aurora 2"
PASSWORD = "a long creator passphrase 2026"


def portal_login(creator, email: str, password: str = DEMO_PASSWORD):
    creator.go("/portal/login")
    creator.page.get_by_label("Email").fill(email)
    creator.page.get_by_label("Password").fill(password)
    creator.page.get_by_role("button", name="Log in").click()
    expect(creator.page.get_by_role("heading", level=1)).to_contain_text("Hello")


def narrow_shot(session, label: str):
    """The same page at phone width (390 px), then back."""
    session.page.set_viewport_size({"width": 390, "height": 844})
    session.shot(f"{label}-390")
    session.page.set_viewport_size({"width": 1280, "height": 900})


def api_token(live_server, email: str) -> str:
    env = {
        **os.environ,
        "CRM_ENV": "development",
        "DATABASE_URL": f"sqlite:///{live_server.database}",
    }
    env.pop("CRM_TEST_DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "crm", "create-token", email],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return result.stdout.strip().splitlines()[-1]


def api(live_server, token: str, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        live_server + path,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST" if body is not None else "GET",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _pick(select, product: str) -> None:
    """Choose a product by name: the options carry "(released)" or "(unreleased, …)"."""
    option = select.locator("option").filter(has_text=re.compile(rf"^{re.escape(product)} \("))
    select.select_option(option.first.get_attribute("value"))


def test_invite_accept_sign_nda_then_early_access(person, live_server):
    name = f"Portal Creator {uuid.uuid4().hex[:6]}"
    email = f"portal-{uuid.uuid4().hex[:6]}@creators.example"
    today = date.today()
    manager = person("portal1-manager")
    page = manager.page
    manager.login("manager@example.com")
    manager.go("/creators/new")
    page.get_by_label("Display name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Country (ISO code)").fill("SE")
    page.get_by_role("button", name="Add creator").click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()
    creator_url = urlparse(page.url).path

    # The manager invites the creator from the creator page's portal tab.
    manager.go(creator_url + "?tab=creator-portal")
    page.get_by_role("link", name="Invite to the portal").click()
    expect(page.get_by_label("Email")).to_have_value(email)
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("status").filter(has_text=f"emailed to {email}")).to_be_visible()
    manager.shot("1-invited")

    # An NDA covering the unreleased product, sent to the creator.
    manager.go(creator_url + "?tab=agreements")
    agreements = page.locator("section", has=page.get_by_role("heading", name="Agreements"))
    agreements.get_by_role("link", name="Add NDA").click()
    _pick(page.get_by_label("Covered products"), UNRELEASED)
    page.get_by_label("Expires on").fill((today + timedelta(days=365)).isoformat())
    page.get_by_label("Terms").fill("The creator keeps pre-release models confidential.")
    page.get_by_role("button", name="Create draft").click()
    page.get_by_role("button", name="Mark sent").click()
    expect(page.get_by_role("status").filter(has_text="is now sent.")).to_be_visible()
    nda_id = re.search(r"/ndas/(\d+)", page.url).group(1)

    # The creator accepts the emailed invitation and sets a password.
    link = re.search(
        r"/portal/invite/[A-Za-z0-9_-]+", outbox_text(live_server, "portal_invite", email)
    )
    creator = person("portal1-creator")
    cpage = creator.page
    creator.go(link.group(0))
    cpage.get_by_label("Choose a password").fill(PASSWORD)
    creator.shot("2-accept")
    cpage.get_by_role("button", name="Accept and log in").click()
    expect(cpage.get_by_role("heading", level=1)).to_contain_text(f"Hello, {name}")
    expect(cpage.get_by_role("link", name=re.compile(f"NDA #{nda_id}"))).to_be_visible()
    creator.shot("3-portal-home")
    narrow_shot(creator, "3-portal-home")
    assert axe_violations(cpage) == []

    # The creator reads and signs the NDA.
    cpage.get_by_role("link", name=re.compile(f"NDA #{nda_id}")).click()
    expect(cpage.get_by_text("The creator keeps pre-release models confidential.")).to_be_visible()
    cpage.get_by_label("Type your full name").fill("Portal Person")
    cpage.get_by_label("I have read these terms and agree to them").check()
    creator.shot("4-nda-before-signing")
    narrow_shot(creator, "4-nda-before-signing")
    cpage.get_by_role("button", name="Sign").click()
    expect(cpage.get_by_role("status").filter(has_text="Signed.")).to_be_visible()
    expect(cpage.get_by_role("heading", level=1)).to_contain_text("Signed")
    with cpage.expect_download() as download:
        cpage.get_by_role("link", name="Download the signed copy").click()
    with open(download.value.path(), encoding="utf-8") as file:
        copy = file.read()
    assert "Typed full name: Portal Person" in copy and "SHA-256 of the terms" in copy
    creator.shot("5-nda-signed")
    assert axe_violations(cpage) == []

    # The manager grants early access: R1 passes because of that signature.
    manager.go(creator_url + "?tab=agreements")
    agreements.get_by_role("link", name="Grant access").click()
    _pick(page.get_by_label("Product", exact=True), UNRELEASED)
    page.get_by_label("NDA", exact=True).select_option(label="Choose automatically")
    page.get_by_label("Starts on").fill(today.isoformat())
    page.get_by_label("Ends on").fill((today + timedelta(days=60)).isoformat())
    page.get_by_label("Tier").fill("unlimited")
    page.get_by_role("button", name="Grant access").click()
    expect(
        page.get_by_role("status").filter(has_text=re.compile(r"Grant #\d+ created\."))
    ).to_be_visible()
    expect(page.get_by_role("link", name=f"NDA #{nda_id}", exact=True)).to_be_visible()
    manager.go(creator_url + "?tab=timeline")
    timeline = page.locator("section", has=page.get_by_role("heading", name="Timeline"))
    expect(timeline).to_contain_text(f"In the portal: {name}: signed NDA #{nda_id}")
    expect(timeline.get_by_role("link", name=re.compile(f"signed NDA #{nda_id}"))).to_be_visible()
    manager.go(creator_url + "?tab=creator-portal")
    portal = page.locator("section", has=page.get_by_role("heading", name="Creator portal"))
    expect(portal).to_contain_text(f"{email} (creator)")
    manager.shot("6-creator-page-after")

    # The creator sees the access, without its internal value.
    creator.go("/portal/access/")
    row = cpage.get_by_role("row").filter(has_text=UNRELEASED)
    expect(row).to_contain_text("unlimited")
    creator.shot("7-access")
    narrow_shot(creator, "7-access")


def test_draft_changes_requested_revised_approved(person):
    title = f"Portal draft {uuid.uuid4().hex[:6]}"
    planned = (datetime.utcnow() + timedelta(days=6)).replace(hour=12, minute=0)
    creator = person("portal2-creator")
    cpage = creator.page
    portal_login(creator, "creator@example.com")
    cpage.get_by_role("link", name="Submissions").first.click()
    cpage.get_by_role("link", name="New draft").click()
    cpage.get_by_label("Title").fill(title)
    cpage.get_by_label("Platform", exact=True).select_option("instagram")
    cpage.get_by_label("Planned for").fill(planned.strftime("%Y-%m-%dT%H:%M"))
    cpage.get_by_label("Caption or script").fill("A day at the studio with new tools #collab")
    creator.shot("1-new-draft")
    narrow_shot(creator, "1-new-draft")
    cpage.get_by_role("button", name="Save draft").click()
    expect(cpage.get_by_role("heading", level=1)).to_contain_text("Draft")
    checks = cpage.locator("ul.checks")
    expect(checks).to_contain_text("Ad disclosure")
    cpage.get_by_role("button", name="Send for review").click()
    expect(cpage.get_by_role("status").filter(has_text="Sent to legal")).to_be_visible()
    submission_path = urlparse(cpage.url).path
    creator.shot("2-sent")

    legal = person("portal2-legal")
    lpage = legal.page
    legal.login("legal@example.com")
    legal.go("/review/")
    row = lpage.get_by_role("row").filter(has=lpage.get_by_role("link", name=title))
    expect(row).to_contain_text("submitted by the creator")
    row.get_by_role("link", name=title).click()
    review_url = urlparse(lpage.url).path
    lpage.get_by_role("radio", name="Request changes", exact=True).check()
    lpage.get_by_label("Comment").fill("Put #ad at the very start, please.")
    lpage.get_by_role("button", name="Record decision").click()
    # After a decision legal lands on the next submission waiting (or the empty queue).
    expect(lpage).not_to_have_url(re.compile(re.escape(review_url) + "$"))

    creator.go(submission_path)
    expect(cpage.locator(".decision").first).to_contain_text("changes requested")
    expect(cpage.locator(".decision").first).to_contain_text("Put #ad at the very start, please.")
    creator.shot("3-changes-requested")
    narrow_shot(creator, "3-changes-requested")
    cpage.get_by_label("Caption or script").fill("#ad A day at the studio with new tools")
    cpage.get_by_role("button", name="Send the revision").click()
    expect(cpage.get_by_role("status").filter(has_text="Revision 2 sent")).to_be_visible()

    legal.go(review_url)
    lpage.get_by_role("radio", name="Approve", exact=True).check()
    lpage.get_by_role("button", name="Record decision").click()
    expect(lpage).not_to_have_url(re.compile(re.escape(review_url) + "$"))

    creator.go(submission_path)
    expect(cpage.get_by_role("heading", level=1)).to_contain_text("Approved")
    expect(cpage.locator(".decision").first).to_contain_text("Revision 2: approved")
    creator.shot("4-approved")
    assert axe_violations(cpage) == []


def test_not_allowed_for_generative_training_reaches_the_registry_at_once(person, live_server):
    url = f"https://portfolio.example/{uuid.uuid4().hex[:8]}.jpg"
    creator = person("portal3-creator")
    cpage = creator.page
    portal_login(creator, "creator@example.com")
    creator.go("/portal/works/")
    add = cpage.locator("section", has=cpage.get_by_role("heading", name="Add a work"))
    add.get_by_label("Kind").select_option("image")
    add.get_by_label("Title").fill("Harbour at dawn")
    add.get_by_label("Address (URL)").fill(url)
    add.get_by_role("button", name="Add").click()
    expect(cpage.get_by_role("status").filter(has_text="added.")).to_be_visible()
    token = api_token(live_server, "viewer@example.com")
    check = {"use": "ai_generative_training", "items": [{"url": url}]}
    before = api(live_server, token, "/api/v1/consent/check", check)["items"][0]["decision"]

    choose = cpage.locator(
        "section", has=cpage.get_by_role("heading", name="Say how your works may be used")
    )
    choose.get_by_label("Applies to").select_option(label="Work: Harbour at dawn")
    choose.get_by_label("Uses").select_option("ai_generative_training")
    choose.get_by_label("Decision").select_option("not_allowed")
    creator.shot("1-choose-consent")
    choose.get_by_role("button", name="Save my choice").click()
    expect(cpage.get_by_role("status").filter(has_text="Your choice is recorded")).to_be_visible()
    row = cpage.locator("tr[data-work-id]").filter(has_text="Harbour at dawn")
    expect(row.locator('[data-use="ai_generative_training"]')).to_contain_text("Not allowed")
    creator.shot("2-works")
    narrow_shot(creator, "2-works")
    assert axe_violations(cpage) == []

    answer = api(live_server, token, "/api/v1/consent/check", check)["items"][0]
    assert answer["decision"] == "not_allowed"
    work_id = int(row.get_attribute("data-work-id"))
    creator_id = api(live_server, token, f"/api/v1/works/{work_id}")["creator_id"]
    registry = api(live_server, token, f"/api/v1/registry.json?creator_id={creator_id}&limit=500")
    item = next(i for i in registry["items"] if i["work_id"] == work_id)
    assert item["decisions"]["ai_generative_training"]["decision"] == "not_allowed"
    assert before in ("allowed", "not_allowed", "constrained")


def test_other_ids_and_staff_pages_are_closed_to_a_creator(person, live_server):
    with sqlite3.connect(live_server.database) as conn:
        mine = conn.execute(
            "SELECT creator_id FROM portal_memberships m JOIN portal_accounts a"
            " ON a.id = m.account_id WHERE a.email = 'creator@example.com'"
        ).fetchone()[0]
        other_nda = conn.execute(
            "SELECT id FROM ndas WHERE creator_id != ? AND status != 'draft'", (mine,)
        ).fetchone()[0]
        other_sub = conn.execute(
            "SELECT id FROM submissions WHERE creator_id != ?", (mine,)
        ).fetchone()[0]
    creator = person("portal4-creator")
    cpage = creator.page
    portal_login(creator, "creator@example.com")
    for path in (f"/portal/ndas/{other_nda}", f"/portal/ndas/{other_nda}/signed-copy",
                 f"/portal/submissions/{other_sub}"):  # fmt: skip
        response = creator.go(path)
        assert response.status == 404, path
    creator.shot("1-not-found")
    for path in (
        "/",
        "/creators/",
        f"/creators/{mine}",
        "/review/",
        "/admin/users/",
        f"/agreements/ndas/{other_nda}",
    ):
        creator.go(path)
        assert urlparse(cpage.url).path == "/login", (path, cpage.url)
        expect(cpage.get_by_role("heading", level=1)).to_have_text("Log in")
    creator.shot("2-staff-page-asks-for-staff-login")
    # The portal session itself is untouched.
    creator.go("/portal/")
    expect(cpage.get_by_role("heading", level=1)).to_contain_text("Hello")
