"""R7: each rule raises its reminder on the right days, once, and never for archived creators."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from crm.auth.models import User
from crm.common.registry import ReminderRule, registry
from crm.creators.models import Creator
from crm.creators.reminder_rules import remind_about
from crm.reminders import services
from crm.reminders.models import Reminder
from crm.reminders.rules import Candidate, working_days_between
from tests.factories import DealFactory, GrantFactory, NdaFactory, ProductFactory
from tests.reminders.conftest import TODAY, reminders_for
from tests.reminders.factories import PaymentFactory


def _nda(db, creator, expires_on, status="signed"):
    return NdaFactory(creator_id=creator.id, expires_on=expires_on, status=status)


@pytest.mark.parametrize(
    ("days_left", "window"),
    [(31, None), (30, 30), (8, 30), (7, 7), (1, 7), (0, 7), (-1, None)],
)
def test_nda_expiring_windows(db, make_creator, scan, days_left, window):
    nda = _nda(db, make_creator(), TODAY + timedelta(days=days_left))
    keys = scan()
    expected = {f"nda-expiring-{window}:{nda.id}:{nda.expires_on.isoformat()}"} if window else set()
    assert {k for k in keys if k.startswith("nda-")} == expected


def test_an_nda_gets_its_30_and_then_its_7_day_reminder(db, make_creator, owner, scan):
    creator = make_creator(display_name="Nova")
    nda = _nda(db, creator, TODAY + timedelta(days=30))
    scan(TODAY)
    scan(TODAY + timedelta(days=1))  # still inside 30: nothing new
    scan(TODAY + timedelta(days=23))  # 7 days left
    rows = reminders_for(db, "nda", nda.id)
    assert [r.dedupe_key.split(":")[0] for r in rows] == ["nda-expiring-30", "nda-expiring-7"]
    assert all(r.assignee_id == owner.id and r.creator_id == creator.id for r in rows)
    assert "Nova" in rows[0].title and nda.expires_on.isoformat() in rows[0].title


@pytest.mark.parametrize("status", ["draft", "sent", "expired", "terminated"])
def test_only_signed_ndas_remind(db, make_creator, scan, status):
    _nda(db, make_creator(), TODAY + timedelta(days=5), status=status)
    assert not [k for k in scan() if k.startswith("nda-")]


@pytest.mark.parametrize(("days_left", "raised"), [(8, False), (7, True), (0, True), (-1, False)])
def test_grant_ending_within_7_days(db, make_creator, scan, days_left, raised):
    creator = make_creator()
    product = ProductFactory()
    grant = GrantFactory(
        creator_id=creator.id, product_id=product.id, ends_on=TODAY + timedelta(days=days_left)
    )
    keys = scan()
    assert (f"grant-ending-7:{grant.id}:{grant.ends_on.isoformat()}" in keys) is raised


def test_suspended_grants_do_not_remind(db, make_creator, scan):
    creator = make_creator()
    product = ProductFactory()
    db.add(
        GrantFactory.build(
            creator_id=creator.id, product_id=product.id, ends_on=TODAY, status="suspended"
        )
    )
    db.flush()
    assert not [k for k in scan() if k.startswith("grant-")]


def _payment(db, creator, due_on, *, paid_on=None, deal_status="active"):
    deal = DealFactory(creator_id=creator.id, status=deal_status, title="Spring video")
    return PaymentFactory(deal_id=deal.id, due_on=due_on, paid_on=paid_on)


@pytest.mark.parametrize(
    ("days", "kind"),
    [(8, None), (7, "payment-due-7"), (0, "payment-due-7"), (-1, "payment-overdue")],
)
def test_payment_due_within_7_days_or_overdue(db, make_creator, scan, days, kind):
    payment = _payment(db, make_creator(), TODAY + timedelta(days=days))
    keys = {k for k in scan() if k.startswith("payment-")}
    assert keys == ({f"{kind}:{payment.id}:{payment.due_on.isoformat()}"} if kind else set())


def test_a_payment_reminds_when_due_and_again_when_overdue(db, make_creator, scan):
    payment = _payment(db, make_creator(), TODAY + timedelta(days=2))
    scan(TODAY)
    scan(TODAY + timedelta(days=3))
    rows = reminders_for(db, "payment", payment.id)
    assert [r.dedupe_key.split(":")[0] for r in rows] == ["payment-due-7", "payment-overdue"]
    assert "500" not in rows[0].title  # no amount: reminders may be read where money may not
    assert "Spring video" in rows[0].title


def test_paid_or_cancelled_payments_do_not_remind(db, make_creator, scan):
    creator = make_creator()
    _payment(db, creator, TODAY, paid_on=TODAY)
    _payment(db, creator, TODAY, deal_status="cancelled")
    assert not [k for k in scan() if k.startswith("payment-")]


def _quiet_creator(make_creator, last_at, **kwargs):
    return make_creator(
        last_interaction_at=last_at, created_at=datetime(2025, 1, 1, tzinfo=UTC), **kwargs
    )


@pytest.mark.parametrize(("days_ago", "raised"), [(29, False), (30, True), (45, True)])
def test_active_creator_without_interaction_for_30_days(make_creator, scan, days_ago, raised):
    last = datetime.combine(TODAY - timedelta(days=days_ago), datetime.min.time(), UTC)
    creator = _quiet_creator(make_creator, last + timedelta(hours=12))
    keys = scan()
    key = f"creator-quiet-30:{creator.id}:{(TODAY - timedelta(days=days_ago)).isoformat()}"
    assert (key in keys) is raised


def test_quiet_days_are_counted_in_the_organisations_time_zone(make_creator, scan):
    # 03:00 UTC on 12 May (29 days before 10 June) is still 11 May (30 days) in New York.
    creator = _quiet_creator(make_creator, datetime(2026, 5, 12, 3, 0, tzinfo=UTC))
    assert not [k for k in scan(tz_name="UTC") if k.startswith("creator-quiet")]
    keys = scan(tz_name="America/New_York")
    assert f"creator-quiet-30:{creator.id}:2026-05-11" in keys


def test_never_contacted_creator_counts_from_creation(make_creator, scan):
    creator = _quiet_creator(make_creator, None)
    assert f"creator-quiet-30:{creator.id}:2025-01-01" in scan()


def test_only_active_creators_are_chased(make_creator, scan):
    _quiet_creator(make_creator, None, status="paused")
    _quiet_creator(make_creator, None, status="prospect")
    assert not [k for k in scan() if k.startswith("creator-quiet")]


def test_quiet_reminder_comes_back_after_a_new_lull(db, make_creator, owner, scan):
    creator = _quiet_creator(make_creator, datetime(2026, 5, 1, 10, tzinfo=UTC))
    scan(TODAY)
    first = reminders_for(db, "creator", creator.id)
    services.update_reminder(db, owner, first[0], {"status": "dismissed"}, today=TODAY)
    creator.last_interaction_at = datetime(2026, 6, 12, 10, tzinfo=UTC)  # contact, then silence
    db.flush()
    assert not scan(TODAY + timedelta(days=20))
    assert scan(TODAY + timedelta(days=32)) == {f"creator-quiet-30:{creator.id}:2026-06-12"}


def test_archived_creators_raise_nothing(db, make_creator, scan):
    creator = _quiet_creator(make_creator, None, archived=True)
    _nda(db, creator, TODAY + timedelta(days=3))
    _payment(db, creator, TODAY - timedelta(days=3))
    product = ProductFactory()
    db.add(GrantFactory.build(creator_id=creator.id, product_id=product.id, ends_on=TODAY))
    db.flush()
    assert scan() == set()
    assert db.scalar(select(func.count()).select_from(Reminder)) == 0


def test_a_scan_run_twice_raises_nothing_new(db, make_creator, scan):
    creator = _quiet_creator(make_creator, None)
    _nda(db, creator, TODAY + timedelta(days=3))
    _payment(db, creator, TODAY - timedelta(days=1))
    first = scan()
    assert len(first) == 3
    assert scan() == set()
    assert db.scalar(select(func.count()).select_from(Reminder)) == 3


def test_a_dismissed_reminder_stays_dismissed(db, make_creator, owner, scan):
    nda = _nda(db, make_creator(), TODAY + timedelta(days=3))
    scan()
    (reminder,) = reminders_for(db, "nda", nda.id)
    services.update_reminder(db, owner, reminder, {"status": "dismissed"}, today=TODAY)
    db.flush()
    scan()
    scan(TODAY + timedelta(days=1))
    rows = reminders_for(db, "nda", nda.id)
    assert [(r.id, r.status) for r in rows] == [(reminder.id, "dismissed")]


def test_a_new_expiry_date_is_a_new_reminder(db, make_creator, scan):
    nda = _nda(db, make_creator(), TODAY + timedelta(days=3))
    scan()
    nda.expires_on = TODAY + timedelta(days=5)  # extended: the old key no longer matches
    db.flush()
    assert scan() == {f"nda-expiring-7:{nda.id}:{nda.expires_on.isoformat()}"}


def test_assignee_is_the_owner_else_an_admin(db, make_creator, make_user, admin, scan):
    gone = make_user("manager", active=False)
    owned = _nda(db, make_creator(), TODAY + timedelta(days=3))
    owned_owner = db.get(Creator, owned.creator_id).owner_id
    orphan = _nda(db, make_creator(owner_id=None), TODAY + timedelta(days=3))
    stale = _nda(db, make_creator(owner_id=gone.id), TODAY + timedelta(days=3))
    scan()
    first_admin = db.scalar(select(func.min(User.id)).where(User.role == "admin", User.active))
    assert first_admin is not None
    assert reminders_for(db, "nda", owned.id)[0].assignee_id == owned_owner
    assert reminders_for(db, "nda", orphan.id)[0].assignee_id == first_admin
    assert reminders_for(db, "nda", stale.id)[0].assignee_id == first_admin


def test_remind_hook_is_idempotent(db, make_creator, owner):
    creator = make_creator()
    kwargs = dict(
        assignee_id=None,
        title="Grant 7 suspended: NDA ended",
        due_on=TODAY,
        subject=("grant", 7),
        rule="grant-suspended",
        dedupe_key="grant-suspended:7:2026-06-10",
    )
    first = remind_about(db, creator.id, **kwargs)
    second = remind_about(db, creator.id, **kwargs)
    assert first.id == second.id and first.assignee_id == owner.id
    assert (first.subject_type, first.subject_id, first.rule) == ("grant", 7, "grant-suspended")
    creator.archived = True
    db.flush()
    assert remind_about(db, creator.id, **{**kwargs, "dedupe_key": "other"}) is None


def test_remind_without_an_assignee_goes_to_an_admin(db, admin):
    reminder = services.remind(
        db, assignee_id=None, title="Check", due_on=TODAY, rule="test", dedupe_key="test:1"
    )
    assert reminder.assignee_id == admin.id


def test_other_domains_add_rules(app, db, make_creator, owner, scan):
    creator = make_creator()

    def extra(session, ctx):
        yield Candidate(
            "test-extra",
            f"test-extra:{ctx.today}",
            "Extra",
            ctx.today,
            creator.id,
            assignee_id=creator.owner_id,  # a rule names its assignee (here the owner)
        )

    rule = ReminderRule("test-extra", extra)
    registry(app).reminder_rules.append(rule)
    try:
        assert scan() == {f"test-extra:{TODAY}"}
        assert scan() == set()
    finally:
        registry(app).reminder_rules.remove(rule)


def test_a_failing_rule_does_not_stop_the_others(app, db, make_creator, scan):
    nda = _nda(db, make_creator(), TODAY + timedelta(days=3))

    def broken(session, ctx):
        raise RuntimeError("boom")

    rule = ReminderRule("test-broken", broken)
    registry(app).reminder_rules.append(rule)
    try:
        assert f"nda-expiring-7:{nda.id}:{nda.expires_on}" in scan()
    finally:
        registry(app).reminder_rules.remove(rule)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 6, 8), date(2026, 6, 10), 2),  # Mon -> Wed
        (date(2026, 6, 8), date(2026, 6, 11), 3),
        (date(2026, 6, 12), date(2026, 6, 16), 2),  # Fri -> Tue over a weekend
        (date(2026, 6, 12), date(2026, 6, 17), 3),
        (date(2026, 6, 13), date(2026, 6, 14), 0),  # Sat -> Sun
        (date(2026, 6, 1), date(2026, 6, 29), 20),
        (date(2026, 6, 10), date(2026, 6, 10), 0),
    ],
)
def test_working_days(start, end, expected):
    assert working_days_between(start, end) == expected
