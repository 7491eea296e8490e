"""The pages: what managers, legal, admins and viewers see and can do."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from crm.approvals import services
from crm.approvals.models import Submission
from crm.approvals.services import RevisionInput
from tests.approvals.conftest import TODAY
from tests.conftest import log_in, post_form
from tests.factories import DealFactory, GrantFactory, NdaFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


def _form(world, **extra):
    data = {
        "creator_id": str(world.creator.id),
        "deal_id": "",
        "title": "Unboxing",
        "platform": "tiktok",
        "planned_for": "2026-03-20T10:00",
        "body": "#ad Unboxing my new lights",
        "media_url": "",
        "disclosure_in_video": "",
        "submit_now": "y",
    }
    data.update(extra)
    return data


def test_manager_creates_a_submission_with_an_upload(app, client, login, make_user, world, db):
    login("manager")
    data = _form(world, media=(io.BytesIO(PNG), "photo.png"))
    response = post_form(client, "/submissions/new", data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    sub = db.scalar(select(Submission).where(Submission.title == "Unboxing"))
    assert sub.status == "in_review"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Unboxing my new lights" in page and "Download photo.png" in page

    legal = app.test_client()
    log_in(legal, make_user("legal"))
    media = legal.get(f"/submissions/{sub.id}/revisions/1/media")
    assert media.status_code == 200
    assert media.headers["Content-Disposition"].startswith("attachment")
    assert media.data == PNG
    media.close()


def test_viewer_never_downloads_media(client, login, world):
    sub = world.submission()
    login("viewer")
    assert client.get(f"/submissions/{sub.id}/revisions/1/media").status_code == 403


def test_upload_type_is_checked_by_content(client, login, world, db):
    login("manager")
    data = _form(world, media=(io.BytesIO(b"<?php echo 1; ?>" * 10), "photo.png"))
    response = post_form(client, "/submissions/new", data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "must be a JPEG, PNG" in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Submission)) == 0


def test_oversized_upload_is_413(client, login, world, app, db):
    login("manager")
    app.config["APPROVALS_MEDIA_MAX_BYTES"] = 100
    try:
        data = _form(world, media=(io.BytesIO(PNG), "big.png"))
        response = post_form(client, "/submissions/new", data, content_type="multipart/form-data")
    finally:
        app.config.pop("APPROVALS_MEDIA_MAX_BYTES")
    assert response.status_code == 413
    assert db.scalar(select(func.count()).select_from(Submission)) == 0


def test_bad_form_shows_field_errors(client, login, world):
    login("manager")
    response = post_form(client, "/submissions/new", _form(world, body=""))
    assert response.status_code == 422
    assert "give the caption or script" in response.get_data(as_text=True)
    response = post_form(client, "/submissions/new", _form(world, title="", planned_for="soon"))
    assert response.status_code == 422
    assert response.get_data(as_text=True).count("invalid-feedback") == 2


def test_submission_page_highlights_flags_and_escapes_text(client, login, world, db):
    sub = world.submission(body="<script>alert(1)</script> Guaranteed results with ZP-9")
    login("viewer")
    page = client.get(f"/submissions/{sub.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
    assert '<mark class="flag">Guaranteed results</mark>' in page
    assert '<mark class="flag">ZP-9</mark>' in page
    assert "Names unreleased product" in page
    # Read-only: no action forms, and the actions refuse.
    assert "Add revision" not in page and "Withdraw" not in page
    response = post_form(client, f"/submissions/{sub.id}/withdraw", {})
    assert response.status_code == 403


def test_manager_adds_a_revision_and_withdraws(client, login, world):
    sub = world.submission("changes_requested")
    login("manager")
    response = post_form(client, f"/submissions/{sub.id}/revisions", {"body": "#ad Take two"})
    assert response.status_code == 303
    world.db.expire_all()
    assert (sub.status, sub.latest_revision) == ("in_review", 2)
    response = post_form(client, f"/submissions/{sub.id}/withdraw", {"note": "cancelled"})
    assert response.status_code == 303
    world.db.expire_all()
    assert sub.status == "withdrawn"
    page = client.get(f"/submissions/{sub.id}").get_data(as_text=True)
    assert "Add a revision" not in page
    again = post_form(client, f"/submissions/{sub.id}/withdraw", {})
    assert again.status_code == 409  # the submission page, the reason in words
    assert "cannot be withdrawn" in again.get_data(as_text=True)


def test_publish_during_embargo_shows_the_reason(client, login, world):
    sub = world.submission("approved", body="#ad Zephyr preview")
    login("manager")
    response = post_form(
        client,
        f"/submissions/{sub.id}/publish",
        {"published_url": "https://example.com/p"},
        follow_redirects=True,
    )
    assert "Embargo" in response.get_data(as_text=True)
    world.db.expire_all()
    assert sub.status == "approved"


def test_review_page_shows_diff_agreements_and_decides(client, login, world, db):
    db.add(DealFactory.build(creator_id=world.creator.id, title="Spring campaign"))
    nda = NdaFactory(creator_id=world.creator.id)
    db.add(GrantFactory.build(creator_id=world.creator.id, product_id=world.nova.id, nda_id=nda.id))
    sub = world.submission("changes_requested", body="Line one\n#spon line two")
    services.add_revision(
        db, world.manager, sub, RevisionInput(body="#ad Line one\nline two <b>"), today=TODAY
    )
    login("legal")
    page = client.get(f"/review/{sub.id}").get_data(as_text=True)
    assert "Spring campaign" in page and "Nova Pro" in page and "Signed" in page
    # Word by word, escaped: "#ad " added, "#spon " removed, " <b>" added.
    assert '<ins class="diff-word-add">#ad </ins>Line one\n' in page
    assert '<del class="diff-word-del">#spon </del>line two' in page
    assert 'line two <ins class="diff-word-add">&lt;b&gt;</ins>' in page
    assert "Changes requested" in page  # status history

    missing = post_form(
        client, f"/review/{sub.id}/decision", {"revision": "2", "decision": "reject"}
    )
    assert missing.status_code == 422
    assert "is required to request changes" in missing.get_data(as_text=True)

    done = post_form(client, f"/review/{sub.id}/decision", {"revision": "2", "decision": "approve"})
    assert done.status_code == 303
    db.expire_all()
    assert sub.status == "approved"


def test_stale_decision_shows_a_clear_message(client, login, world, db):
    sub = world.submission()
    login("legal")
    services.add_revision(db, world.manager, sub, RevisionInput(body="#ad v2"), today=TODAY)
    response = post_form(
        client,
        f"/review/{sub.id}/decision",
        {"revision": "1", "decision": "approve"},
        follow_redirects=True,
    )
    assert "Revision 1 is no longer under review" in response.get_data(as_text=True)
    db.expire_all()
    assert sub.status == "in_review"


def test_the_submitter_cannot_decide_from_the_page(client, login, world, db):
    legal = login("legal")
    sub = world.submission()
    sub.submitted_by = legal.id
    db.flush()
    page = client.get(f"/review/{sub.id}").get_data(as_text=True)
    assert "another reviewer decides" in page
    response = post_form(
        client, f"/review/{sub.id}/decision", {"revision": "1", "decision": "approve"}
    )
    assert response.status_code == 403


def _titles(html):
    return re.findall(r'href="/review/\d+">([^<]+)</a>', html)


def test_queue_is_oldest_first_with_filters(client, login, world, db):
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    a = world.submission(title="A-old", platform="youtube", planned_for=now + timedelta(days=30))
    b = world.submission(title="B-flagged", body="no disclosure but ZP-9", planned_for=now)
    c = world.submission(title="C-new", platform="youtube", planned_for=now + timedelta(days=2))
    world.submission("approved", title="D-approved")
    for offset, sub in enumerate((a, b, c)):
        sub.in_review_since = now - timedelta(hours=10 - offset)
    db.flush()
    login("legal")
    assert _titles(client.get("/review/").get_data(as_text=True)) == ["A-old", "B-flagged", "C-new"]
    assert _titles(client.get("/review/?platform=youtube").get_data(as_text=True)) == [
        "A-old",
        "C-new",
    ]
    assert _titles(client.get("/review/?failed=1").get_data(as_text=True)) == ["B-flagged"]
    assert _titles(client.get("/review/?within_days=3").get_data(as_text=True)) == [
        "B-flagged",
        "C-new",
    ]
    assert _titles(
        client.get(f"/review/?creator_id={world.creator.id}&limit=2").get_data(as_text=True)
    ) == ["A-old", "B-flagged"]
    assert client.get("/review/?within_days=soon").status_code == 422
    nav = client.get("/").get_data(as_text=True)
    assert re.search(r"Review queue\s*<span[^>]*>3<", nav)
    assert "Review queue: 3 waiting" in nav


def test_queue_query_count_does_not_grow(client, login, world, count_queries):
    login("legal")
    for n in range(2):
        world.submission(title=f"few {n}")
    client.get("/review/")
    with count_queries() as few:
        assert client.get("/review/").status_code == 200
    for n in range(15):
        world.submission(title=f"many {n}")
    with count_queries() as many:
        assert client.get("/review/").status_code == 200
    assert many.count == few.count


def test_review_page_query_count_does_not_grow(client, login, world, db, count_queries):
    login("legal")
    small = world.submission(body="#ad one")
    big = world.submission(body="#ad one ZP-9")
    for n in range(6):
        services.add_revision(
            db, world.manager, big, RevisionInput(body=f"#ad take {n} ZP-9 Nova"), today=TODAY
        )
    client.get(f"/review/{small.id}")
    with count_queries() as few:
        assert client.get(f"/review/{small.id}").status_code == 200
    with count_queries() as many:
        assert client.get(f"/review/{big.id}").status_code == 200
    assert many.count == few.count


def test_manager_home_shows_decisions_on_my_submissions(client, login, world, db):
    manager = login("manager")
    sub = world.submission(title="Mine", actor=manager)
    services.decide(db, world.legal, sub.id, 1, "request_changes", "Move #ad up.")
    page = client.get("/").get_data(as_text=True)
    assert "Decisions on my submissions" in page and "Move #ad up." in page


def test_admin_edits_check_settings(client, login, world):
    login("admin")
    page = client.get("/admin/approval-settings").get_data(as_text=True)
    assert "#sponsored" in page
    response = post_form(
        client,
        "/admin/approval-settings",
        {"disclosure_markers": "#werbung\n#ad", "vague_tags": "#ad", "banned_claims": ""},
    )
    assert response.status_code == 422
    assert "cannot be both clear and vague" in response.get_data(as_text=True)
    response = post_form(
        client,
        "/admin/approval-settings",
        {"disclosure_markers": "#werbung", "vague_tags": "#spon", "banned_claims": "best ever"},
    )
    assert response.status_code == 303
    assert services.load_settings(world.db).disclosure_markers == ["#werbung"]


@pytest.mark.parametrize("role", ["manager", "viewer"])
def test_only_legal_and_admin_see_the_queue(client, login, role):
    login(role)
    assert client.get("/review/").status_code == 403
    assert "Review queue" not in client.get("/").get_data(as_text=True)
