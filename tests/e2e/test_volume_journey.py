"""Journey: working at volume. A manager tags two creators at once from the list and submits
two posts; legal approves both from the review queue in one go (each its own decision)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from playwright.sync_api import expect

# A demo creator with no material connection and no AI-label rule: a clean post.
CREATOR = "Tomás Rivera"
CAPTION = "#ad Sketching a whole comic page in one evening with my favourite tools #art"


def _accept_confirms(session) -> None:
    session.page.on("dialog", lambda dialog: dialog.accept())


def _submit(manager, title: str) -> None:
    page = manager.page
    planned = (datetime.now() + timedelta(days=6)).replace(hour=11, minute=0)
    manager.go("/submissions/new")
    page.get_by_label("Creator").select_option(label=CREATOR)
    page.get_by_label("Title").fill(title)
    page.get_by_label("Platform", exact=True).select_option("instagram")
    page.get_by_label("Planned for").fill(planned.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Caption or script").fill(CAPTION)
    page.get_by_role("button", name="Create").click()
    expect(
        page.get_by_role("status").filter(has_text=f"Submission “{title}” created.")
    ).to_be_visible()


def test_bulk_tag_and_bulk_approval(person):
    tag = f"wave-{uuid.uuid4().hex[:6]}"
    manager = person("volume-manager")
    _accept_confirms(manager)
    mpage = manager.page
    manager.login("manager@example.com")
    manager.go("/creators/?owner=any")
    boxes = mpage.locator('input[name="ids"][form="bulk-form"]')
    assert boxes.count() >= 2
    names = [mpage.locator("tbody tr").nth(i).locator("th a").inner_text() for i in range(2)]
    boxes.nth(0).check()
    boxes.nth(1).check()
    mpage.get_by_label("Action", exact=True).select_option("add_tags")
    mpage.get_by_label("Tags", exact=True).fill(tag)
    manager.shot("1-bulk-tag")
    mpage.locator("#bulk-apply").click()
    expect(mpage.get_by_role("status").filter(has_text="Done: 2.")).to_be_visible()
    manager.go(f"/creators/?owner=any&tag={tag}")
    rows = mpage.locator("tbody tr")
    expect(rows).to_have_count(2)
    for name in names:
        expect(mpage.locator("tbody")).to_contain_text(name)

    titles = [f"Volume post {uuid.uuid4().hex[:6]}" for _ in range(2)]
    for title in titles:
        _submit(manager, title)

    legal = person("volume-legal")
    _accept_confirms(legal)
    lpage = legal.page
    legal.login("legal@example.com")
    legal.go("/review/")
    for title in titles:
        row = lpage.get_by_role("row").filter(has=lpage.get_by_role("link", name=title))
        expect(row).to_contain_text("clean")
        row.locator('input[name="items"]').check()
    legal.shot("2-bulk-approve")
    lpage.get_by_role("button", name="Approve selected").click()
    expect(lpage.get_by_role("status").filter(has_text="Approved: 2.")).to_be_visible()
    for title in titles:
        expect(lpage.get_by_role("link", name=title)).to_have_count(0)
    manager.go("/submissions/?status=approved")
    for title in titles:
        expect(mpage.get_by_role("link", name=title)).to_be_visible()
