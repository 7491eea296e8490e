"""Rights and releases in the media manager: a creator sets the rights of their works (one,
or in bulk by kind or date range), says what they show, records a release with its signed
PDF, and sees whether each work may be licensed, in plain words — through the licensing
services, audited with the creator as actor and `creator_request` as the source."""

from __future__ import annotations

import io
import itertools
from datetime import date

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.common.errors import Invalid, NotFound
from crm.common.storage import storage_for
from crm.common.timeutil import org_today
from crm.licensing.models import Consent, RegistryChange, Release, Work
from crm.licensing.services import revoke_release, verdicts
from crm.portal.models import PortalActivity
from crm.portal.services import accounts, rights
from tests.conftest import log_in
from tests.portal.conftest import portal_post

TODAY = date(2026, 3, 10)
PDF = b"%PDF-1.4\n% a signed model release\n"
_numbers = itertools.count(1)


def _work(db, creator, **fields):
    work = Work(
        creator_id=creator.id,
        kind=fields.pop("kind", "image"),
        title=fields.pop("title", "Harbour at dawn"),
        url=fields.pop("url", f"https://example.com/{creator.id}/work-{next(_numbers)}.jpg"),
        **fields,
    )
    db.add(work)
    db.flush()
    return work


def _audits(db, action):
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# --- services ------------------------------------------------------------------------------


def test_rights_of_one_work_through_the_licensing_service(db, make_creator, make_portal_account):
    creator = make_creator()
    actor = accounts.actor_for(make_portal_account(creator), creator.id)
    work = _work(db, creator)
    assert not verdicts(db, [work], [], TODAY)[work.id].licensable  # rights unknown
    rights.set_work_rights(
        db, actor, work.id,
        rights.RightsChoice(
            "client", "Commissioned by Harbour, 2025", client_name="Harbour", relicense="unknown"
        ),
        people_present=False, people_count=None, property_present=False,
        created_on=date(2025, 5, 1),
    )  # fmt: skip
    assert work.rights == "client" and not work.relicense_known
    assert verdicts(db, [work], [], TODAY)[work.id].reasons == (
        "client-owned, re-licensing not known",
    )
    rights.set_work_rights(
        db, actor, work.id,
        rights.RightsChoice(
            "client", "Contract §4 allows it", client_name="Harbour", relicense="yes"
        ),
        people_present=False, people_count=None, property_present=False, created_on=None,
    )  # fmt: skip
    assert verdicts(db, [work], [], TODAY)[work.id].licensable
    [event, *_] = sorted(_audits(db, "work.update"), key=lambda e: e.id)
    assert event.changes["source"] == "creator_request"
    assert "(portal)" in event.actor_label and event.actor_id is None


def test_rights_need_evidence_and_another_creators_work_is_not_found(
    db, make_creator, make_portal_account
):
    creator = make_creator()
    actor = accounts.actor_for(make_portal_account(creator), creator.id)
    mine = _work(db, creator)
    with pytest.raises(Invalid) as no_evidence:
        rights.set_work_rights(
            db, actor, mine.id, rights.RightsChoice("creator"),
            people_present=False, people_count=None, property_present=False, created_on=None,
        )  # fmt: skip
    assert "evidence" in no_evidence.value.errors
    theirs = _work(db, make_creator())
    with pytest.raises(NotFound):
        rights.set_work_rights(
            db, actor, theirs.id, rights.RightsChoice("creator", "mine"),
            people_present=False, people_count=None, property_present=False, created_on=None,
        )  # fmt: skip
    assert theirs.rights == "unknown"


def test_rights_in_bulk_by_kind_and_date_range(db, make_creator, make_portal_account):
    creator = make_creator()
    actor = accounts.actor_for(make_portal_account(creator), creator.id)
    old = _work(db, creator, kind="video", created_on=date(2024, 6, 1))
    new = _work(db, creator, kind="video", created_on=date(2025, 6, 1))
    photo = _work(db, creator, kind="image", created_on=date(2025, 6, 1))
    theirs = _work(db, make_creator(), kind="video", created_on=date(2025, 6, 1))
    count = rights.set_rights_in_bulk_for(
        db, actor, rights.RightsChoice("creator", "I shot all my 2025 videos myself"),
        kind="video", created_from=date(2025, 1, 1), created_to=date(2025, 12, 31),
    )  # fmt: skip
    assert count == 1
    assert (old.rights, new.rights, photo.rights, theirs.rights) == (
        "unknown", "creator", "unknown", "unknown",
    )  # fmt: skip
    [event] = _audits(db, "work.rights_bulk")
    assert event.changes["source"] == "creator_request" and event.changes["ids"] == [new.id]


def test_a_release_makes_a_work_with_people_licensable(db, make_creator, make_portal_account, app):
    creator = make_creator()
    actor = accounts.actor_for(make_portal_account(creator), creator.id)
    work = _work(db, creator, rights="creator", rights_evidence="mine", people_present=True)
    reasons = verdicts(db, [work], [], TODAY)[work.id].reasons
    assert reasons == ("no model release for people shown",)
    assert rights.plain_reason(reasons[0]) == ("It shows people, and no model release covers them.")
    release = rights.add_release(
        db, actor,
        rights.ReleaseInput("model", "Ana Costa", ["ai_training"], [work.id], territory="EU"),
    )  # fmt: skip
    assert release.source == "creator_request" and release.created_by_id is None
    assert verdicts(db, [work], ["ai_training"], TODAY)[work.id].licensable
    assert not verdicts(db, [work], ["ai_generative_training"], TODAY)[work.id].licensable
    [event] = _audits(db, "release.create")
    assert event.changes["source"] == "creator_request" and "(portal)" in event.actor_label


def test_a_release_over_another_creators_work_is_not_found(db, make_creator, make_portal_account):
    creator = make_creator()
    actor = accounts.actor_for(make_portal_account(creator), creator.id)
    mine = _work(db, creator, people_present=True)
    theirs = _work(db, make_creator(), people_present=True)
    with pytest.raises(NotFound):
        rights.add_release(
            db, actor, rights.ReleaseInput("model", "Ana", ["ai_training"], [mine.id, theirs.id])
        )
    assert db.scalar(select(Release.id)) is None


def test_plain_words_for_every_reason():
    assert rights.plain_reason("rights unknown") == "Who holds the rights is not recorded yet."
    assert "2 people" in rights.plain_reason("no model release for 2 people")
    assert "only 1 of them" in rights.plain_reason("model releases for 1 of 3 people shown")
    assert "property release" in rights.plain_reason("no property release for property shown")
    assert "client" in rights.plain_reason("client-owned, no re-licence clause")


# --- over HTTP -----------------------------------------------------------------------------


def test_work_page_rights_form_and_verdict_over_http(app, db, portal_client):
    client, _account, creator = portal_client
    work = _work(db, creator, title="Street at night")
    page = client.get(f"/portal/works/{work.id}")
    assert page.status_code == 200
    assert "Who holds the rights is not recorded yet." in page.get_data(as_text=True)
    missing = portal_post(
        client, f"/portal/works/{work.id}/rights",
        {"rights": "shared", "evidence": "co-shot", "relicense": "unknown"},
    )  # fmt: skip
    assert missing.status_code == 422
    assert "name the other holders" in missing.get_data(as_text=True)
    saved = portal_post(
        client, f"/portal/works/{work.id}/rights",
        {"rights": "shared", "co_holders": "Lee Park", "evidence": "co-shot with Lee",
         "relicense": "unknown", "people_present": "y", "people_count": "2"},
    )  # fmt: skip
    assert saved.status_code == 302
    db.expire_all()
    assert work.co_holders == ["Lee Park"] and work.people_count == 2
    shown = client.get(f"/portal/works/{work.id}").get_data(as_text=True)
    assert "It shows 2 people, and no model release covers them." in shown
    listing = client.get("/portal/works/").get_data(as_text=True)
    assert "It shows 2 people" in listing


def test_bulk_rights_over_http(app, db, portal_client):
    client, _account, creator = portal_client
    a = _work(db, creator, kind="audio")
    b = _work(db, creator, kind="image")
    response = portal_post(
        client, "/portal/works/rights",
        {"kind": "audio", "rights": "creator", "evidence": "all my own recordings",
         "relicense": "unknown"},
    )  # fmt: skip
    assert response.status_code == 302
    db.expire_all()
    assert (a.rights, b.rights) == ("creator", "unknown")
    bad = portal_post(
        client, "/portal/works/rights",
        {"kind": "audio", "rights": "creator", "evidence": "x", "relicense": "unknown",
         "created_from": "2026-05-01", "created_to": "2026-01-01"},
    )  # fmt: skip
    assert bad.status_code == 422 and "must be on or after the start" in bad.get_data(as_text=True)


def test_upload_a_release_with_its_pdf_and_download_it(app, db, portal_client):
    client, _account, creator = portal_client
    work = _work(db, creator, rights="creator", rights_evidence="mine", people_present=True)
    page = client.get("/portal/releases/")
    assert page.status_code == 200 and "Record a release" in page.get_data(as_text=True)
    no_pdf = portal_post(
        client, "/portal/releases/",
        {"kind": "model", "subject": "Ana Costa", "uses": ["ai_training"],
         "work_ids": [str(work.id)]},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert no_pdf.status_code == 422 and "attach the signed release" in no_pdf.get_data(True)
    not_pdf = portal_post(
        client, "/portal/releases/",
        {"kind": "model", "subject": "Ana Costa", "uses": ["ai_training"],
         "work_ids": [str(work.id)], "document": (io.BytesIO(b"GIF89a..."), "release.pdf")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert not_pdf.status_code == 422 and "is not a PDF" in not_pdf.get_data(as_text=True)
    done = portal_post(
        client, "/portal/releases/",
        {"kind": "model", "subject": "Ana Costa",
         "uses": ["ai_training", "ai_generative_training"],
         "territory": "worldwide", "work_ids": [str(work.id)],
         "document": (io.BytesIO(PDF), "Ana release.pdf")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert done.status_code == 302, done.get_data(as_text=True)[:3000]
    release = db.scalar(select(Release).where(Release.creator_id == creator.id))
    import hashlib

    assert release.document_sha256 == hashlib.sha256(PDF).hexdigest()
    assert storage_for(app).exists(release.document_path)
    download = client.get(f"/portal/releases/{release.id}/document")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    download.close()
    listing = client.get("/portal/works/").get_data(as_text=True)
    assert f'data-work-id="{work.id}"' in listing
    assert verdicts(db, [work], ["ai_training"], TODAY)[work.id].licensable


def test_release_uploads_count_against_the_creators_quota(app, db, portal_client, monkeypatch):
    client, _account, creator = portal_client
    work = _work(db, creator, people_present=True)
    monkeypatch.setitem(app.config, "UPLOAD_QUOTA_BYTES_PER_DAY", 16)
    response = portal_post(
        client, "/portal/releases/",
        {"kind": "model", "subject": "Ana", "uses": ["ai_training"], "work_ids": [str(work.id)],
         "document": (io.BytesIO(PDF * 4), "r.pdf")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 429 and "Retry-After" in response.headers
    assert db.scalar(select(Release.id)) is None


def test_a_release_naming_another_creators_work_answers_404(app, db, portal_client, make_creator):
    client, _account, _creator = portal_client
    theirs = _work(db, make_creator(), people_present=True)
    response = portal_post(
        client, "/portal/releases/",
        {"kind": "model", "subject": "Ana", "uses": ["ai_training"], "work_ids": [str(theirs.id)],
         "document": (io.BytesIO(PDF), "r.pdf")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 404
    assert db.scalar(select(Release.id)) is None


# --- withdrawing a release -----------------------------------------------------------------


def _released_work(db, creator, account):
    """A work of the creator's own that shows one person, allowed for ai_training by
    consent, and the model release that makes it licensable."""
    work = _work(
        db, creator, rights="creator", rights_evidence="mine", people_present=True,
        people_count=1,
    )  # fmt: skip
    db.add(
        Consent(
            creator_id=creator.id, work_id=work.id, use="ai_training", decision="allowed",
            source="contract", effective_on=date(2024, 1, 1),
        )
    )  # fmt: skip
    actor = accounts.actor_for(account, creator.id)
    release = rights.add_release(
        db, actor, rights.ReleaseInput("model", "Ana Costa", ["ai_training"], [work.id])
    )
    db.flush()
    return work, release


def _check(client, headers, work):
    response = client.post(
        "/api/v1/consent/check",
        json={"use": "ai_training", "items": [{"url": work.url}]},
        headers=headers,
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"][0]


def test_withdraw_a_release_and_the_consent_check_answers_not_allowed(app, db, portal_client, api):
    client, account, creator = portal_client
    work, release = _released_work(db, creator, account)
    _viewer, headers = api("viewer")
    before = _check(client, headers, work)
    assert (before["decision"], before["licensable"]) == ("allowed", True)

    page = client.get("/portal/releases/").get_data(as_text=True)
    assert f'action="/portal/releases/{release.id}/withdraw"' in page
    assert "the consent check answers “not allowed” from now on" in page

    done = portal_post(client, f"/portal/releases/{release.id}/withdraw")
    assert done.status_code == 302 and done.headers["Location"].endswith("/portal/releases/")
    shown = client.get("/portal/releases/").get_data(as_text=True)
    today = org_today()
    assert "Your model release (Ana Costa) is withdrawn." in shown
    assert f"(withdrawn {today})" in shown
    assert f'action="/portal/releases/{release.id}/withdraw"' not in shown
    db.expire_all()
    assert release.revoked_on == today

    after = _check(client, headers, work)
    assert after["decision"] == "not_allowed" and after["consent_decision"] == "allowed"
    assert after["reason"] == (
        f"not licensable: no model release for 1 person (release #{release.id} revoked {today})"
    )
    [event] = _audits(db, "release.revoke")
    assert event.entity_id == str(release.id) and event.actor_id is None
    assert event.actor_label == f"creator {account.name} <{account.email}> (portal)"
    assert event.changes == {"revoked_on": [None, today.isoformat()], "source": "creator_request"}
    fed = db.scalars(
        select(RegistryChange).where(
            RegistryChange.event == "rights.changed", RegistryChange.work_id == work.id
        )
    ).all()
    assert [c.data["change"] for c in fed] == ["release.create", "release.revoke"]
    noted = db.scalars(select(PortalActivity).where(PortalActivity.action == "release.revoke"))
    assert [a.summary for a in noted] == [f"{account.name}: withdrew a model release (Ana Costa)"]
    work_page = client.get(f"/portal/works/{work.id}").get_data(as_text=True)
    assert "no model release covers this person" in work_page


def test_withdrawing_twice_says_nothing_changed(app, db, portal_client):
    client, account, creator = portal_client
    _, release = _released_work(db, creator, account)
    assert portal_post(client, f"/portal/releases/{release.id}/withdraw").status_code == 302
    again = portal_post(client, f"/portal/releases/{release.id}/withdraw", follow_redirects=True)
    assert again.status_code == 200
    text = again.get_data(as_text=True)
    assert f"Nothing changed: Release #{release.id} was already revoked on {org_today()}." in text
    assert len(_audits(db, "release.revoke")) == 1


def test_a_release_revoked_by_staff_cannot_be_withdrawn_again(app, db, portal_client, make_user):
    client, account, creator = portal_client
    _, release = _released_work(db, creator, account)
    revoke_release(db, make_user("legal"), release, date(2026, 1, 5))
    db.flush()
    page = client.get("/portal/releases/").get_data(as_text=True)
    assert "(withdrawn 2026-01-05)" in page and "/withdraw" not in page
    refused = portal_post(client, f"/portal/releases/{release.id}/withdraw", follow_redirects=True)
    assert "Nothing changed: Release" in refused.get_data(as_text=True)
    db.expire_all()
    assert release.revoked_on == date(2026, 1, 5)


def test_another_creators_release_or_an_unknown_one_is_not_found(
    app, db, portal_client, make_creator, make_portal_account
):
    client, _account, _creator = portal_client
    other = make_creator()
    _, theirs = _released_work(db, other, make_portal_account(other))
    for release_id in (theirs.id, theirs.id + 1000):
        response = portal_post(client, f"/portal/releases/{release_id}/withdraw")
        assert response.status_code == 404, release_id
    db.expire_all()
    assert theirs.revoked_on is None and _audits(db, "release.revoke") == []
    assert f"/portal/releases/{theirs.id}/" not in client.get("/portal/releases/").get_data(True)


def test_withdraw_without_a_csrf_token_is_refused(app, db, portal_client):
    client, account, creator = portal_client
    _, release = _released_work(db, creator, account)
    response = client.post(f"/portal/releases/{release.id}/withdraw", data={})
    assert response.status_code == 400
    assert "The form expired or was not sent from this site" in response.get_data(as_text=True)
    db.expire_all()
    assert release.revoked_on is None and _audits(db, "release.revoke") == []


def test_expired_releases_offer_no_withdrawal_and_the_preview_none_at_all(
    app, db, portal_client, make_user
):
    client, account, creator = portal_client
    work, current = _released_work(db, creator, account)
    over = rights.add_release(
        db, accounts.actor_for(account, creator.id),
        rights.ReleaseInput("property", "Harbour Café", ["ai_training"], [work.id],
                            signed_on=date(2020, 1, 1), expires_on=date(2021, 1, 1)),
    )  # fmt: skip
    db.flush()
    page = client.get("/portal/releases/").get_data(as_text=True)
    assert f"/portal/releases/{current.id}/withdraw" in page
    assert f"/portal/releases/{over.id}/withdraw" not in page
    staff = app.test_client()
    log_in(staff, make_user("legal"))
    preview = staff.get(f"/creators/{creator.id}/portal/preview/releases")
    assert preview.status_code == 200 and "/withdraw" not in preview.get_data(as_text=True)
