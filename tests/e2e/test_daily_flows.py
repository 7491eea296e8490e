"""Daily flows in the browser: correcting and voiding a payment, signing an NDA with its
date, a loop that closes itself (changes requested → revision → the task is gone) and the
CSV import preview confirmed without a second upload."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta
from urllib.parse import urlparse

from playwright.sync_api import expect

CREATOR = "Maya Chen Creates"  # demo: deal #1 "Launch video series", fee 4,500.00 USD


def test_a_payment_is_corrected_then_voided(person):
    manager = person("flows-payment")
    page = manager.page
    manager.login("manager@example.com")
    manager.go("/agreements/deals/1")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Launch video series")
    expect(page.get_by_role("status").filter(has_text="than the fee")).to_have_count(0)
    page.get_by_role("link", name=re.compile("Correct or void")).nth(1).click()
    expect(page.get_by_role("heading", level=1, name="Correct a payment")).to_be_visible()

    # No reason: the same form comes back with the message and the typed amount.
    page.get_by_label("Amount").fill("1600.00")
    page.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_label("Amount")).to_have_value("1600.00")
    expect(page.locator(".invalid-feedback")).to_be_visible()

    page.get_by_label("Reason for the correction").fill("The invoice says 1,600.00")
    page.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_role("status").filter(has_text="Payment corrected.")).to_be_visible()
    expect(page.get_by_text("1,600.00 USD")).to_be_visible()
    expect(page.get_by_text("more than the fee of 4500.00 USD")).to_be_visible()
    manager.shot("1-corrected-with-warning")

    page.get_by_role("link", name=re.compile("Correct or void")).nth(1).click()
    page.get_by_label("Reason for voiding").fill("Entered twice")
    page.get_by_role("button", name="Void the payment").click()
    expect(page.get_by_role("status").filter(has_text="Payment voided")).to_be_visible()
    voided = page.get_by_role("row").filter(has_text="Entered twice")
    expect(voided).to_contain_text("void")
    expect(page.get_by_text("less than the fee of 4500.00 USD")).to_be_visible()
    manager.shot("2-voided")


def test_an_nda_is_signed_with_its_date(person):
    legal = person("flows-nda")
    page = legal.page
    legal.login("legal@example.com")
    legal.go("/creators/")
    page.get_by_role("link", name=CREATOR).first.click()
    creator_path = urlparse(page.url).path
    creator_id = re.search(r"/creators/(\d+)", creator_path).group(1)
    legal.go(f"/agreements/ndas/new?creator_id={creator_id}")
    page.get_by_label("Covered products").select_option(label="Aurora 2 (unreleased)")
    page.get_by_label("Effective on").fill((date.today() - timedelta(days=2)).isoformat())
    page.get_by_role("button", name="Create draft").click()
    page.get_by_role("button", name="Mark sent").click()
    expect(page.get_by_role("status").filter(has_text="is now sent.")).to_be_visible()

    signed_day = date.today() - timedelta(days=1)
    signed_on = signed_day.isoformat()
    page.get_by_label("Signed on", exact=True).fill(signed_on)
    page.get_by_role("button", name="Mark signed").click()
    expect(page.get_by_text("confirm the paper original is on file").first).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sent")
    legal.shot("1-signing-needs-the-document")

    page.get_by_label("Signed on", exact=True).fill(signed_on)
    page.get_by_label("Signed on paper, the original is on file").check()
    page.get_by_role("button", name="Mark signed").click()
    expect(page.get_by_role("status").filter(has_text="is signed.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Signed")
    shown = f"{signed_day.day} {signed_day:%b %Y} (on paper, original on file)"
    expect(page.get_by_text(shown)).to_be_visible()
    legal.shot("2-signed-with-date")


def test_the_changes_requested_task_closes_with_the_revision(person):
    title = f"Loop check {uuid.uuid4().hex[:6]}"
    caption = "#ad A quick look at my new brushes and how I clean them"
    manager = person("flows-loop-manager")
    mpage = manager.page
    manager.login("manager@example.com")
    manager.go("/submissions/new")
    mpage.get_by_label("Creator").select_option(label=CREATOR)
    mpage.get_by_label("Title").fill(title)
    mpage.get_by_label("Platform", exact=True).select_option("instagram")
    planned = (datetime.now() + timedelta(days=6)).replace(hour=11, minute=0)
    mpage.get_by_label("Planned for").fill(planned.strftime("%Y-%m-%dT%H:%M"))
    mpage.get_by_label("Caption or script").fill(caption)
    mpage.get_by_role("button", name="Create").click()
    submission_path = urlparse(mpage.url).path
    submission_id = submission_path.rstrip("/").split("/")[-1]

    legal = person("flows-loop-legal")
    lpage = legal.page
    legal.login("legal@example.com")
    legal.go(f"/review/{submission_id}")
    lpage.get_by_role("radio", name="Request changes", exact=True).check()
    lpage.get_by_label("Comment").fill("Name the brushes' maker.")
    lpage.get_by_role("button", name="Record decision").click()
    expect(lpage.get_by_role("status").filter(has_text="Changes requested")).to_be_visible()

    # The manager's task names and links the submission.
    manager.go("/tasks/")
    task = mpage.get_by_role("listitem").filter(has_text=f"Legal asked for changes to “{title}”")
    expect(task).to_have_count(1)
    expect(task.get_by_role("link", name=title)).to_be_visible()
    manager.shot("1-task-open")
    task.get_by_role("link", name=title).click()
    expect(mpage.get_by_role("heading", level=1)).to_contain_text(title)

    # The revision form starts from the latest caption.
    mpage.get_by_text("Add a revision").click()
    box = mpage.get_by_label("Caption or script")
    expect(box).to_have_value(caption)
    box.fill(caption + " (brushes by Atelier Nord)")
    mpage.get_by_role("button", name="Add revision").click()
    expect(mpage.get_by_role("status").filter(has_text="Revision 2 added")).to_be_visible()

    manager.go("/tasks/")
    for section in ("overdue", "today", "upcoming"):
        open_items = mpage.locator(f"#tasks-{section} li").filter(has_text=title)
        expect(open_items).to_have_count(0)
    manager.shot("2-task-gone")

    # Legal sees the change word by word.
    legal.go(f"/review/{submission_id}")
    expect(lpage.locator(".diff-words ins")).to_have_text("(brushes by Atelier Nord)")


def test_the_import_preview_is_confirmed_without_a_second_upload(person):
    newcomer = f"Import Newcomer {uuid.uuid4().hex[:6]}"
    note = f"Met at the fair {uuid.uuid4().hex[:4]}"
    csv_text = (
        "display_name,status,accounts,notes\n"
        f"The Prompt Lab,ACTIVE,X:promptlab,{note}\n"
        f"{newcomer},Prospect,youtube:{newcomer.replace(' ', '')},\n"
    )
    manager = person("flows-import")
    page = manager.page
    manager.login("manager@example.com")
    manager.go("/creators/import")
    page.get_by_label("CSV file").set_input_files(
        {"name": "creators.csv", "mimeType": "text/csv", "buffer": csv_text.encode()}
    )
    page.get_by_role("button", name="Preview (nothing is written)").click()
    expect(page.get_by_role("heading", name="Preview: ready to import")).to_be_visible()
    update = page.get_by_role("row").filter(has_text="The Prompt Lab")
    expect(update).to_contain_text("update of The Prompt Lab")
    expect(update).to_contain_text("Notes: ")
    expect(update).to_contain_text(note)
    expect(page.get_by_role("row").filter(has_text=newcomer)).to_contain_text("new")
    manager.shot("1-import-preview")

    # Nothing is written until confirmed, and confirming needs no second upload.
    search = f"{manager.base}/creators/?owner=any&q=" + newcomer.replace(" ", "+")
    other_tab = manager.context.new_page()
    other_tab.goto(search)
    expect(other_tab.get_by_role("link", name=newcomer)).to_have_count(0)
    other_tab.close()
    page.get_by_role("button", name=re.compile(r"Import these 2 rows")).click()
    expect(page.get_by_role("status").filter(has_text="Imported 2 rows")).to_be_visible()
    page.goto(search)
    expect(page.get_by_role("link", name=newcomer)).to_have_count(1)
    manager.shot("2-imported")
