"""Erasing a creator's personal data on request (crm.creators.erasure)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from crm.audit.models import AuditEvent
from crm.common.errors import Conflict, Forbidden
from crm.creators import erasure, services
from crm.creators.models import Account, Creator, CreatorTag, Interaction, Representative
from crm.reminders.models import Reminder
from tests.conftest import post_form
from tests.factories import DealFactory, NdaFactory, UserFactory

TODAY = date(2026, 6, 1)
PERSONAL = (
    "Maya Lindqvist",
    "Maya Elin Lindqvist",
    "maya@studio.example",
    "Met at the Berlin fair",
    "mayamakes",
    "UCmaya0000000000000000",
    "Jonas Agent",
    "jonas@talent.example",
    "Called about the spring launch",
    "vip-tag",
)


@pytest.fixture
def admin(db):
    return UserFactory(role="admin")


@pytest.fixture
def maya(db, admin):
    """A creator built through the services, so the audit trail holds her personal data."""
    creator = services.create_creator(
        db,
        admin,
        {
            "display_name": "Maya Lindqvist",
            "legal_name": "Maya Elin Lindqvist",
            "email": "maya@studio.example",
            "country": "SE",
            "status": "active",
            "tags": ["vip-tag"],
            "notes": "Met at the Berlin fair",
        },
    )
    services.update_creator(db, admin, creator, {"notes": "Met at the Berlin fair (2025)"})
    services.add_account(
        db,
        admin,
        creator,
        {"platform": "youtube", "handle": "mayamakes", "external_id": "UCmaya0000000000000000"},
    )
    services.add_account(
        db,
        admin,
        creator,
        {"platform": "other", "handle": "maya-blog", "url": "https://maya.example/blog"},
    )
    services.add_representative(
        db,
        admin,
        creator,
        {"name": "Jonas Agent", "agency": "Talent", "email": "jonas@talent.example"},
    )
    services.record_interaction(
        db,
        admin,
        creator,
        kind="call",
        occurred_at=datetime(2026, 5, 1, 10, tzinfo=UTC),
        summary="Called about the spring launch",
    )
    db.add(
        Reminder(
            title="NDA with Maya Lindqvist expires on 2026-06-10",
            due_on=date(2026, 6, 3),
            assignee_id=admin.id,
            creator_id=creator.id,
        )
    )
    db.flush()
    return creator


def _everything_about(db, creator_id) -> str:
    """Every stored value that can name the creator, as one string to search."""
    db.expire_all()
    creator = db.get(Creator, creator_id)
    parts = [
        repr(
            [
                creator.display_name,
                creator.search_name,
                creator.legal_name,
                creator.email,
                creator.notes,
                creator.country,
            ]
        ),
        repr(db.execute(select(CreatorTag).where(CreatorTag.creator_id == creator_id)).all()),
        repr(
            db.execute(
                select(Account.handle, Account.handle_key, Account.url, Account.external_id).where(
                    Account.creator_id == creator_id
                )
            ).all()
        ),
        repr(
            db.execute(
                select(Representative.name, Representative.email).where(
                    Representative.creator_id == creator_id
                )
            ).all()
        ),
        repr(
            list(
                db.scalars(select(Interaction.summary).where(Interaction.creator_id == creator_id))
            )
        ),
        repr(list(db.scalars(select(Reminder.title).where(Reminder.creator_id == creator_id)))),
        json.dumps(
            [
                e.changes
                for e in db.scalars(
                    select(AuditEvent).where(
                        AuditEvent.entity == "creator", AuditEvent.entity_id == str(creator_id)
                    )
                )
            ]
        ),
    ]
    return "\n".join(parts)


def test_erasure_removes_personal_data_everywhere_and_keeps_the_trail(db, admin, maya):
    before = _everything_about(db, maya.id)
    assert all(value in before for value in PERSONAL)
    events_before = db.scalar(select(func.count()).select_from(AuditEvent))

    report = erasure.erase_creator(db, admin, maya, today=TODAY)
    db.flush()

    after = _everything_about(db, maya.id)
    for value in PERSONAL:
        assert value not in after, value
    db.expire_all()
    creator = db.get(Creator, maya.id)
    assert creator.display_name == f"Erased creator #{maya.id}"
    assert creator.legal_name is None and creator.email is None and creator.notes == ""
    assert creator.archived and creator.status == "do_not_contact"
    assert (report.accounts, report.representatives, report.interactions) == (2, 1, 1)
    accounts = db.scalars(select(Account).where(Account.creator_id == maya.id)).all()
    assert {a.platform for a in accounts} == {"youtube", "other"}
    assert all(a.handle.startswith("erased-") and a.url is None for a in accounts)
    assert db.scalar(select(Reminder.title).where(Reminder.creator_id == maya.id)) == (
        f"NDA with Erased creator #{maya.id} expires on 2026-06-10"
    )

    # The trail: nothing removed, one new event saying who erased, with no personal data.
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == events_before + 1
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "creator.erase"))
    assert event.actor_id == admin.id and event.entity_id == str(maya.id)
    assert event.changes["accounts"] == 2 and "display_name" in event.changes["erased"]
    # Older events keep their action, actor, time and non-personal fields.
    create = db.scalar(select(AuditEvent).where(AuditEvent.action == "creator.create"))
    assert create.changes["display_name"] == "[erased]"
    assert create.changes["status"] == "active" and create.actor_id == admin.id

    with pytest.raises(Conflict, match="already been erased"):
        erasure.erase_creator(db, admin, creator, today=TODAY)


def test_other_creators_are_untouched(db, admin, maya):
    other = services.create_creator(
        db, admin, {"display_name": "Other Person", "email": "other@example.test"}
    )
    erasure.erase_creator(db, admin, maya, today=TODAY)
    db.expire_all()
    assert db.get(Creator, other.id).display_name == "Other Person"
    event = db.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "creator.create", AuditEvent.entity_id == str(other.id)
        )
    )
    assert event.changes["email"] == "other@example.test"


def test_only_an_admin_erases(db, maya):
    for role in ("manager", "legal", "viewer"):
        user = UserFactory(role=role)
        with pytest.raises(Forbidden):
            erasure.erase_creator(db, user, maya, today=TODAY)


@pytest.mark.parametrize("kind", ["nda", "deal"])
def test_refused_while_an_agreement_is_in_force_unless_confirmed(db, admin, maya, kind):
    if kind == "nda":
        db.add(NdaFactory.build(creator_id=maya.id, status="signed"))
    else:
        db.add(DealFactory.build(creator_id=maya.id, status="active"))
    db.flush()
    with pytest.raises(Conflict, match="still in force"):
        erasure.erase_creator(db, admin, maya, today=TODAY)
    db.expire_all()
    assert db.get(Creator, maya.id).display_name == "Maya Lindqvist"
    report = erasure.erase_creator(
        db, admin, db.get(Creator, maya.id), today=TODAY, confirm_in_force=True
    )
    assert report.in_force
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "creator.erase"))
    assert event.changes["confirmed_in_force"] is True


def test_ended_agreements_do_not_block(db, admin, maya):
    db.add(NdaFactory.build(creator_id=maya.id, status="expired"))
    db.add(DealFactory.build(creator_id=maya.id, status="completed"))
    db.add(DealFactory.build(creator_id=maya.id, status="active", ends_on=date(2026, 5, 1)))
    db.flush()
    assert erasure.erase_creator(db, admin, maya, today=TODAY).in_force == []


# --- pages ----------------------------------------------------------------------------------


def test_admin_erases_from_the_creator_page(client, db, login, maya):
    login("admin")
    page = client.get(f"/creators/{maya.id}").get_data(as_text=True)
    assert f"/creators/{maya.id}/erase" in page
    confirm = client.get(f"/creators/{maya.id}/erase")
    assert confirm.status_code == 200
    assert "cannot be undone" in confirm.get_data(as_text=True)
    missing = post_form(client, f"/creators/{maya.id}/erase", {})
    assert missing.status_code == 422
    assert "Tick the box" in missing.get_data(as_text=True)
    done = post_form(client, f"/creators/{maya.id}/erase", {"understood": "y"})
    assert done.status_code == 302
    shown = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Erased creator #" in shown and "Maya Lindqvist" not in shown
    assert "Personal data erased" in shown


def test_page_refuses_while_in_force_then_admin_confirms(client, db, login, maya):
    db.add(NdaFactory.build(creator_id=maya.id, status="signed", effective_on=date(2020, 1, 1)))
    db.flush()
    login("admin")
    confirm = client.get(f"/creators/{maya.id}/erase").get_data(as_text=True)
    assert "Still in force" in confirm and "confirm_in_force" in confirm
    refused = post_form(client, f"/creators/{maya.id}/erase", {"understood": "y"})
    assert refused.status_code == 409
    assert "still in force" in refused.get_data(as_text=True)
    db.expire_all()
    assert db.get(Creator, maya.id).email == "maya@studio.example"
    done = post_form(
        client, f"/creators/{maya.id}/erase", {"understood": "y", "confirm_in_force": "y"}
    )
    assert done.status_code == 302
    db.expire_all()
    assert db.get(Creator, maya.id).email is None


def test_managers_get_no_button_and_403(client, login, maya):
    login("manager")
    assert f"/creators/{maya.id}/erase" not in client.get(f"/creators/{maya.id}").get_data(
        as_text=True
    )
    assert client.get(f"/creators/{maya.id}/erase").status_code == 403
    assert post_form(client, f"/creators/{maya.id}/erase", {"understood": "y"}).status_code == 403


# --- API ------------------------------------------------------------------------------------


def test_api_erase(client, db, api, maya):
    _m, manager = api("manager")
    assert (
        client.post(f"/api/v1/creators/{maya.id}/erase", json={}, headers=manager).status_code
        == 403
    )
    _a, admin = api("admin")
    db.add(DealFactory.build(creator_id=maya.id, status="signed", ends_on=None))
    db.flush()
    refused = client.post(f"/api/v1/creators/{maya.id}/erase", json={}, headers=admin)
    assert refused.status_code == 409 and "in force" in refused.get_json()["detail"]
    done = client.post(
        f"/api/v1/creators/{maya.id}/erase", json={"confirm_in_force": True}, headers=admin
    )
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert body["creator_id"] == maya.id and body["representatives"] == 1
    assert body["in_force"] and body["audit_events_scrubbed"] >= 5
    shown = client.get(f"/api/v1/creators/{maya.id}", headers=admin).get_json()
    assert shown["display_name"] == f"Erased creator #{maya.id}"
    again = client.post(f"/api/v1/creators/{maya.id}/erase", json={}, headers=admin)
    assert again.status_code == 409
    unknown = client.post("/api/v1/creators/999999/erase", json={}, headers=admin)
    assert unknown.status_code == 404
