"""One organisation day: with CRM_TIMEZONE far from UTC, every domain counts the same "today".

At 11:00 UTC on Tuesday 30 June 2026 it is already 01:00 on Wednesday 1 July in
Pacific/Kiritimati (UTC+14). Each test sets up facts that read one way on the UTC day and the
other way on the organisation's day, so it fails if that domain took its day from UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from crm import create_app
from crm.agreements import views as agreements_views
from crm.agreements.models import Grant, Nda
from crm.agreements.tasks import expire_agreements_job
from crm.approvals import services as approvals
from crm.approvals.models import RevisionCheck
from crm.approvals.services import RevisionInput
from crm.common.timeutil import org_today, org_zone, utcnow
from crm.db import get_db
from crm.licensing import licences
from crm.licensing import services as licensing
from crm.reminders.models import Reminder
from crm.reminders.tasks import scan_job
from tests.factories import DealFactory, GrantFactory, NdaFactory, ProductFactory
from tests.licensing.factories import ConsentFactory, WorkFactory

KIRITIMATI = "Pacific/Kiritimati"
INSTANT = datetime(2026, 6, 30, 11, 0, tzinfo=UTC)
UTC_DAY = date(2026, 6, 30)  # a Tuesday
ORG_DAY = date(2026, 7, 1)  # a Wednesday, the first day of a payout month


@pytest.fixture(scope="module")
def app(app_config):
    """This module's app (it replaces the session's): the organisation is in Kiritimati."""
    application = create_app({**app_config, "CRM_TIMEZONE": KIRITIMATI})
    yield application
    get_db(application).engine.dispose()


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(INSTANT, tick=False):
        yield


@pytest.fixture
def manager(make_user):
    return make_user("manager")


def reminder(db, key_prefix: str) -> Reminder | None:
    return db.scalar(select(Reminder).where(Reminder.dedupe_key.startswith(key_prefix)))


def test_the_instant_falls_on_two_calendar_days(app):
    assert utcnow().date() == UTC_DAY
    assert org_today(app) == ORG_DAY  # an app given outside its context: the same day
    with app.app_context():
        assert org_zone().key == KIRITIMATI
        assert org_today() == ORG_DAY
        assert licensing.today() == agreements_views.today() == ORG_DAY


def test_the_expiry_job_ends_an_nda_whose_last_day_is_only_over_in_kiritimati(
    app, db, make_creator, manager
):
    creator = make_creator(owner=manager)
    product = ProductFactory(public_on=None)
    nda = NdaFactory(
        creator_id=creator.id, products=[product], effective_on=date(2026, 1, 1), expires_on=UTC_DAY
    )
    grant = GrantFactory(
        creator_id=creator.id, product_id=product.id, nda_id=nda.id, ends_on=date(2026, 12, 31)
    )
    assert nda.in_force_on(UTC_DAY)  # still in force on the UTC calendar
    with app.app_context():
        result = expire_agreements_job()
    db.expire_all()
    assert result["ndas_expired"] == 1
    assert db.get(Nda, nda.id).status == "expired"
    suspended = db.get(Grant, grant.id)
    assert (suspended.status, suspended.ended_on) == ("suspended", ORG_DAY)
    task = reminder(db, f"grant-suspended:{grant.id}:")
    assert task is not None and task.due_on == ORG_DAY


def test_the_scan_raises_reminders_due_on_the_kiritimati_day(app, db, make_creator, manager):
    creator = make_creator(owner=manager)
    nda = NdaFactory(creator_id=creator.id, expires_on=ORG_DAY + timedelta(days=7))
    with app.app_context():
        scan_job()
    # Seven days left on the organisation's calendar (eight on the UTC one: the 30-day window).
    raised = reminder(db, "nda-expiring-")
    assert raised is not None
    assert raised.dedupe_key == f"nda-expiring-7:{nda.id}:{nda.expires_on.isoformat()}"
    assert raised.due_on == ORG_DAY


def test_review_wait_counts_working_days_up_to_the_kiritimati_day(app, db, make_creator, manager):
    creator = make_creator(owner=manager)
    submission = approvals.create_submission(
        db,
        manager,
        creator_id=creator.id,
        platform="instagram",
        title="Waiting",
        planned_for=INSTANT + timedelta(days=30),
        revision=RevisionInput(body="#ad Hello"),
    )
    # Friday 23:00 in Kiritimati (09:00 UTC): Mon, Tue and Wed 1 July are three working days
    # (more than two: a reminder); up to Tuesday 30 June in UTC they would be two.
    submission.in_review_since = datetime(2026, 6, 26, 9, 0, tzinfo=UTC)
    db.flush()
    with app.app_context():
        scan_job()
    raised = reminder(db, f"submission-review-waiting:{submission.id}:")
    assert raised is not None
    assert raised.dedupe_key.endswith(":2026-06-26") and raised.due_on == ORG_DAY


def test_a_post_planned_now_is_checked_and_published_on_the_kiritimati_day(
    app, db, make_creator, manager, make_user
):
    creator = make_creator(owner=manager)
    DealFactory(creator_id=creator.id, status="active", starts_on=ORG_DAY, ends_on=None)
    ProductFactory(name="Kiri Launch", public_on=ORG_DAY)
    with app.app_context():
        submission = approvals.create_submission(
            db,
            manager,
            creator_id=creator.id,
            platform="instagram",
            title="Launch post",
            planned_for=INSTANT,
            revision=RevisionInput(body="Kiri Launch is out, and I love it"),
        )
        codes = set(db.scalars(select(RevisionCheck.code)))
        # The deal starts on the planned day in Kiritimati (not yet on the UTC day): a
        # material connection, so the missing disclosure is flagged.
        assert "disclosure_missing" in codes
        approvals.decide(db, make_user("legal"), submission.id, 1, "approve", "Fine.")
        # R4: Kiri Launch is public from 1 July, so publishing is not embargoed any more.
        approvals.publish(db, manager, submission, "https://example.com/p/kiri")
    assert submission.status == "published"


def test_licensing_decides_and_pays_out_on_the_kiritimati_day(app, db, client, api, make_creator):
    creator = make_creator()
    work = WorkFactory(creator_id=creator.id)
    ConsentFactory(creator_id=creator.id, decision="allowed", effective_on=ORG_DAY)
    _user, headers = api("manager")
    shown = client.get(f"/api/v1/works/{work.id}", headers=headers)
    assert shown.status_code == 200, shown.get_json()
    # The consent takes effect on 1 July: in force in Kiritimati, not yet on the UTC day.
    assert shown.get_json()["decisions"]["ai_training"]["decision"] == "allowed"
    with app.app_context():
        licence = licences.create_licence(
            db,
            _user,
            creator_id=creator.id,
            title="July archive",
            uses=["ai_training"],
            fee_model="per_work",
            rate="10.00",
            currency="USD",
            starts_on=ORG_DAY,
            all_allowed_works=True,
        )
    # July has started in Kiritimati (on the UTC day it "has not started yet": 409).
    paid = client.post(
        f"/api/v1/licences/{licence.id}/payouts", json={"period": "2026-07"}, headers=headers
    )
    assert paid.status_code == 201, paid.get_json()
    assert paid.get_json()["works_count"] == 1
