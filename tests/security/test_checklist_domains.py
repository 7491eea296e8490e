"""SECURITY.md items 12, 13, 17, 22, 23, 28 and 29: the ones that need a domain's records.

Items 1–11, 14–16, 18–21 and 24–27 and 30 are in test_checklist.py.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crm.agreements.models import Nda
from crm.approvals import services as approvals
from crm.approvals.media import StoredMedia
from crm.approvals.models import Submission
from crm.approvals.services import RevisionInput
from crm.common import uploads
from crm.common.errors import Forbidden, Invalid
from crm.mail.models import OutboxMessage
from crm.mail.services import enqueue
from crm.mail.smtp import build_message
from tests.conftest import log_in, post_form
from tests.factories import CreatorFactory, NdaFactory, ProductFactory, UserFactory
from tests.feedback.factories import FeedbackFactory
from tests.reminders.factories import ReminderFactory

PDF = b"%PDF-1.4\n" + b"0" * 500 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 500
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
TODAY = datetime(2026, 3, 10, tzinfo=UTC).date()


def _inert(page: str) -> None:
    assert "<script>alert(1)" not in page
    assert "<img src=x onerror" not in page


def _nda(db, creator) -> Nda:
    return NdaFactory(creator_id=creator.id)


def _upload_nda(client, nda, body=PDF, name="signed.pdf"):
    return post_form(
        client,
        f"/agreements/ndas/{nda.id}/document",
        {"document": (io.BytesIO(body), name)},
        content_type="multipart/form-data",
    )


def _upload_dir(app) -> Path:
    return Path(app.config["UPLOAD_DIR"])


def _stored_files(app) -> set[Path]:
    root = _upload_dir(app)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


# --- 12 ------------------------------------------------------------------------------------


def test_12_records_a_role_may_not_see_answer_404(app, client, db, creator, make_user, api):
    nda = _nda(db, creator)
    legal = app.test_client()
    log_in(legal, make_user("legal"))
    assert _upload_nda(legal, nda).status_code in (302, 303)

    # A viewer asking for the NDA document gets 404: the same answer as for no document.
    viewer = make_user("viewer")
    log_in(client, viewer)
    assert client.get(f"/agreements/ndas/{nda.id}/document").status_code == 404
    assert client.get("/agreements/ndas/999999/document").status_code == 404
    # …while legal gets the file.
    download = legal.get(f"/agreements/ndas/{nda.id}/document")
    assert download.status_code == 200
    download.close()

    # A manager asking for another user's reminder gets 404, in the API and on the pages.
    other = make_user("manager")
    reminder = ReminderFactory(assignee_id=other.id, created_by_id=other.id)
    manager, headers = api("manager")
    assert client.get(f"/api/v1/reminders/{reminder.id}", headers=headers).status_code == 404
    assert client.get("/api/v1/reminders/999999", headers=headers).status_code == 404
    changed = client.patch(
        f"/api/v1/reminders/{reminder.id}", json={"status": "done"}, headers=headers
    )
    assert changed.status_code == 404
    page = app.test_client()
    log_in(page, manager)
    assert post_form(page, f"/tasks/{reminder.id}/done").status_code == 404
    db.refresh(reminder)
    assert reminder.status == "open"


# --- 13 ------------------------------------------------------------------------------------


def _world(db):
    manager = UserFactory.build(role="manager")
    admin = UserFactory.build(role="admin")
    legal = UserFactory.build(role="legal")
    creator = CreatorFactory.build()
    db.add_all([manager, admin, legal, creator])
    db.flush()
    sub = approvals.create_submission(
        db,
        manager,
        creator_id=creator.id,
        platform="instagram",
        title="A post",
        planned_for=datetime(2026, 3, 20, 15, tzinfo=UTC),
        is_video=False,
        revision=RevisionInput(body="#ad Hello"),
        submit=True,
        today=TODAY,
    )
    db.flush()
    return manager, admin, legal, sub


def test_13_only_legal_decides_and_never_on_their_own(app, client, db, api):
    manager, admin, legal, sub = _world(db)
    # Services: a manager (the submitter) and an admin are refused.
    for actor in (manager, admin):
        with pytest.raises(Forbidden):
            approvals.decide(db, actor, sub.id, 1, "approve")
    # The pages: only legal reaches the decision route.
    for role in ("manager", "admin", "viewer"):
        browser = app.test_client()
        log_in(browser, _user(db, role))
        response = post_form(
            browser, f"/review/{sub.id}/decision", {"revision": "1", "decision": "approve"}
        )
        assert response.status_code == 403, role
    # The API: the same.
    for role in ("manager", "admin", "viewer"):
        _who, headers = api(role)
        response = client.post(
            f"/api/v1/submissions/{sub.id}/decisions",
            json={"revision": 1, "decision": "approve"},
            headers=headers,
        )
        assert response.status_code == 403, role
    # Legal who wrote a revision of the submission cannot decide on it, anywhere.
    db.refresh(sub)
    approvals.decide(db, legal, sub.id, 1, "request_changes", "Add the disclosure.")
    author = _user(db, "legal")
    sub.submitted_by = author.id
    db.flush()
    approvals.add_revision(db, manager, sub, RevisionInput(body="#ad Hello v2"), today=TODAY)
    db.flush()
    with pytest.raises(Forbidden):
        approvals.decide(db, author, sub.id, 2, "approve")
    browser = app.test_client()
    log_in(browser, author)
    response = post_form(
        browser, f"/review/{sub.id}/decision", {"revision": "2", "decision": "approve"}
    )
    assert response.status_code == 403
    db.refresh(sub)
    assert sub.status == "in_review"
    # Another legal user decides.
    approvals.decide(db, legal, sub.id, 2, "approve")
    db.refresh(sub)
    assert sub.status == "approved"


def _user(db, role):
    return UserFactory(role=role)


# --- 17 ------------------------------------------------------------------------------------


def test_17_markup_in_names_captions_notes_and_markdown_renders_inert(app, client, db, login):
    evil = f"{SCRIPT}{IMG}"
    creator = CreatorFactory.build(
        display_name=f"Zed {IMG}{SCRIPT}",
        search_name=f"zed {IMG}{SCRIPT}".lower(),
        legal_name=evil,
        notes=f"Notes {evil}",
    )
    product = ProductFactory.build(name=f"Widget {IMG}")
    db.add_all([creator, product])
    db.flush()
    manager, _admin, _legal, _sub = _world(db)
    sub = approvals.create_submission(
        db,
        manager,
        creator_id=creator.id,
        platform="instagram",
        title=f"Title {evil}",
        planned_for=datetime(2026, 3, 20, 15, tzinfo=UTC),
        is_video=False,
        revision=RevisionInput(body=f"#ad caption {evil}"),
        submit=True,
        today=TODAY,
    )
    note = FeedbackFactory(
        creator_id=creator.id,
        product_id=product.id,
        title=f"Note {IMG}",
        body=(
            f"# Heading\n\n{SCRIPT}\n\n{IMG}\n\n[click](javascript:alert(3)) "
            '<a href="javascript:alert(4)">x</a> <img src=x onerror=alert(5)>'
        ),
        reproduction=evil,
    )

    login("legal")
    pages = {
        "/": None,
        "/creators/": None,
        f"/creators/{creator.id}": None,
        f"/submissions/{sub.id}": None,
        f"/review/{sub.id}": None,
        "/review/": None,
        "/feedback/": None,
        f"/feedback/{note.id}": None,
    }
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        _inert(page)
        assert "javascript:" not in page, url
        pages[url] = page
    # The text is shown, escaped, where it belongs.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[f"/creators/{creator.id}"]
    assert "&lt;img src=x onerror=alert(2)&gt;" in pages[f"/creators/{creator.id}"]
    assert "caption" in pages[f"/submissions/{sub.id}"]
    assert "<h1>Heading</h1>" in pages[f"/feedback/{note.id}"]
    # The API hands out the sanitised Markdown too.
    _u, headers = _api(db, "viewer")
    body_html = client.get(f"/api/v1/feedback/{note.id}", headers=headers).get_json()["body_html"]
    assert "<script" not in body_html and "onerror" not in body_html
    assert "javascript:" not in body_html


def _api(db, role):
    from crm.auth.services import create_token

    user = _user(db, role)
    _token, raw = create_token(db, user, user, "test")
    db.flush()
    return user, {"Authorization": f"Bearer {raw}"}


# --- 22 ------------------------------------------------------------------------------------


def test_22_uploads_over_the_limit_get_413(app, client, db, creator, login):
    nda = _nda(db, creator)
    login("legal")
    before = _stored_files(app)
    app.config["NDA_MAX_BYTES"] = 200
    try:
        response = _upload_nda(client, nda)
    finally:
        app.config["NDA_MAX_BYTES"] = 10 * 1024 * 1024
    assert response.status_code == 413
    assert "larger than" in response.get_data(as_text=True)
    assert _stored_files(app) == before
    db.refresh(nda)
    assert nda.document_path is None
    # The whole request is capped too (MAX_CONTENT_LENGTH), before any view runs.
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        response = _upload_nda(client, nda, body=PDF * 4)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 25 * 1024 * 1024
    assert response.status_code == 413


def test_22_each_user_has_a_daily_upload_quota(app, client, db, creator, login, make_user):
    ndas = [_nda(db, creator) for _ in range(3)]
    user = login("manager")
    app.config["UPLOAD_QUOTA_BYTES_PER_DAY"] = 2 * len(PDF) + 100
    try:
        assert _upload_nda(client, ndas[0]).status_code in (302, 303)
        assert _upload_nda(client, ndas[1]).status_code in (302, 303)
        with app.app_context():
            assert uploads.used_today(db, user.id) == 2 * len(PDF)
        before = _stored_files(app)
        refused = _upload_nda(client, ndas[2])
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) > 0
        assert "daily upload quota" in refused.get_data(as_text=True)
        assert _stored_files(app) == before
        db.refresh(ndas[2])
        assert ndas[2].document_path is None

        # Submission media counts against the same allowance.
        data = {
            "creator_id": str(creator.id),
            "deal_id": "",
            "title": "Unboxing",
            "platform": "tiktok",
            "planned_for": "2026-03-20T10:00",
            "body": "#ad Unboxing",
            "media_url": "",
            "disclosure_in_video": "",
            "submit_now": "y",
            "media": (io.BytesIO(PNG), "photo.png"),
        }
        refused = post_form(client, "/submissions/new", data, content_type="multipart/form-data")
        assert refused.status_code == 429
        assert db.scalar(select(func.count()).select_from(Submission)) == 0

        # Another user has their own allowance.
        other = app.test_client()
        log_in(other, make_user("legal"))
        assert _upload_nda(other, ndas[2]).status_code in (302, 303)
    finally:
        app.config["UPLOAD_QUOTA_BYTES_PER_DAY"] = uploads.DEFAULT_QUOTA_BYTES_PER_DAY
    # Yesterday's uploads do not count today.
    with app.app_context():
        assert uploads.used_today(db, user.id, datetime.now(UTC) + timedelta(days=1)) == 0


def test_22_media_quota_counts_stored_revisions(app, db, creator, make_user):
    user = make_user("manager")
    stored = StoredMedia("a.png", "approvals/x.png", "image/png", 1234, "0" * 64)
    approvals.create_submission(
        db,
        user,
        creator_id=creator.id,
        platform="instagram",
        title="With media",
        planned_for=datetime(2026, 3, 20, 15, tzinfo=UTC),
        is_video=False,
        revision=RevisionInput(body="#ad", media=stored),
        submit=False,
        today=TODAY,
    )
    db.flush()
    with app.app_context():  # each domain's upload usage is in the app's registry
        assert uploads.used_today(db, user.id) == 1234
        allowance = uploads.allowance(db, user, {"UPLOAD_QUOTA_BYTES_PER_DAY": 2000})
    assert allowance.remaining == 766 and allowance.exceeded_by(767)
    assert uploads.allowance(db, user, {"UPLOAD_QUOTA_BYTES_PER_DAY": 0}).remaining is None


# --- 23 ------------------------------------------------------------------------------------


def test_23_uploads_checked_by_content_stored_randomly_outside_static_as_attachments(
    app, client, db, creator, login
):
    nda = _nda(db, creator)
    login("legal")
    disguised = _upload_nda(client, nda, body=b"<html><script>alert(1)</script>", name="a.pdf")
    assert disguised.status_code == 422
    assert "is not a PDF" in disguised.get_data(as_text=True)

    assert _upload_nda(client, nda, name="../../static/evil.pdf").status_code in (302, 303)
    db.refresh(nda)
    stored = (_upload_dir(app) / nda.document_path).resolve()
    static = Path(app.static_folder).resolve()
    assert stored.is_file() and static not in stored.parents
    assert _upload_dir(app).resolve() in stored.parents
    assert "evil" not in nda.document_path and len(stored.stem) == 32
    assert not (static / "evil.pdf").exists()

    download = client.get(f"/agreements/ndas/{nda.id}/document")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.mimetype == "application/pdf"
    download.close()

    # Submission media: sniffed by content, stored under a random name, an attachment.
    from crm.approvals import media

    assert media.sniff(b"<svg onload=alert(1)>") is None
    assert media.sniff(b"GIF89a" + b"\x00" * 10) == "image/gif"
    saved = media.store(io.BytesIO(PNG), "../../x.html", str(_upload_dir(app)), 10_000)
    try:
        assert saved.path.startswith("approvals/") and saved.path.endswith(".png")
        assert "x.html" not in saved.path and saved.name == "x.png"  # the detected type's extension
        assert static not in media.resolve(str(_upload_dir(app)), saved.path).parents
    finally:
        media.discard(str(_upload_dir(app)), saved)
    # The media download itself is covered in tests/approvals/test_views.py
    # (test_manager_creates_a_submission_with_an_upload: attachment, exact bytes).


# --- 28 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field,value",
    [
        ("subject", "Hello\r\nBcc: victim@example.test"),
        ("subject", "Hello\nX-Injected: 1"),
        ("subject", "Hello\u2028Bcc: victim@example.test"),
        ("to", '"Eve\r\nBcc: victim@example.test" <eve@example.test>'),
        ("to", "eve@example.test\r\nBcc: victim@example.test"),
        ("to", "eve@example.test, victim@example.test"),
    ],
)
def test_28_outbox_refuses_header_injection(db, field, value):
    args = {
        "to": "someone@example.test",
        "subject": "Fine",
        "text": "Body",
        "kind": "test",
        "idempotency_key": f"inject-{field}-{value!r}",
    }
    args[field] = value
    with pytest.raises(Invalid) as refused:
        enqueue(db, **args)
    assert field in refused.value.errors
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    with pytest.raises(ValueError):
        build_message(
            to=args["to"],
            subject=args["subject"],
            text="x",
            html=None,
            mail_from="crm@example.test",
            message_id_domain="example.test",
        )


def test_28_user_text_with_line_breaks_never_reaches_a_header(app, client, db, api, make_user):
    """A task title with CR/LF, assigned to someone else, queues one clean email."""
    assignee = make_user("legal", name="Lee\r\nBcc: victim@example.test")
    _manager, headers = api("manager")
    response = client.post(
        "/api/v1/reminders",
        json={
            "title": "Call back\r\nBcc: victim@example.test",
            "due_on": "2026-06-10",
            "assignee_id": assignee.id,
        },
        headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    message = db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "reminder_assigned"))
    assert message is not None
    assert "\r" not in message.subject and "\n" not in message.subject
    built = build_message(
        to=message.to,
        subject=message.subject,
        text=message.text,
        html=message.html,
        mail_from="crm@example.test",
        message_id_domain="example.test",
    )
    parsed = message_from_bytes(built.as_bytes())
    assert parsed["Bcc"] is None and parsed.get_all("To") == [assignee.email]


# --- 29 ------------------------------------------------------------------------------------

FORMULAS = ('=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)")


def _cells(body: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(body)) for cell in row]


def test_29_creators_export_neutralises_formulas(client, db, login):
    creator = CreatorFactory(
        display_name=FORMULAS[0],
        search_name=FORMULAS[0].lower(),
        legal_name=FORMULAS[1],
        notes=FORMULAS[2],
        email="x@example.test",
    )
    from crm.creators.models import CreatorTag

    db.add(CreatorTag(creator_id=creator.id, tag=FORMULAS[3]))
    db.flush()
    login("manager")
    response = client.get("/creators/export.csv")
    assert response.status_code == 200
    cells = _cells(response.get_data(as_text=True))
    for formula in FORMULAS[:3]:
        assert "'" + formula in cells
        assert formula not in cells
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)


def test_29_feedback_report_csv_neutralises_formulas(client, db, login):
    creator = CreatorFactory.build(display_name=FORMULAS[3], search_name="x")
    product = ProductFactory.build(name="Lumen")
    db.add_all([creator, product])
    db.flush()
    db.add(
        FeedbackFactory.build(
            creator_id=creator.id,
            product_id=product.id,
            title=FORMULAS[0],
            body=FORMULAS[1],
            reproduction=FORMULAS[2],
        )
    )
    db.flush()
    login("viewer")
    response = client.get(f"/feedback/products/{product.id}/report.csv")
    assert response.status_code == 200
    cells = _cells(response.get_data(as_text=True))
    for formula in FORMULAS:
        assert "'" + formula in cells
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
