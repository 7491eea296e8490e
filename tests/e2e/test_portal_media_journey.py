"""Creator-portal journey through the media manager: the creator imports works from a CSV
file (every row previewed — new, duplicate, error — before anything is written), says who
holds the rights of one and that it shows people, sees why it cannot be licensed yet in plain
words, records a model release with its signed PDF, and sees the work become licensable."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations
from tests.e2e.test_portal_journey import narrow_shot, portal_login

PDF = b"%PDF-1.4\n% model release signed by Ana Costa\n%%EOF\n"


def test_csv_import_rights_and_release(person):
    run = uuid.uuid4().hex[:6]
    title = f"Harbour interview {run}"
    csv = (
        "title,url,kind,tags,language,duration_s,people_present\n"
        f"{title},https://example.com/e2e/{run}/interview.mp4,video,interview;clear-audio,en,1800,yes\n"
        f"Harbour stills {run},https://example.com/e2e/{run}/stills.jpg,image,harbour,,,no\n"
        f"Same again {run},https://example.com/e2e/{run}/stills.jpg,image,,,,no\n"
    )
    creator = person("portal-media")
    page = creator.page
    portal_login(creator, "creator@example.com")

    # Import: the preview lists every row, and nothing is added before confirming.
    page.get_by_role("link", name="My works").first.click()
    page.get_by_role("link", name="Import works from a CSV file").click()
    page.get_by_label("CSV file").set_input_files(
        {"name": "works.csv", "mimeType": "text/csv", "buffer": csv.encode()}
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator(".import-summary")).to_have_text(
        "2 new, 1 duplicate (left out), 0 with errors."
    )
    preview = page.locator("table.import-preview")
    expect(preview.locator('tr[data-action="duplicate"]')).to_contain_text(
        "the same address as line 3"
    )
    creator.shot("1-import-preview")
    narrow_shot(creator, "1-import-preview")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Import the 2 new works").click()
    expect(page.get_by_role("status").filter(has_text="2 works imported.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=title)
    expect(row.locator("td.licensable")).to_contain_text(
        "Who holds the rights is not recorded yet."
    )

    # Rights: the creator owns it; it shows people, so a model release is still missing.
    row.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    page.get_by_label("Who holds the rights", exact=True).select_option("creator")
    page.get_by_label("What shows it (the contract, commission or your statement)").fill(
        "I filmed and edited this interview myself."
    )
    expect(page.get_by_label("It shows people who can be recognised")).to_be_checked()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="saved")).to_be_visible()
    verdict = page.locator(".verdict")
    expect(verdict).to_contain_text("It shows people, and no model release covers them.")
    work_path = page.url
    creator.shot("2-work-rights")
    narrow_shot(creator, "2-work-rights")
    assert axe_violations(page) == []

    # A release without its signed PDF is refused on the form; with it, it is recorded.
    page.get_by_role("link", name="Add a release").click()
    page.get_by_label("Kind", exact=True).select_option("model")
    page.get_by_label("Who or what (the person, or the property or brand)").fill("Ana Costa")
    page.get_by_label("Uses it allows").select_option(["ai_training", "ai_generative_training"])
    page.get_by_label("Works it covers").select_option(label=f"{title} (video)")
    page.get_by_role("button", name="Record the release").click()
    expect(page.locator(".invalid-feedback, .text-danger").filter(
        has_text="attach the signed release"
    ).first).to_be_visible()  # fmt: skip
    page.get_by_label("Works it covers").select_option(label=f"{title} (video)")
    page.get_by_label("Signed release (PDF)").set_input_files(
        {"name": "ana-costa-release.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Record the release").click()
    expect(page.get_by_role("status").filter(has_text="release is recorded")).to_be_visible()
    release_row = page.get_by_role("row").filter(has_text="Ana Costa")
    expect(release_row).to_contain_text(title)
    expect(release_row.get_by_role("link", name=re.compile("ana-costa-release"))).to_be_visible()
    creator.shot("3-releases")
    narrow_shot(creator, "3-releases")
    assert axe_violations(page) == []

    # The work may now be licensed.
    page.goto(work_path)
    expect(page.locator(".verdict")).to_contain_text("Yes")
    expect(page.get_by_text("Model release: Ana Costa")).to_be_visible()
    creator.shot("4-licensable")
