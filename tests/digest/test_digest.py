"""The weekly digest: content by role, exactly once per user and week, dry run, crash
recovery, the preview page and the command line."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from crm.common.errors import Invalid
from crm.common.registry import DigestSection, registry
from crm.digest.models import DigestDelivery
from crm.digest.services import claim, compose, send_weekly, week_bounds
from crm.mail.models import OutboxMessage
from crm.mail.services import enqueue, flush
from tests.conftest import TEST_ZONE
from tests.factories import (
    AccountFactory,
    CreatorFactory,
    GrantFactory,
    NdaFactory,
    ProductFactory,
    UserFactory,
)
from tests.mail.conftest import smtp_settings

WEEK = "2026-W47"  # Monday 2026-11-16
MONDAY_8AM = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)


@pytest.fixture
def people(db):
    users = {}
    for role in ("admin", "manager", "manager2", "legal", "viewer"):
        user = UserFactory.build(
            role="manager" if role == "manager2" else role,
            name=f"{role.title()} Person",
            email=f"{role}@digest.test",
        )
        db.add(user)
        users[role] = user
    db.flush()
    return users


@pytest.fixture
def agreements(db, people):
    nimbus = ProductFactory.build(name="Nimbus")
    db.add(nimbus)
    alpha = CreatorFactory.build(display_name="Alpha Arts", owner_id=people["manager"].id)
    beta = CreatorFactory.build(display_name="Beta Builds", owner_id=people["manager2"].id)
    gone = CreatorFactory.build(
        display_name="Gone Gallery", owner_id=people["manager"].id, archived=True
    )
    db.add_all([alpha, beta, gone])
    db.flush()
    nda_soon = NdaFactory.build(creator_id=alpha.id, expires_on=date(2026, 11, 20))
    nda_soon.products = [nimbus]
    db.add_all(
        [
            nda_soon,
            NdaFactory.build(creator_id=beta.id, expires_on=date(2026, 12, 20)),
            NdaFactory.build(creator_id=gone.id, expires_on=date(2026, 11, 18)),
            NdaFactory.build(
                creator_id=alpha.id, status="terminated", expires_on=date(2026, 11, 19)
            ),
        ]
    )
    db.flush()
    db.add_all(
        [
            GrantFactory.build(
                creator_id=beta.id,
                product_id=nimbus.id,
                ends_on=date(2026, 11, 26),
                tier="unlimited",
                monthly_value_minor=20000,
                currency="USD",
            ),
            GrantFactory.build(
                creator_id=alpha.id,
                product_id=nimbus.id,
                ends_on=date(2026, 11, 25),
                status="revoked",
            ),
        ]
    )
    db.flush()
    return {"alpha": alpha, "beta": beta, "gone": gone}


def digest_for(app, db, user):
    with app.app_context():
        return compose(app, db, user, WEEK)


# --- content by role ----------------------------------------------------------------------


def test_admin_and_legal_see_everything_expiring_with_values(app, db, people, agreements):
    for role in ("admin", "legal"):
        email = digest_for(app, db, people[role])
        assert email.sections == ["expiring_agreements"]
        assert "Alpha Arts: NDA expires 2026-11-20 (in 4 days), covers Nimbus" in email.text
        assert (
            "Beta Builds: Nimbus (unlimited) ends 2026-11-26 (in 10 days), "
            "worth 200.00 USD/month" in email.text
        )
        assert "worth 200.00 USD/month" in email.html
        for absent in ("Gone Gallery", "2026-12-20", "2026-11-19", "2026-11-25"):
            assert absent not in email.text


def test_viewer_never_sees_money(app, db, people, agreements):
    email = digest_for(app, db, people["viewer"])
    assert "Beta Builds: Nimbus (unlimited) ends 2026-11-26 (in 10 days)" in email.text
    for body in (email.text, email.html):
        assert "200.00" not in body and "USD" not in body and "worth" not in body


def test_manager_hears_about_own_creators_only(app, db, people, agreements):
    email = digest_for(app, db, people["manager"])
    assert "Alpha Arts" in email.text
    assert "Beta Builds" not in email.text and "Access grants" not in email.text
    other = digest_for(app, db, people["manager2"])
    assert "Beta Builds" in other.text and "Alpha Arts" not in other.text


def test_digest_links_back_to_the_app_and_offers_opt_out(app, db, people, agreements):
    email = digest_for(app, db, people["admin"])
    assert "Open Creator CRM: http://crm.test/" in email.text
    assert "Turn it off in your profile: http://crm.test/profile" in email.text
    assert 'href="http://crm.test/profile"' in email.html
    assert "<script" not in email.html.lower()
    assert "Week 2026-W47, 2026-11-16 to 2026-11-22" in email.text
    # The digest's days are the organisation's: the email says which zone that is.
    assert f"Days are counted in the organisation's time zone, {TEST_ZONE.key}." in email.text
    assert f"time zone, {TEST_ZONE.key}." in email.html


def test_nothing_to_report_means_no_digest(app, db, people):
    assert digest_for(app, db, people["viewer"]) is None


def test_html_escapes_names(app, db, people):
    creator = CreatorFactory(display_name='<script>x</script>"><img onerror=1>')
    db.add(NdaFactory.build(creator_id=creator.id, expires_on=date(2026, 11, 17)))
    db.flush()
    email = digest_for(app, db, people["admin"])
    assert "<script>x" not in email.html and "&lt;script&gt;x" in email.html


def test_audience_movers_from_snapshots(app, db, people):
    from crm.metrics.services import upsert_snapshot

    creators = [CreatorFactory.build(display_name=n) for n in ("Up", "Down", "Flat")]
    db.add_all(creators)
    db.flush()
    accounts = [AccountFactory.build(creator_id=c.id) for c in creators]
    db.add_all(accounts)
    db.flush()
    series = {
        accounts[0].id: {
            date(2026, 11, 9): 1000,
            date(2026, 11, 12): 1100,
            date(2026, 11, 16): 1500,
        },
        accounts[1].id: {date(2026, 11, 9): 2000, date(2026, 11, 15): 1800},
        accounts[2].id: {date(2026, 11, 9): 500, date(2026, 11, 15): 500},
    }
    by_id = {a.id: a for a in accounts}
    for account_id, days in series.items():
        for day, followers in days.items():
            upsert_snapshot(db, by_id[account_id], day, followers, 0, 0, "manual")
    db.flush()
    email = digest_for(app, db, people["viewer"])
    assert email.sections == ["audience_movers"]
    lines = [line for line in email.text.splitlines() if line.startswith("- ")]
    assert lines == [
        "- Up (YouTube): +500 followers (+50.0%), now 1,500",
        "- Down (YouTube): -200 followers (-10.0%), now 1,800",
    ]


def test_other_domains_can_add_sections(app, db, people):
    def build(session, user, week_start, week_end):
        return {"note": f"{user.role} {week_start.isoformat()} {week_end.isoformat()}"}

    section = DigestSection(
        "test_extra",
        build,
        "email/digest/_test_extra.html",
        "email/digest/_test_extra.txt",
        roles=frozenset({"legal"}),
        order=1,
    )
    from pathlib import Path

    from crm.common.paths import ROOT

    html = Path(ROOT / "templates/email/digest/_test_extra.html")
    txt = Path(ROOT / "templates/email/digest/_test_extra.txt")
    html.write_text("<p>{{ data.note }}</p>")
    txt.write_text("NOTE {{ data.note }}")
    sections = registry(app).digest_sections
    try:
        sections.append(section)
        assert [s.name for s in sections].count("test_extra") == 1
        assert "NOTE legal 2026-11-16 2026-11-22" in digest_for(app, db, people["legal"]).text
        assert digest_for(app, db, people["viewer"]) is None
    finally:
        sections.remove(section)
        html.unlink()
        txt.unlink()


# --- exactly once ---------------------------------------------------------------------------


def deliveries(db) -> int:
    return db.scalar(select(func.count()).select_from(DigestDelivery))


def outbox(db) -> list[OutboxMessage]:
    db.expire_all()
    return list(db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_send_queues_once_per_user_and_week(app, db, people, agreements, session_factory):
    db.commit()
    first = send_weekly(app, session_factory, week=WEEK, now=MONDAY_8AM)
    second = send_weekly(app, session_factory, week=WEEK, now=MONDAY_8AM + timedelta(hours=1))
    assert (first.queued, first.empty) == (5, 0)
    assert (second.queued, second.already) == (0, 5)
    messages = outbox(db)
    assert sorted(m.idempotency_key for m in messages) == sorted(
        f"digest:{u.id}:{WEEK}" for u in people.values()
    )
    # Next week is a new digest (Alpha's NDA has expired by then: the manager gets none).
    following = send_weekly(app, session_factory, week="2026-W48", now=MONDAY_8AM)
    assert (following.queued, following.empty) == (4, 1)


def test_opted_out_and_inactive_users_get_nothing(app, db, people, agreements, session_factory):
    people["viewer"].digest_opt_in = False
    people["legal"].active = False
    db.commit()
    report = send_weekly(app, session_factory, week=WEEK, now=MONDAY_8AM)
    assert report.queued == 3
    assert {m.to for m in outbox(db)} == {
        "admin@digest.test",
        "manager@digest.test",
        "manager2@digest.test",
    }


def test_dry_run_writes_nothing(app, db, people, agreements, runner):
    db.commit()
    result = runner.invoke(args=["crm", "digest", "send", "--week", WEEK, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert (
        "viewer@digest.test (viewer): 'Your Creator CRM week 2026-W47' [expiring_agreements]"
        in result.output
    )
    assert "Would send 5" in result.output
    assert deliveries(db) == 0 and outbox(db) == []


def test_cli_send_and_bad_week(app, db, people, agreements, runner):
    db.commit()
    result = runner.invoke(args=["crm", "digest", "send", "--week", WEEK])
    assert result.exit_code == 0, result.output
    assert "queued 5" in result.output
    bad = runner.invoke(args=["crm", "digest", "send", "--week", "2026-W60"])
    assert bad.exit_code == 2 and "ISO week" in bad.output


@pytest.mark.parametrize("week", ["2026-47", "2026-W00", "2027-W53", "W47", ""])
def test_week_must_be_an_iso_week(week):
    with pytest.raises(Invalid):
        week_bounds(week)


def test_run_killed_after_claiming_is_finished_once_by_the_next_run(
    app, db, people, agreements, session_factory, smtp
):
    handler, port = smtp.start()
    viewer = people["viewer"]
    db.commit()
    # The dead run claimed the viewer and died before composing.
    with session_factory() as session:
        token, _ = claim(session, viewer.id, WEEK, MONDAY_8AM)
    assert token

    soon = send_weekly(app, session_factory, week=WEEK, now=MONDAY_8AM + timedelta(minutes=5))
    assert soon.busy == 1 and soon.queued == 4  # the claim may still be alive: hands off
    later = send_weekly(app, session_factory, week=WEEK, now=MONDAY_8AM + timedelta(minutes=20))
    assert (later.resumed, later.queued, later.already) == (1, 1, 4)
    again = send_weekly(app, session_factory, week=WEEK, now=MONDAY_8AM + timedelta(minutes=40))
    assert again.already == 5

    flush(smtp_settings(port), session_factory, now=MONDAY_8AM + timedelta(hours=1))
    received = sorted(e.rcpt_tos[0] for e in handler.envelopes)
    assert received == sorted(u.email for u in people.values())


def test_run_killed_after_enqueueing_does_not_duplicate(
    app, db, people, agreements, session_factory
):
    viewer = people["viewer"]
    db.commit()
    with session_factory() as session:
        claim(session, viewer.id, WEEK, MONDAY_8AM)
        enqueue(
            session,
            to=viewer.email,
            subject="partial",
            text="x",
            kind="digest",
            idempotency_key=f"digest:{viewer.id}:{WEEK}",
        )
        session.commit()  # died before marking the delivery queued
    send_weekly(app, session_factory, week=WEEK, now=MONDAY_8AM + timedelta(minutes=30))
    mine = [m for m in outbox(db) if m.to == viewer.email]
    assert len(mine) == 1
    db.expire_all()
    row = db.scalar(select(DigestDelivery).where(DigestDelivery.user_id == viewer.id))
    assert row.status == "queued" and row.outbox_id == mine[0].id


# --- the preview page and the jobs ------------------------------------------------------------


def test_preview_page_shows_this_weeks_email(db, client, login, agreements, people):
    import time_machine

    with time_machine.travel(MONDAY_8AM + timedelta(hours=2), tick=False):
        login("viewer")
        page = client.get("/digest/preview")
        raw = client.get("/digest/preview/email")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Week 2026-W47 (" in body and ">16 Nov 2026</time> to " in body
    assert ">22 Nov 2026</time>)" in body
    assert "Plain-text version" in body and "Beta Builds: Nimbus (unlimited)" in body
    assert "200.00" not in body
    assert raw.status_code == 200
    html = raw.get_data(as_text=True)
    assert "Beta Builds" in html and "200.00" not in html
    assert "sandbox" in raw.headers["Content-Security-Policy"]
    # Shown inline on the preview page, the styled original is framed by nobody.
    assert "frame-ancestors 'none'" in raw.headers["Content-Security-Policy"]
    assert raw.headers["X-Frame-Options"] == "DENY"


def test_preview_without_news_says_so(client, login):
    login("legal")
    body = client.get("/digest/preview").get_data(as_text=True)
    assert "no digest would be sent" in body


def test_jobs_are_registered(app):
    from apscheduler.triggers.cron import CronTrigger

    from crm.common.registry import registry

    jobs = {job.id: job for job in registry(app).jobs}
    assert jobs["mail.flush"].trigger == "interval"
    assert jobs["mail.flush"].trigger_args == {"minutes": 1}
    weekly = jobs["digest.weekly"]
    assert weekly.trigger == "cron"
    args = dict(weekly.trigger_args)
    assert args == {"day_of_week": "mon", "hour": 8, "minute": 0, "timezone": TEST_ZONE.key}
    args["timezone"] = "America/New_York"
    trigger = CronTrigger(**args)
    after = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)  # a Wednesday
    fire = trigger.get_next_fire_time(None, after)
    assert fire.isoformat() == "2026-11-23T08:00:00-05:00"
    assert fire.astimezone(UTC).hour == 13


def test_digest_text_speaks_in_words(app, db, people):
    """Platforms, uses and decisions in the email read as on the pages (no raw codes)."""
    from tests.approvals.conftest import World

    world = World(db)
    world.submission(platform="tiktok", title="Dance clip")
    email = digest_for(app, db, people["legal"])
    assert "Dance clip by" in email.text and "(TikTok)" in email.text
    for code in ("tiktok", "in_review"):
        assert code not in email.text.replace("http://crm.test/", "")
    assert "TikTok" in email.html
