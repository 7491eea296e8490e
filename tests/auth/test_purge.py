"""The daily purge keeps live sessions and recent failed logins, and drops the rest."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from crm.auth.models import LoginAttempt, UserSession
from crm.auth.services import purge_login_attempts
from crm.auth.tasks import purge_sessions
from crm.common.timeutil import utcnow


def test_purge_drops_old_sessions_and_attempts_only(db, make_user):
    user = make_user("manager")
    now = utcnow()
    old = now - timedelta(days=40)
    rows = {
        "live": UserSession(
            key_hash="a" * 64,
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            authenticated_at=now,
        ),
        "ended_long_ago": UserSession(
            key_hash="b" * 64,
            user_id=user.id,
            created_at=old,
            last_seen_at=old,
            authenticated_at=old,
            ended_at=old,
        ),
        "abandoned": UserSession(
            key_hash="c" * 64,
            user_id=user.id,
            created_at=old,
            last_seen_at=old,
            authenticated_at=old,
        ),
        "ended_yesterday": UserSession(
            key_hash="d" * 64,
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            authenticated_at=now,
            ended_at=now - timedelta(days=1),
        ),
    }
    db.add_all(rows.values())
    db.add_all(
        [
            LoginAttempt(email="x@example.test", ip="1.2.3.4", at=old),
            LoginAttempt(email="x@example.test", ip="1.2.3.4", at=now),
        ]
    )
    db.flush()
    assert purge_sessions(db) == 2
    assert purge_login_attempts(db, 30) == 1
    left = set(db.scalars(select(UserSession.key_hash).where(UserSession.user_id == user.id)))
    assert left == {"a" * 64, "d" * 64}
    assert len(db.scalars(select(LoginAttempt)).all()) == 1


def test_purge_is_a_scheduled_job(app):
    from crm.common.registry import registry

    job = next(j for j in registry(app).jobs if j.id == "auth.purge")
    assert job.trigger == "cron" and job.trigger_args["hour"] == 2
