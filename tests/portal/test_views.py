"""The portal over HTTP: invitation to login, every page, the principal kept apart from
staff pages and the API, object-level 404s, the staff preview, the API and the CLI."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from sqlalchemy import select

from crm.approvals import services as approvals
from crm.approvals.services import RevisionInput
from crm.licensing.models import Consent, Release, Work
from crm.mail.models import OutboxMessage
from crm.portal.models import NdaSignature, PortalAccount
from tests.conftest import log_in, post_form
from tests.factories import DealFactory, NdaFactory, ProductFactory, UserFactory
from tests.portal.conftest import (
    LINK_RE,
    PASSWORD,
    portal_csrf,
    portal_log_in,
    portal_post,
)


def test_manager_invites_from_the_creator_page_and_the_creator_accepts(
    app, db, login, make_creator
):
    creator = make_creator(email="maya@example.com")
    client = app.test_client()
    log_in(client, UserFactory(role="manager"))
    page = client.get(f"/creators/{creator.id}?tab=creator-portal")
    assert f"/creators/{creator.id}/portal/invite" in page.get_data(as_text=True)
    response = post_form(
        client,
        f"/creators/{creator.id}/portal/invite",
        {"email": "maya@example.com", "relation": "creator"},
    )
    assert response.status_code == 302
    message = db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "portal_invite"))
    path = LINK_RE.search(message.text).group(1)
    browser = app.test_client()
    form = browser.get(path)
    assert form.status_code == 200 and "Choose a password" in form.get_data(as_text=True)
    weak = portal_post(browser, path, {"password": "short"})
    assert weak.status_code == 422
    accepted = portal_post(browser, path, {"password": PASSWORD})
    assert accepted.status_code == 302 and accepted.headers["Location"].endswith("/portal/")
    home = browser.get("/portal/")
    assert home.status_code == 200 and creator.display_name in home.get_data(as_text=True)
    assert browser.get(path).status_code == 410  # used


def test_login_logout_and_the_emailed_login_link(app, db, portal_client):
    client, account, _creator = portal_client
    assert client.get("/portal/works/").status_code == 200
    assert portal_post(client, "/portal/logout").status_code == 302
    assert client.get("/portal/works/").headers["Location"].startswith("/portal/login")
    wrong = portal_log_in(client, account, "not the password at all")
    assert wrong.status_code == 401
    browser = app.test_client()
    sent = portal_post(browser, "/portal/login-link", {"email": account.email})
    assert sent.status_code == 200
    message = db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "portal_login"))
    path = LINK_RE.search(message.text).group(1)
    assert browser.get(path).status_code == 200  # a page with a button: scanners use nothing
    assert portal_post(browser, path).status_code == 302
    assert browser.get("/portal/").status_code == 200


def test_a_creator_session_opens_no_staff_page_and_no_api(app, portal_client):
    client, _account, creator = portal_client
    for path in ("/", "/creators/", f"/creators/{creator.id}", "/review/", "/profile"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login"), path
    api = client.get(f"/api/v1/creators/{creator.id}")
    assert api.status_code == 401


def test_a_staff_session_opens_no_portal_page(app, db, make_user):
    client = app.test_client()
    log_in(client, make_user("admin"))
    response = client.get("/portal/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/portal/login")


def test_every_portal_page_renders(app, db, portal_client):
    client, _account, _creator = portal_client
    for path in (
        "/portal/",
        "/portal/ndas/",
        "/portal/access/",
        "/portal/submissions/",
        "/portal/submissions/new",
        "/portal/feedback/",
        "/portal/feedback/new",
        "/portal/works/",
        "/portal/works/import",
        "/portal/releases/",
        "/portal/profile",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store"


def test_sign_an_nda_by_click_and_download_the_signed_copy(app, db, portal_client):
    client, _account, creator = portal_client
    product = ProductFactory(name="Zephyr")
    nda = NdaFactory(
        creator_id=creator.id, status="sent", effective_on=None, terms="Secret.", products=[product]
    )
    page = client.get(f"/portal/ndas/{nda.id}")
    assert page.status_code == 200 and "Secret." in page.get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="([0-9a-f]{64})"', page.get_data(as_text=True))
    response = portal_post(
        client,
        f"/portal/ndas/{nda.id}",
        {"version": version.group(1), "typed_name": "Maya Lindqvist", "agree": "y"},
        headers={"User-Agent": "TestBrowser/1.0"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.expire_all()
    signature = db.scalar(select(NdaSignature).where(NdaSignature.nda_id == nda.id))
    assert signature.user_agent == "TestBrowser/1.0" and signature.ip
    assert nda.status == "signed"
    copy = client.get(f"/portal/ndas/{nda.id}/signed-copy")
    assert copy.status_code == 200 and "attachment" in copy.headers["Content-Disposition"]
    assert signature.terms_sha256 in copy.get_data(as_text=True)
    staff = app.test_client()
    log_in(staff, UserFactory(role="legal"))
    assert staff.get(f"/agreements/ndas/{nda.id}/signed-copy").status_code == 200
    viewer = app.test_client()
    log_in(viewer, UserFactory(role="viewer"))
    assert viewer.get(f"/agreements/ndas/{nda.id}/signed-copy").status_code == 403


def test_signing_without_a_name_is_shown_on_the_form(app, db, portal_client):
    client, _account, creator = portal_client
    nda = NdaFactory(creator_id=creator.id, status="sent", products=[ProductFactory()])
    page = client.get(f"/portal/ndas/{nda.id}").get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="([0-9a-f]{64})"', page).group(1)
    response = portal_post(client, f"/portal/ndas/{nda.id}", {"version": version, "typed_name": ""})
    assert response.status_code == 422
    stale = portal_post(
        client,
        f"/portal/ndas/{nda.id}",
        {"version": "0" * 64, "typed_name": "Maya L", "agree": "y"},
    )
    assert stale.status_code == 409 and "changed while you were reading" in stale.get_data(
        as_text=True
    )


def test_draft_submit_decision_and_revision_over_http(app, db, portal_client):
    client, _account, _creator = portal_client
    response = portal_post(
        client,
        "/portal/submissions/new",
        {
            "title": "Studio day",
            "platform": "instagram",
            "planned_for": "2026-09-20T15:00",
            "body": "Loving this #collab",
            "disclosure_in_video": "",
            "ai_label": "",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    sub_path = response.headers["Location"]
    sub_id = int(sub_path.rsplit("/", 1)[1])
    assert portal_post(client, f"/portal/submissions/{sub_id}/submit").status_code == 302
    legal = UserFactory(role="legal")
    approvals.decide(db, legal, sub_id, 1, "request_changes", "Please say #ad at the start.")
    db.flush()
    page = client.get(sub_path).get_data(as_text=True)
    assert "changes requested" in page and "Please say #ad at the start." in page
    revised = portal_post(
        client,
        f"/portal/submissions/{sub_id}/revisions",
        {"body": "#ad Loving this", "disclosure_in_video": "", "ai_label": ""},
    )
    assert revised.status_code == 302
    staff = app.test_client()
    log_in(staff, legal)
    queue = staff.get("/review/").get_data(as_text=True)
    assert "Studio day" in queue and "submitted by the creator" in queue


def test_feedback_report_shows_status_not_triage(app, db, portal_client, make_grant):
    client, _account, creator = portal_client
    product = ProductFactory(name="Granted model")
    make_grant(creator, product)
    response = portal_post(
        client,
        "/portal/feedback/new",
        {
            "product_id": product.id,
            "category": "limitation",
            "severity": "high",
            "title": "Hands look wrong",
            "body": "b",
            "reproduction": "draw hands",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get("/portal/feedback/").get_data(as_text=True)
    assert "Hands look wrong" in page and "Granted model" in page


def test_media_manager_over_http_and_registry_json(app, db, portal_client, api):
    client, _account, creator = portal_client
    added = portal_post(
        client,
        "/portal/works/paste",
        {"kind": "image", "urls": "https://example.com/w1.jpg\nhttps://example.com/w2.jpg"},
    )
    assert added.status_code == 302
    works = db.scalars(select(Work).where(Work.creator_id == creator.id).order_by(Work.id)).all()
    assert (
        portal_post(
            client,
            "/portal/consents/",
            {
                "scope": "all",
                "uses": ["ai_generative_training"],
                "decision": "allowed",
                "constraint": "",
            },
        ).status_code
        == 302
    )
    assert (
        portal_post(
            client,
            "/portal/consents/",
            {
                "scope": f"work:{works[0].id}",
                "uses": ["ai_generative_training"],
                "decision": "not_allowed",
                "constraint": "",
            },
        ).status_code
        == 302
    )
    _user, headers = api("viewer")
    registry = app.test_client().get(
        f"/api/v1/registry.json?creator_id={creator.id}", headers=headers
    )
    items = {i["work_id"]: i for i in registry.get_json()["items"]}
    first = items[works[0].id]["decisions"]["ai_generative_training"]
    second = items[works[1].id]["decisions"]["ai_generative_training"]
    assert first["decision"] == "not_allowed"
    # Works added in the portal have rights `unknown` until staff record them: the registry
    # answers not_allowed for them, with the creator's own choice beside it.
    assert second.get("consent_decision", second["decision"]) == "allowed"
    assert first.get("consent_decision", first["decision"]) == "not_allowed"
    consent = db.scalar(select(Consent).where(Consent.work_id == works[0].id))
    assert consent.source == "creator_request"
    assert portal_post(client, f"/portal/consents/{consent.id}/revoke").status_code == 302


def test_access_page_hides_internal_values(app, db, portal_client, make_grant):
    client, _account, creator = portal_client
    make_grant(creator, ProductFactory(name="Nova"), monthly_value_minor=987654, tier="unlimited")
    DealFactory(
        creator_id=creator.id, title="Spring", in_kind_value_minor=4444400, fee_minor=150000
    )
    page = client.get("/portal/access/").get_data(as_text=True)
    assert "Nova" in page and "unlimited" in page and "Spring" in page
    assert "9,876.54" not in page and "9876.54" not in page and "44,444" not in page


def test_profile_and_log_out_everywhere(app, db, portal_client):
    client, account, _creator = portal_client
    other = app.test_client()
    assert portal_log_in(other, account).status_code == 302
    saved = portal_post(client, "/portal/profile", {"name": "Maya L.", "phone": "+46 70 123"})
    assert saved.status_code == 302
    db.expire_all()
    assert account.name == "Maya L." and account.notify_decisions is False
    assert portal_post(client, "/portal/logout", {"everywhere": "1"}).status_code == 302
    assert other.get("/portal/").status_code == 302


def test_another_creators_ids_answer_404_on_every_portal_route(
    app, db, portal_client, make_creator, make_user
):
    """Object level (SECURITY item 12) over every portal route that takes an id."""
    client, _account, _creator = portal_client
    theirs = make_creator()
    nda = NdaFactory(creator_id=theirs.id, status="sent", products=[ProductFactory()])
    sub = approvals.create_submission(
        db,
        make_user("manager"),
        creator_id=theirs.id,
        platform="instagram",
        title="Theirs",
        planned_for=datetime(2026, 9, 1, tzinfo=UTC),
        revision=RevisionInput(body="#ad"),
        submit=False,
    )
    work = Work(creator_id=theirs.id, kind="image", title="t", url="https://example.com/theirs.jpg")
    db.add(work)
    db.flush()
    consent = Consent(
        creator_id=theirs.id,
        work_id=work.id,
        use="ai_training",
        decision="allowed",
        source="contract",
        effective_on=date(2026, 1, 1),
    )
    db.add(consent)
    release = Release(
        creator_id=theirs.id, kind="model", subject="Theirs", uses=["ai_training"],
        document_name="r.pdf", document_path="releases/theirs.pdf", document_sha256="0" * 64,
    )  # fmt: skip
    release.works = [work]
    db.add(release)
    db.flush()
    ids = {
        "nda_id": nda.id,
        "submission_id": sub.id,
        "consent_id": consent.id,
        "creator_id": theirs.id,
        "work_id": work.id,
        "release_id": release.id,
    }
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("portal.") or not rule.arguments - {"token"}:
            continue
        url = rule.rule
        for name in rule.arguments:
            url = url.replace(f"<int:{name}>", str(ids[name]))
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": portal_csrf(client)} if method == "POST" else None
            response = client.open(url, method=method, data=data)
            assert response.status_code == 404, (method, url, response.status_code)
            checked += 1
    assert checked >= 11
    db.expire_all()
    assert nda.status == "sent" and sub.status == "draft" and consent.revoked_on is None
    assert work.rights == "unknown" and release.revoked_on is None
    # A release form naming another creator's work id answers 404 too, and records nothing.
    response = client.post(
        "/portal/releases/",
        data={"csrf_token": portal_csrf(client), "kind": "model", "subject": "x",
              "uses": ["ai_training"], "work_ids": [str(work.id)]},
    )  # fmt: skip
    assert response.status_code == 404
    assert db.scalar(select(Release.id).where(Release.subject == "x")) is None


def test_staff_preview_shows_the_portal_read_only(app, db, make_creator, make_user):
    creator = make_creator(display_name="Preview Person")
    nda = NdaFactory(
        creator_id=creator.id, status="sent", terms="Preview terms.", products=[ProductFactory()]
    )
    work = Work(
        creator_id=creator.id, kind="image", title="Seen", url="https://example.com/seen.jpg"
    )
    db.add(work)
    db.flush()
    client = app.test_client()
    log_in(client, make_user("legal"))
    pages = ("", "ndas", f"nda/{nda.id}", "access", "submissions", "feedback", "works",
             f"work/{work.id}", "releases")  # fmt: skip
    for page in pages:
        response = client.get(f"/creators/{creator.id}/portal/preview/{page}")
        assert response.status_code == 200, page
        body = response.get_data(as_text=True)
        assert "Read-only" in body and '<form method="post" novalidate' not in body
    assert client.get(f"/creators/{creator.id}/portal/preview/nonsense").status_code == 404
    viewer = app.test_client()
    log_in(viewer, make_user("viewer"))
    assert viewer.get(f"/creators/{creator.id}/portal/preview/").status_code == 403


def test_portal_acts_show_in_the_staff_timeline(app, db, portal_client, make_user):
    client, _account, creator = portal_client
    portal_post(
        client,
        "/portal/works/",
        {"kind": "video", "title": "My reel", "url": "https://example.com/reel"},
    )
    staff = app.test_client()
    log_in(staff, make_user("manager"))
    page = staff.get(f"/creators/{creator.id}?tab=timeline").get_data(as_text=True)
    assert "In the portal:" in page and "My reel" in page


def test_invitation_api_and_cli(app, db, api, make_creator, runner):
    creator = make_creator()
    _user, headers = api("manager")
    client = app.test_client()
    response = client.post(
        f"/api/v1/creators/{creator.id}/invitations",
        json={"email": "api@example.com"},
        headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["email"] == "api@example.com"
    bad = client.post(
        f"/api/v1/creators/{creator.id}/invitations", json={"email": "nope"}, headers=headers
    )
    assert bad.status_code == 422 and bad.content_type.startswith("application/problem+json")
    missing = client.post(
        "/api/v1/creators/999999/invitations", json={"email": "a@example.com"}, headers=headers
    )
    assert missing.status_code == 404
    _viewer, viewer_headers = api("viewer")
    assert (
        client.post(
            f"/api/v1/creators/{creator.id}/invitations",
            json={"email": "v@example.com"},
            headers=viewer_headers,
        ).status_code
        == 403
    )
    assert db.scalar(select(PortalAccount).where(PortalAccount.email == "api@example.com"))


def test_cli_invite_emails_and_prints_the_link(app, db, runner, make_creator):
    creator = make_creator()
    result = runner.invoke(
        args=["crm", "creators", "invite", str(creator.id), "Cli@Example.com", "--print-link"]
    )
    assert result.exit_code == 0, result.output
    message = db.scalar(
        select(OutboxMessage).where(
            OutboxMessage.kind == "portal_invite", OutboxMessage.to == "cli@example.com"
        )
    )
    assert LINK_RE.search(message.text).group(1) in result.output
    assert "The creator-relations team invited you" in message.text
    missing = runner.invoke(args=["crm", "creators", "invite", "999999", "x@example.com"])
    assert missing.exit_code != 0 and "No such creator" in missing.output


def test_creator_uploads_count_against_a_daily_quota(app, db, portal_client, monkeypatch):
    client, _account, _creator = portal_client
    monkeypatch.setitem(app.config, "UPLOAD_QUOTA_BYTES_PER_DAY", 64)
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 200
    import io

    response = portal_post(
        client,
        "/portal/submissions/new",
        {
            "title": "Big file",
            "platform": "instagram",
            "planned_for": "2026-09-20T15:00",
            "body": "#ad hi",
            "disclosure_in_video": "",
            "ai_label": "",
            "media": (io.BytesIO(png), "big.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 429
    assert "Retry-After" in response.headers


def test_the_nda_page_shows_the_portal_signature_to_legal_not_viewers(app, db, portal_client):
    client, _account, creator = portal_client
    nda = NdaFactory(creator_id=creator.id, status="sent", products=[ProductFactory()])
    page = client.get(f"/portal/ndas/{nda.id}").get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="([0-9a-f]{64})"', page).group(1)
    portal_post(
        client,
        f"/portal/ndas/{nda.id}",
        {"version": version, "typed_name": "Maya Lindqvist", "agree": "y"},
    )
    legal = app.test_client()
    log_in(legal, UserFactory(role="legal"))
    body = legal.get(f"/agreements/ndas/{nda.id}").get_data(as_text=True)
    assert "Signed in the creator portal" in body and "Maya Lindqvist" in body
    assert f"/agreements/ndas/{nda.id}/signed-copy" in body
    viewer = app.test_client()
    log_in(viewer, UserFactory(role="viewer"))
    assert "Maya Lindqvist" not in viewer.get(f"/agreements/ndas/{nda.id}").get_data(as_text=True)
