"""Consent conflicts: the page where legal settles them, the digest section, the creator
page's "read now" button; the receipt emailed to the creator; the public ODRL policy."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from crm.digest.services import compose
from crm.licensing import receipts, signals_scan
from crm.licensing.models import ConflictResolution, Consent, SiteSignal
from crm.mail.models import OutboxMessage
from tests.conftest import post_form

PAST = date(2020, 1, 1)


@pytest.fixture
def conflicted(db, make_creator, make_consent):
    """A creator whose site refuses training (robots.txt) while our record allows it."""
    creator = make_creator(display_name="Site Keeper", sites=["https://keeper.example/"])
    consent = make_consent(creator, use="ai_training", decision="allowed", effective_on=PAST)
    db.add(
        SiteSignal(
            creator_id=creator.id,
            site="https://keeper.example/",
            source="robots",
            use="ai_training",
            decision="not_allowed",
            evidence="Disallow: / for gptbot",
            url="https://keeper.example/robots.txt",
            sha256="a" * 64,
        )
    )
    db.commit()
    return creator, consent


def _open(db, creator):
    return signals_scan.conflicts(db, date.today(), creator_id=creator.id)


def test_the_page_lists_open_conflicts_for_every_role_and_forms_for_legal(
    client, login, db, conflicted
):
    creator, consent = conflicted
    login("viewer")
    html = client.get("/licensing/conflicts").get_data(as_text=True)
    assert "Site Keeper" in html and "AI training" in html and "Disallow: / for gptbot" in html
    assert f"consent #{consent.id}" in html and "a" * 64 in html
    assert "conflicts/resolve" not in html
    post_form(client, "/logout")
    login("legal")
    html = client.get("/licensing/conflicts").get_data(as_text=True)
    assert "conflicts/resolve" in html and _open(db, creator)[0]["key"] in html


def test_keeping_our_record_needs_a_reason_and_settles_the_conflict(client, login, db, conflicted):
    creator, _consent = conflicted
    key = _open(db, creator)[0]["key"]
    login("legal")
    res = post_form(
        client, "/licensing/conflicts/resolve", {"key": key, "resolution": "consent_kept"}
    )
    assert res.status_code == 422
    assert "say why our record stands" in res.get_data(as_text=True)
    assert _open(db, creator)  # nothing written
    res = post_form(
        client,
        "/licensing/conflicts/resolve",
        {"key": key, "resolution": "consent_kept", "note": "The contract of 2020 overrides"},
    )
    assert res.status_code == 302
    assert _open(db, creator) == []
    settled = db.scalars(select(ConflictResolution)).one()
    assert settled.note == "The contract of 2020 overrides" and settled.resolution == "consent_kept"
    # A later scan finding the same signal leaves it settled.
    settled_page = client.get("/licensing/conflicts?show=settled").get_data(as_text=True)
    assert "Consent kept" in settled_page
    again = post_form(
        client,
        "/licensing/conflicts/resolve",
        {"key": key, "resolution": "consent_kept", "note": "x"},
    )
    assert again.status_code == 409


def test_revoking_from_the_page_revokes_the_consent_with_its_receipt(client, login, db, conflicted):
    creator, consent = conflicted
    key = _open(db, creator)[0]["key"]
    login("legal")
    res = post_form(
        client,
        "/licensing/conflicts/resolve",
        {"key": key, "resolution": "consent_revoked", "revoked_on": "2026-01-01"},
    )
    assert res.status_code == 302
    db.expire_all()
    assert db.get(Consent, consent.id).revoked_on == date(2026, 1, 1)
    assert [r.event for r in receipts.receipts_of(db, consent.id)][-1] == "revoke"
    assert _open(db, creator) == []


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"key": "short", "resolution": "consent_kept", "note": "x"},
        {"key": "f" * 64, "resolution": "consent_kept", "note": "x"},
        {"key": "f" * 64, "resolution": "dance", "note": "x"},
        {"key": "f" * 64, "resolution": "consent_revoked", "revoked_on": "not a date"},
        {"key": "f" * 64, "resolution": "consent_kept", "note": "x" * 3000},
    ],
)
def test_malformed_resolutions_are_4xx(client, login, db, conflicted, data):
    login("legal")
    res = post_form(client, "/licensing/conflicts/resolve", data)
    assert 400 <= res.status_code < 500, res.status_code
    if res.status_code == 422:
        assert 'class="alert alert-danger"' in res.get_data(as_text=True)  # said, not lost
    assert db.scalars(select(ConflictResolution)).all() == []


def test_only_legal_and_admins_settle(client, login, db, conflicted):
    creator, _ = conflicted
    key = _open(db, creator)[0]["key"]
    login("manager")
    data = {"key": key, "resolution": "consent_kept", "note": "x"}
    assert post_form(client, "/licensing/conflicts/resolve", data).status_code == 403


def test_the_api_settles_and_refuses_malformed_input(client, api, db, conflicted):
    creator, _ = conflicted
    key = _open(db, creator)[0]["key"]
    _u, legal = api("legal")
    url = "/api/v1/consent/conflicts/resolve"
    kept = {"key": key, "resolution": "consent_kept"}
    assert client.post(url, json=kept, headers=legal).status_code == 422
    assert client.post(url, json=kept | {"resolution": 5}, headers=legal).status_code == 422
    assert client.post(url, json={"resolution": "consent_kept"}, headers=legal).status_code == 422
    assert client.post(url, data=b"[", headers=legal).status_code == 400
    unknown = kept | {"key": "f" * 64, "note": "x"}
    assert client.post(url, json=unknown, headers=legal).status_code == 404
    assert client.post(url, json=kept | {"key": "x" * 65}, headers=legal).status_code == 422
    _u, viewer = api("viewer")
    assert client.post(url, json={}, headers=viewer).status_code == 403
    res = client.post(url, json=kept | {"note": "contract"}, headers=legal)
    assert res.status_code == 200 and res.json["resolution"] == "consent_kept"
    assert (
        client.get(f"/api/v1/consent/conflicts?creator_id={creator.id}", headers=viewer).json[
            "items"
        ]
        == []
    )
    assert client.get("/api/v1/consent/conflicts?creator_id=x", headers=viewer).status_code in (
        400,
        422,
    )


def test_the_digest_tells_legal_and_admins_about_open_conflicts(app, db, make_user, conflicted):
    legal, viewer = make_user("legal"), make_user("viewer")
    with app.app_context():
        email = compose(app, db, legal, "2026-W40")
        assert email is not None and "consent_conflicts" in email.sections
        assert "Consent conflicts: 1 open" in email.html and "Site Keeper" in email.text
        other = compose(app, db, viewer, "2026-W40")
        assert other is None or "consent_conflicts" not in other.sections


def test_the_creator_page_reads_sites_now(client, login, db, make_creator, httpserver, monkeypatch):
    monkeypatch.setenv("CRM_FETCH_ALLOW_PRIVATE", "1")
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: CCBot\nDisallow: /\n")
    creator = make_creator(sites=[httpserver.url_for("/")])
    db.commit()
    login("viewer")
    assert post_form(client, f"/licensing/creators/{creator.id}/scan-signals").status_code == 403
    post_form(client, "/logout")
    login("legal")
    assert "Read the creator's sites and media now" in client.get(
        f"/licensing/creators/{creator.id}"
    ).get_data(as_text=True)
    res = post_form(client, f"/licensing/creators/{creator.id}/scan-signals")
    assert res.status_code == 302
    assert db.query(SiteSignal).filter_by(creator_id=creator.id, source="robots").count() == 2
    assert post_form(client, "/licensing/creators/999999/scan-signals").status_code == 404


# --- the creator's receipt by email -------------------------------------------------------


def test_recording_and_revoking_consent_emails_the_creator_their_receipts(
    client, api, db, make_creator
):
    creator = make_creator(email="maya@example.com")
    db.commit()
    _u, legal = api("legal")
    res = client.post(
        "/api/v1/consents",
        json={
            "creator_id": creator.id,
            "use": "ai_training",
            "decision": "allowed",
            "source": "contract",
            "effective_on": "2024-01-01",
        },
        headers=legal,
    )
    assert res.status_code == 201
    mails = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "consent_receipt")).all()
    assert [m.to for m in mails] == ["maya@example.com"]
    token = receipts.receipts_of(db, res.json["id"])[-1].jws
    assert token in mails[0].text and receipts.verify(db, token)
    assert "recorded" in mails[0].subject
    res = client.post(
        f"/api/v1/consents/{res.json['id']}/revoke",
        json={"revoked_on": "2025-01-01"},
        headers=legal,
    )
    assert res.status_code == 200, res.json
    mails = db.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.kind == "consent_receipt")
        .order_by(OutboxMessage.id)
    ).all()
    assert len(mails) == 2 and "revoked" in mails[1].subject


def test_one_email_for_several_uses_and_none_without_an_address(client, login, db, make_creator):
    with_mail = make_creator(email="iris@example.com")
    without = make_creator(email=None)
    db.commit()
    login("legal")
    for creator in (with_mail, without):
        res = post_form(
            client,
            f"/licensing/creators/{creator.id}/consents",
            {
                "scope": "all",
                "uses": ["ai_training", "data_mining"],
                "decision": "not_allowed",
                "source": "creator_request",
                "effective_on": "2024-01-01",
            },
        )
        assert res.status_code == 302, res.get_data(as_text=True)
    mails = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "consent_receipt")).all()
    assert [m.to for m in mails] == ["iris@example.com"]
    assert "2 uses" in mails[0].subject and mails[0].text.count("Receipt ") == 2


# --- the ODRL policy is public ------------------------------------------------------------


def test_the_policy_a_tdmrep_file_links_is_readable_without_a_token(
    client, api, db, make_creator, make_consent
):
    published = make_creator(display_name="Public Site", sites=["https://pub.example/"])
    make_consent(published, use="ai_training", decision="not_allowed", effective_on=PAST)
    unpublished = make_creator(sites=[])
    archived = make_creator(sites=["https://old.example/"], archived=True)
    db.commit()
    res = client.get(f"/api/v1/creators/{published.id}/tdm-policy.json")
    assert res.status_code == 200 and res.mimetype == "application/ld+json"
    assert res.headers["Access-Control-Allow-Origin"] == "*"
    assert res.json["@type"] == "Offer"
    assert any(p["action"] == "cawg:ai_training" for p in res.json["prohibition"])
    # The tdmrep.json that links it names that very URL.
    _u, viewer = api("viewer")
    tdmrep = client.get(f"/api/v1/creators/{published.id}/tdmrep.json", headers=viewer).json
    assert tdmrep[0]["tdm-policy"] == res.json["uid"]
    # Anonymous: no policy for a creator who publishes none, nor for unknown ids.
    for creator_id in (unpublished.id, archived.id, 999999):
        assert client.get(f"/api/v1/creators/{creator_id}/tdm-policy.json").status_code == 404
    assert (
        client.get(f"/api/v1/creators/{unpublished.id}/tdm-policy.json", headers=viewer).status_code
        == 200
    )
    assert client.get(f"/api/v1/creators/{published.id}/tdmrep.json").status_code == 401
    bad = client.get(f"/api/v1/creators/{published.id}/tdm-policy.json?as_of=yesterday")
    assert bad.status_code in (400, 422)


def test_the_creator_page_links_each_consents_signed_receipt(
    client, login, db, make_creator, make_consent
):
    creator = make_creator()
    consent = make_consent(creator, use="data_mining", decision="allowed", effective_on=PAST)
    db.commit()
    login("viewer")
    page = client.get(f"/licensing/creators/{creator.id}").get_data(as_text=True)
    assert f"/licensing/consents/{consent.id}/receipt" in page
    res = client.get(f"/licensing/consents/{consent.id}/receipt")
    assert res.status_code == 200 and res.headers["Content-Disposition"].startswith("attachment")
    assert receipts.verify(db, res.get_data(as_text=True).strip())
    assert client.get("/licensing/consents/999999/receipt").status_code == 404
