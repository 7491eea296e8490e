"""Journey 2: the manager submits a post without a disclosure; a legal reviewer finds it in the
queue with the failed check highlighted and requests changes; the manager adds a revision;
legal approves; the manager marks it published."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlparse

from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations

# A demo creator with an active deal and an active grant: a material connection, so the post
# must disclose it.
CREATOR = "Maya Chen Creates"
CAPTION = "Sketching a whole comic page in one evening with my favourite tools #collab #art"
REVISED = "#ad Sketching a whole comic page in one evening with my favourite tools #art"


def decide(legal, review_url: str, decision: str, comment: str = ""):
    page = legal.page
    legal.go(review_url)
    page.get_by_role("radio", name=decision, exact=True).check()
    if comment:
        page.get_by_label("Comment").fill(comment)
    page.get_by_role("button", name="Record decision").click()
    # The reviewer lands on the next submission waiting (or the queue when there is none).
    expect(
        page.get_by_role("status").filter(has_text=re.compile(r"revision \d+\."))
    ).to_be_visible()
    assert urlparse(page.url).path != review_url


def test_post_goes_from_missing_disclosure_to_published(person):
    title = f"Comic page timelapse {uuid.uuid4().hex[:6]}"
    planned = (datetime.now() + timedelta(days=5)).replace(hour=10, minute=0)

    # The manager submits a post with no disclosure, only a vague tag.
    manager = person("journey2-manager")
    mpage = manager.page
    manager.login("manager@example.com")
    manager.go("/submissions/")
    mpage.get_by_role("link", name="New submission").click()
    mpage.get_by_label("Creator").select_option(label=CREATOR)
    mpage.get_by_label("Title").fill(title)
    mpage.get_by_label("Platform", exact=True).select_option("instagram")
    mpage.get_by_label("Planned for").fill(planned.strftime("%Y-%m-%dT%H:%M"))
    mpage.get_by_label("Caption or script").fill(CAPTION)
    expect(mpage.get_by_label("Submit for legal review now")).to_be_checked()
    manager.shot("1-new-submission")
    mpage.get_by_role("button", name="Create").click()
    expect(
        mpage.get_by_role("status").filter(has_text=f"Submission “{title}” created.")
    ).to_be_visible()
    heading = mpage.get_by_role("heading", level=1)
    expect(heading).to_contain_text("In review")
    submission_url = urlparse(mpage.url).path
    assert re.fullmatch(r"/submissions/\d+", submission_url), submission_url
    expect(mpage.get_by_text("disclosure missing").first).to_be_visible()

    # Legal finds it in the queue, flagged, with the failing words highlighted.
    legal = person("journey2-legal")
    lpage = legal.page
    legal.login("legal@example.com")
    legal.go("/review/")
    row = lpage.get_by_role("row").filter(has=lpage.get_by_role("link", name=title))
    expect(row).to_contain_text("flagged")
    expect(row).to_contain_text(CREATOR)
    legal.shot("2-review-queue")
    row.get_by_role("link", name=title).click()
    expect(lpage.get_by_role("heading", level=1)).to_contain_text(title)
    review_url = urlparse(lpage.url).path
    checks = lpage.locator("section", has=lpage.get_by_role("heading", name="Checks"))
    expect(checks).to_contain_text("disclosure missing")
    expect(checks).to_contain_text("No clear disclosure of the material connection")
    expect(checks).to_contain_text("disclosure vague")
    flagged = lpage.locator("mark.flag")
    expect(flagged).to_have_count(1)
    expect(flagged).to_have_text("#collab")
    expect(flagged).to_be_visible()
    legal.shot("3-review-page-flagged")
    assert axe_violations(lpage) == []
    decide(legal, review_url, "Request changes", "Add a clear #ad at the start of the caption.")
    expect(
        lpage.get_by_role("status").filter(has_text="Changes requested: revision 1.")
    ).to_be_visible()

    # The manager sees the request and adds a revision with a clear disclosure.
    manager.go(submission_url)
    expect(heading).to_contain_text("Changes requested")
    expect(
        mpage.get_by_role("listitem").filter(has_text="Changes requested on revision")
    ).to_contain_text("Add a clear #ad at the start of the caption.")
    mpage.get_by_text("Add a revision").click()
    mpage.get_by_label("Caption or script").fill(REVISED)
    # The creator works with early access to our model: the platform's AI label is set.
    mpage.get_by_label("Made with our AI products", exact=False).select_option("yes")
    mpage.get_by_role("button", name="Add revision").click()
    expect(mpage.get_by_role("status").filter(has_text="Revision 2 added")).to_be_visible()
    expect(heading).to_contain_text("In review")
    manager.shot("4-revision-added")

    # Legal sees a clean revision 2 and approves it.
    legal.go(review_url)
    expect(lpage.get_by_role("heading", name="Revision 2 (latest)", exact=False)).to_be_visible()
    expect(lpage.get_by_text("No check flagged anything.")).to_be_visible()
    expect(lpage.locator("mark.flag")).to_have_count(0)
    legal.shot("5-review-page-clean")
    decide(legal, review_url, "Approve")
    expect(lpage.get_by_role("status").filter(has_text="Approved: revision 2.")).to_be_visible()

    # The manager marks it published.
    manager.go(submission_url)
    expect(heading).to_contain_text("Approved")
    mpage.get_by_label("Published URL").fill("https://www.instagram.com/p/journey-two/")
    mpage.get_by_role("button", name="Mark published").click()
    expect(mpage.get_by_role("status").filter(has_text="Marked as published.")).to_be_visible()
    expect(heading).to_contain_text("Published")
    expect(
        mpage.get_by_role("link", name="https://www.instagram.com/p/journey-two/")
    ).to_be_visible()
    manager.shot("6-published")
