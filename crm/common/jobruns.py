"""The ledger of scheduled runs: one row per (job, fire time), claimed before the job runs
and marked when it ends.

It is what makes a scheduled run happen once across processes and restarts: a run already
finished is skipped, a run left unfinished by a process that died is run again by the next
leader, and a slot missed while no scheduler ran is caught up once (crm/scheduler.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Index, String, UniqueConstraint, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from crm.db import Base, UTCDateTime, utcnow

KEEP_DAYS = 14


class JobRun(Base):
    __tablename__ = "job_runs"
    __table_args__ = (
        UniqueConstraint("job_id", "fire_time"),
        Index("ix_job_runs_fire_time", "fire_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(100))
    fire_time: Mapped[datetime] = mapped_column(UTCDateTime)
    owner: Mapped[str] = mapped_column(String(200))  # host:pid of the process that ran it
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(10))  # "ok" or "failed"


def claim(session: Session, job_id: str, fire_time: datetime, owner: str) -> bool:
    """True when this process should run `job_id` for `fire_time`: no row yet (this claim
    inserted it), or a row left unfinished by a process that died (taken over). False when
    the run already finished or another process claimed it a moment ago."""
    row = session.scalar(
        select(JobRun)
        .where(JobRun.job_id == job_id, JobRun.fire_time == fire_time)
        .with_for_update()
    )
    if row is None:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        result = session.execute(
            insert(JobRun)
            .values(job_id=job_id, fire_time=fire_time, owner=owner, started_at=utcnow())
            .on_conflict_do_nothing(index_elements=["job_id", "fire_time"])
        )
        return bool(getattr(result, "rowcount", 0))
    if row.finished_at is not None:
        return False
    # Unfinished: only the leader runs jobs, so the process that started it is gone.
    row.owner = owner
    row.started_at = utcnow()
    session.flush()
    return True


def finish(session: Session, job_id: str, fire_time: datetime, outcome: str) -> None:
    row = session.scalar(
        select(JobRun).where(JobRun.job_id == job_id, JobRun.fire_time == fire_time)
    )
    if row is not None:
        row.finished_at = utcnow()
        row.outcome = outcome
        session.flush()


def finished(session: Session, job_id: str, fire_time: datetime) -> bool:
    return (
        session.scalar(
            select(JobRun.id).where(
                JobRun.job_id == job_id,
                JobRun.fire_time == fire_time,
                JobRun.finished_at.is_not(None),
            )
        )
        is not None
    )


def has_history(session: Session, job_id: str) -> bool:
    return session.scalar(select(JobRun.id).where(JobRun.job_id == job_id).limit(1)) is not None


def purge(session: Session, now: datetime | None = None) -> int:
    """Forget runs older than KEEP_DAYS."""
    cutoff = (now or utcnow()) - timedelta(days=KEEP_DAYS)
    result = session.execute(delete(JobRun).where(JobRun.fire_time < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
