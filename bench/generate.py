"""Fill an empty, migrated database with a team's worth of data, fast.

Rows are built in Python with explicit ids and written with SQLAlchemy Core `insert()` and
lists of dicts in chunks (one executemany per chunk), all inside one transaction. The daily
snapshots (365 per account: 11 million rows at L) never travel through Python: one
INSERT ... SELECT per block of accounts crosses the accounts with a generated series of days.
On SQLite the generation runs with synchronous=OFF and no rollback journal.
"""

from __future__ import annotations

import hashlib
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, create_engine, insert, text
from sqlalchemy.engine import make_url

from crm.agreements.models import Deal, Grant, Nda, Payment, Product, nda_products
from crm.approvals.models import Decision, Revision, RevisionCheck, StatusChange, Submission
from crm.auth.models import User
from crm.creators.models import (
    CREATOR_STATUSES,
    PLATFORMS,
    Account,
    Creator,
    CreatorTag,
    Interaction,
    Representative,
)
from crm.feedback.models import CATEGORIES, SEVERITIES, STATUSES, Feedback
from crm.licensing.models import CONSENT_SOURCES, USES, WORK_KINDS, Consent, Work
from crm.migrate import upgrade

CHUNK = 10_000
BENCH_PASSWORD = "bench-password-not-secret-42"  # noqa: S105 (a throwaway benchmark database)
ADMIN_EMAIL = "bench-admin@example.com"
SNAPSHOT_DAYS = 365


@dataclass(frozen=True)
class Scale:
    name: str
    creators: int
    accounts_per_creator: int
    submissions: int
    feedback: int
    ndas: int  # and as many grants
    works: int
    consents: int
    users: int
    interactions_per_creator: int = 5


SCALES = {
    "L": Scale("L", 10_000, 3, 50_000, 20_000, 5_000, 100_000, 200_000, 100),
    "M": Scale("M", 1_000, 3, 5_000, 2_000, 500, 10_000, 20_000, 30),
    "S": Scale("S", 100, 3, 500, 200, 50, 1_000, 2_000, 12),
}


def reset_database(url: str) -> None:
    """A fresh, empty database: delete the SQLite file, or empty PostgreSQL's public schema."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        from pathlib import Path

        if parsed.database and parsed.database != ":memory:":
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(parsed.database + suffix).unlink(missing_ok=True)
        return
    engine = create_engine(_driver_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _driver_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _chunks(rows: list[dict], size: int = CHUNK):
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


class Writer:
    """Inserts lists of dicts in chunks and keeps row counts for the report."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.counts: dict[str, int] = {}

    def put(self, table, rows: list[dict]) -> None:
        table = getattr(table, "__table__", table)
        for chunk in _chunks(rows):
            self.conn.execute(insert(table), chunk)
        self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)


def generate(url: str, scale: Scale, *, seed: int = 42, log=print) -> dict:
    """Reset, migrate and fill the database; returns row counts and the seconds it took."""
    started = time.perf_counter()
    reset_database(url)
    upgrade(url)
    migrated = time.perf_counter()
    engine = create_engine(_driver_url(url))
    sqlite = engine.dialect.name == "sqlite"
    try:
        with engine.connect() as conn:
            if sqlite:
                conn.exec_driver_sql("PRAGMA journal_mode=OFF")
                conn.exec_driver_sql("PRAGMA synchronous=OFF")
                conn.exec_driver_sql("PRAGMA cache_size=-200000")
                conn.exec_driver_sql("PRAGMA temp_store=MEMORY")
            conn.commit()
            writer = Writer(conn)
            with conn.begin():
                _fill(writer, scale, random.Random(seed), sqlite, log)
            if sqlite:
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")
            else:
                _reset_sequences(conn)
            conn.commit()
            _analyze(engine)
    finally:
        engine.dispose()
    nightly_jobs(url)
    engine = create_engine(_driver_url(url))
    try:
        _analyze(engine)
    finally:
        engine.dispose()
    elapsed = time.perf_counter() - started
    return {
        "generate_s": round(elapsed, 1),
        "migrate_s": round(migrated - started, 1),
        "rows": writer.counts,
    }


def nightly_jobs(url: str) -> None:
    """What the scheduler would have done overnight on this data: the day's stored movers
    (the snapshots were written by SQL, not through the snapshot service)."""
    from sqlalchemy.orm import Session

    from crm.common.timeutil import org_today
    from crm.db import make_engine
    from crm.metrics.movers import refresh_movers

    engine = make_engine(url)
    try:
        with Session(engine) as session:
            refresh_movers(session, org_today())
            session.commit()
    finally:
        engine.dispose()


def _analyze(engine: Engine) -> None:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("ANALYZE")
        else:
            # VACUUM as well: a table loaded in one go has no visibility map yet, so PostgreSQL
            # cannot answer counts from an index alone until autovacuum passes, which a
            # database in use has long done (the nav badges' counts: 5 ms → 2 ms at L).
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
        conn.commit()


def _reset_sequences(conn: Connection) -> None:
    """Explicit ids leave PostgreSQL's sequences behind; move each past its table's maximum."""
    rows = conn.execute(
        text(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND column_default LIKE 'nextval(%'"
        )
    ).all()
    for table, column in rows:
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "  # noqa: S608
                f"COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
            )
        )


def _fill(w: Writer, s: Scale, rnd: random.Random, sqlite: bool, log) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    today = now.date()

    def ago(days: float) -> datetime:
        return now - timedelta(days=days)

    def step(name: str, t0: float) -> None:
        log(f"  {name:<28} {time.perf_counter() - t0:6.1f} s")

    t = time.perf_counter()
    from crm.auth.services import hash_password

    pw = hash_password(BENCH_PASSWORD)
    roles = ["admin"] * 3 + ["legal"] * 4 + ["viewer"] * 3
    users = []
    for i in range(1, s.users + 1):
        role = roles[i - 1] if i <= len(roles) else "manager"
        email = ADMIN_EMAIL if i == 1 else f"user{i}@bench.example.com"
        users.append(
            {
                "id": i,
                "email": email,
                "name": f"Bench User {i}",
                "role": role,
                "active": True,
                "digest_opt_in": True,
                "timezone": "UTC",
                "password_hash": pw,
                "created_at": ago(400),
            }
        )
    w.put(User, users)
    managers = [u["id"] for u in users if u["role"] in ("manager", "admin")]
    legal = [u["id"] for u in users if u["role"] == "legal"]

    products = []
    for i in range(1, 21):
        products.append(
            {
                "id": i,
                "name": f"Model {i:02d}",
                "aliases": [f"m{i:02d}"],
                "public_on": None if i % 4 == 0 else today - timedelta(days=30 * i),
                "created_at": ago(500),
            }
        )
    w.put(Product, products)
    step("users, products", t)

    # creators, tags, representatives, accounts, interactions
    t = time.perf_counter()
    creators, tags, reps, accounts, interactions = [], [], [], [], []
    statuses = [st for st in CREATOR_STATUSES]
    countries = ["US", "GB", "DE", "FR", "JP", "BR", "IN", "CA", "ES", "IT"]
    tag_pool = [f"topic{i}" for i in range(40)]
    account_id = 0
    interaction_id = 0
    creator_platforms: dict[int, list[str]] = {}
    for cid in range(1, s.creators + 1):
        name = f"Creator {cid:05d} {rnd.choice(['Studio', 'Labs', 'Media', 'Talks', 'Plays'])}"
        followers_total = 0
        platforms = rnd.sample(PLATFORMS[:6], s.accounts_per_creator)
        creator_platforms[cid] = platforms
        for platform in platforms:
            account_id += 1
            base = (account_id * 7919) % 500_000 + 1_000
            growth = account_id % 50 + 1
            latest = base + growth * (SNAPSHOT_DAYS - 1)
            followers_total += latest
            handle = f"c{cid}{platform[:2]}"
            accounts.append(
                {
                    "id": account_id,
                    "creator_id": cid,
                    "platform": platform,
                    "handle": handle,
                    "handle_key": handle,
                    "external_id": None,
                    "url": f"https://{platform}.example.com/{handle}",
                    "created_at": ago(400),
                    "followers": latest,
                    "followers_on": today,
                    "last_error": None,
                    "last_error_at": None,
                    "fetch_state": None,
                }
            )
        last_at = None
        for _ in range(s.interactions_per_creator):
            interaction_id += 1
            at = ago(rnd.uniform(0, 365))
            last_at = at if last_at is None or at > last_at else last_at
            interactions.append(
                {
                    "id": interaction_id,
                    "creator_id": cid,
                    "kind": rnd.choice(["email", "call", "meeting", "note"]),
                    "occurred_at": at,
                    "summary": f"Talked about the next campaign ({interaction_id})",
                    "user_id": rnd.choice(managers),
                    "created_at": at,
                }
            )
        creators.append(
            {
                "id": cid,
                "display_name": name,
                "search_name": name.lower(),
                "legal_name": None,
                "email": f"creator{cid}@mail.example.com",
                "country": rnd.choice(countries),
                "status": rnd.choice(statuses),
                "owner_id": rnd.choice(managers),
                "notes": "",
                "archived": cid % 20 == 0,
                "archived_at": ago(10) if cid % 20 == 0 else None,
                "created_at": ago(rnd.uniform(30, 700)),
                "updated_at": ago(rnd.uniform(0, 30)),
                "last_interaction_at": last_at,
                "followers_total": followers_total,
            }
        )
        for tag in rnd.sample(tag_pool, 2):
            tags.append({"creator_id": cid, "tag": tag})
        if cid % 2:
            reps.append(
                {
                    "id": len(reps) + 1,
                    "creator_id": cid,
                    "name": f"Agent {cid}",
                    "agency": "Bench Talent",
                    "email": f"agent{cid}@talent.example.com",
                    "phone": None,
                }
            )
    w.put(Creator, creators)
    w.put(CreatorTag, tags)
    w.put(Representative, reps)
    w.put(Account, accounts)
    w.put(Interaction, interactions)
    step(f"creators ({len(creators)})", t)

    # snapshots: INSERT ... SELECT, a block of accounts at a time
    t = time.perf_counter()
    start = today - timedelta(days=SNAPSHOT_DAYS - 1)
    if sqlite:
        sql = text(
            "WITH RECURSIVE days(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM days "
            "WHERE n < :last) "
            "INSERT INTO snapshots (account_id, captured_on, followers, views, posts, source, "
            "fetched_at) "
            "SELECT a.id, date(:start, '+' || d.n || ' days'), "
            "(a.id * 7919) % 500000 + 1000 + (a.id % 50 + 1) * d.n, "
            "(a.id * 104729) % 9000000 + 5000 * d.n, a.id % 300 + d.n / 3, 'api', "
            "datetime(:start, '+' || d.n || ' days', '+6 hours') "
            "FROM accounts AS a CROSS JOIN days AS d WHERE a.id BETWEEN :lo AND :hi "
            "ORDER BY a.id, d.n"
        )
    else:
        sql = text(
            "INSERT INTO snapshots (account_id, captured_on, followers, views, posts, source, "
            "fetched_at) "
            "SELECT a.id, CAST(:start AS date) + d.n, "
            "(a.id * 7919) % 500000 + 1000 + (a.id % 50 + 1) * d.n, "
            # The product passes 2**31 from account 20,506 on: PostgreSQL's integer overflows.
            "(CAST(a.id AS BIGINT) * 104729) % 9000000 + 5000 * d.n, a.id % 300 + d.n / 3, "
            "'api', CAST(:start AS timestamp) AT TIME ZONE 'UTC' + d.n * INTERVAL '1 day' "
            "+ INTERVAL '6 hours' "
            "FROM accounts AS a CROSS JOIN generate_series(0, :last) AS d(n) "
            "WHERE a.id BETWEEN :lo AND :hi ORDER BY a.id, d.n"
        )
    block = 2_000
    for lo in range(1, account_id + 1, block):
        w.conn.execute(
            sql,
            {"start": start.isoformat(), "last": SNAPSHOT_DAYS - 1, "lo": lo, "hi": lo + block - 1},
        )
    w.counts["snapshots"] = account_id * SNAPSHOT_DAYS
    step(f"snapshots ({account_id * SNAPSHOT_DAYS})", t)

    # NDAs, grants, deals, payments
    t = time.perf_counter()
    ndas, nda_links, grants, deals, payments = [], [], [], [], []
    for i in range(1, s.ndas + 1):
        cid = (i * 7) % s.creators + 1
        product_id = rnd.randint(1, 20)
        effective = today - timedelta(days=rnd.randint(30, 700))
        ndas.append(
            {
                "id": i,
                "creator_id": cid,
                "status": "signed",
                "effective_on": effective,
                "expires_on": today + timedelta(days=rnd.randint(-60, 400)),
                "terms": "Mutual NDA",
                "document_name": None,
                "document_path": None,
                "document_sha256": None,
                "document_size": None,
                "ended_on": None,
                "created_at": ago(800),
                "updated_at": ago(30),
            }
        )
        nda_links.append({"nda_id": i, "product_id": product_id})
        grants.append(
            {
                "id": i,
                "creator_id": cid,
                "product_id": product_id,
                "nda_id": i,
                "starts_on": effective,
                "ends_on": today + timedelta(days=rnd.randint(-30, 300)),
                "tier": "pro",
                "status": "active",
                "monthly_value_minor": rnd.randint(1, 50) * 1000,
                "currency": "USD",
                "revoked_reason": None,
                "ended_on": None,
                "created_at": ago(700),
                "updated_at": ago(20),
            }
        )
        if i % 2 == 0:
            deal_id = len(deals) + 1
            deals.append(
                {
                    "id": deal_id,
                    "creator_id": cid,
                    "title": f"Campaign {deal_id}",
                    "kind": "paid",
                    "fee_minor": rnd.randint(5, 200) * 10_000,
                    "currency": "USD",
                    "in_kind_value_minor": None,
                    "status": "active",
                    "starts_on": today - timedelta(days=rnd.randint(10, 300)),
                    "ends_on": today + timedelta(days=rnd.randint(-10, 200)),
                    "deliverables": "Two videos",
                    "usage_rights": "",
                    "usage_rights_until": None,
                    "created_at": ago(300),
                    "updated_at": ago(5),
                }
            )
            for k in range(2):
                due = today + timedelta(days=rnd.randint(-60, 90))
                payments.append(
                    {
                        "id": len(payments) + 1,
                        "deal_id": deal_id,
                        "due_on": due,
                        "amount_minor": 50_000 * (k + 1),
                        "currency": "USD",
                        "paid_on": due if due < today and k == 0 else None,
                        "note": "",
                        "created_at": ago(300),
                    }
                )
    w.put(Nda, ndas)
    w.put(nda_products, nda_links)
    w.put(Grant, grants)
    w.put(Deal, deals)
    w.put(Payment, payments)
    step(f"agreements ({len(ndas)} NDAs)", t)

    # submissions with revisions, checks, decisions and status history
    t = time.perf_counter()
    weights = {
        "draft": 5,
        "in_review": 10,
        "changes_requested": 10,
        "approved": 30,
        "published": 35,
        "rejected": 5,
        "withdrawn": 5,
    }
    status_pool = [k for k, n in weights.items() for _ in range(n)]
    subs, revisions, checks, decisions, changes = [], [], [], [], []
    revision_id = check_id = decision_id = change_id = 0
    for sid in range(1, s.submissions + 1):
        cid = rnd.randint(1, s.creators)
        status = rnd.choice(status_pool)
        created = ago(rnd.uniform(1, 365))
        n_rev = 1 if status == "draft" else rnd.randint(1, 3)
        failed_latest = 0
        for number in range(1, n_rev + 1):
            revision_id += 1
            body = f"Sponsored look at Model {sid % 20 + 1:02d} #ad (revision {number})"
            submitted = created + timedelta(hours=number * 20)
            revisions.append(
                {
                    "id": revision_id,
                    "submission_id": sid,
                    "number": number,
                    "body": body,
                    "media_url": None,
                    "media_name": None,
                    "media_path": None,
                    "media_type": None,
                    "media_size": None,
                    "media_sha256": None,
                    "content_hash": hashlib.sha256(body.encode()).hexdigest(),
                    "disclosure_in_video": None,
                    "submitted_by": rnd.choice(managers),
                    "submitted_at": submitted,
                }
            )
            flagged = rnd.random() < 0.3
            if flagged:
                check_id += 1
                checks.append(
                    {
                        "id": check_id,
                        "revision_id": revision_id,
                        "code": "vague_disclosure",
                        "message": "The disclosure is vague.",
                        "spans": [[0, 9]],
                        "product_id": None,
                    }
                )
            if number == n_rev:
                failed_latest = int(flagged)
            if status != "draft":
                change_id += 1
                changes.append(
                    {
                        "id": change_id,
                        "submission_id": sid,
                        "action": "submit",
                        "from_status": "draft",
                        "to_status": "in_review",
                        "revision_number": number,
                        "actor_id": None,
                        "actor_label": "Bench",
                        "note": "",
                        "at": submitted,
                    }
                )
            decided = status not in ("draft", "in_review", "withdrawn") or number < n_rev
            if status != "draft" and decided:
                decision_id += 1
                final = number == n_rev
                kind = {
                    "approved": "approve",
                    "published": "approve",
                    "rejected": "reject",
                }.get(status, "request_changes")
                decisions.append(
                    {
                        "id": decision_id,
                        "submission_id": sid,
                        "review_round": number,
                        "revision_number": number,
                        "content_hash": revisions[-1]["content_hash"],
                        "decision": kind if final else "request_changes",
                        "comment": "",
                        "reviewer_id": rnd.choice(legal),
                        "decided_at": submitted + timedelta(hours=5),
                    }
                )
        last_submitted = created + timedelta(hours=n_rev * 20)
        subs.append(
            {
                "id": sid,
                "creator_id": cid,
                "deal_id": None,
                "platform": rnd.choice(creator_platforms[cid]),
                "title": f"Post {sid} for creator {cid}",
                "planned_for": now + timedelta(days=rnd.randint(-100, 60)),
                "is_video": sid % 3 == 0,
                "status": status,
                "published_url": f"https://youtube.example.com/v/{sid}"
                if status == "published"
                else None,
                "published_at": last_submitted + timedelta(days=2)
                if status == "published"
                else None,
                "submitted_by": rnd.choice(managers),
                "latest_revision": n_rev,
                "decided_revision": n_rev
                if status in ("approved", "published", "rejected")
                else None,
                "review_round": 0 if status == "draft" else n_rev,
                "in_review_since": last_submitted if status == "in_review" else None,
                "failed_checks": failed_latest,
                "created_at": created,
                "updated_at": last_submitted,
            }
        )
    w.put(Submission, subs)
    w.put(Revision, revisions)
    w.put(RevisionCheck, checks)
    w.put(Decision, decisions)
    w.put(StatusChange, changes)
    step(f"submissions ({len(subs)})", t)

    # feedback
    t = time.perf_counter()
    notes = []
    for fid in range(1, s.feedback + 1):
        at = ago(rnd.uniform(0, 365))
        notes.append(
            {
                "id": fid,
                "creator_id": rnd.randint(1, s.creators),
                "product_id": rnd.randint(1, 20),
                "grant_id": None,
                "category": rnd.choice(CATEGORIES),
                "severity": rnd.choice(SEVERITIES),
                "title": f"Feedback note {fid}",
                "body": "The model refuses a harmless request about *cooking*.",
                "reproduction": "Prompt: how long to boil an egg?",
                "status": rnd.choice(STATUSES),
                "forwarded_to": None,
                "duplicate_of_id": None,
                "created_by_id": rnd.choice(managers),
                "created_at": at,
                "updated_at": at,
            }
        )
    w.put(Feedback, notes)
    step(f"feedback ({len(notes)})", t)

    # works and consents
    t = time.perf_counter()
    works, consents = [], []
    per_creator = max(1, s.works // s.creators)
    for wid in range(1, s.works + 1):
        cid = (wid - 1) // per_creator % s.creators + 1
        url = f"https://media.example.com/c{cid}/w{wid}"
        works.append(
            {
                "id": wid,
                "creator_id": cid,
                "kind": WORK_KINDS[wid % len(WORK_KINDS)],
                "title": f"Work {wid}",
                "url": url,
                "sha256": hashlib.sha256(url.encode()).hexdigest(),
                "created_on": today - timedelta(days=wid % 900),
                "created_at": ago(100),
            }
        )
    consent_id = 0

    def consent(cid, work_id, kind, use, decision):
        nonlocal consent_id
        consent_id += 1
        consents.append(
            {
                "id": consent_id,
                "creator_id": cid,
                "work_id": work_id,
                "kind": kind,
                "use": use,
                "decision": decision,
                "constraint": "credit required" if decision == "constrained" else "",
                "source": rnd.choice(CONSENT_SOURCES),
                "evidence": "",
                "effective_on": today - timedelta(days=rnd.randint(1, 600)),
                "revoked_on": None,
                "created_by_id": rnd.choice(managers),
                "created_at": ago(50),
            }
        )

    for cid in range(1, s.creators + 1):
        for use in USES:
            consent(cid, None, None, use, rnd.choice(["allowed", "not_allowed"]))
    remaining = s.consents - consent_id
    for n in range(remaining):
        work = works[(n * 5) % len(works)]
        use = USES[(n // len(works)) % len(USES)]
        consent(
            work["creator_id"],
            work["id"],
            None,
            use,
            rnd.choice(["allowed", "not_allowed", "constrained"]),
        )
    w.put(Work, works)
    w.put(Consent.__table__, _consent_rows(consents))
    step(f"works, consents ({len(works)}, {len(consents)})", t)


def _consent_rows(rows: list[dict]) -> list[dict]:
    """`constraint` is the mapped attribute; the column is `constraint_text`."""
    for row in rows:
        row["constraint_text"] = row.pop("constraint")
    return rows
