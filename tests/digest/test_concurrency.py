"""Two senders at the same moment, on committed data and separate sessions (not the
rolled-back `db` fixture): each user still gets exactly one digest. Runs on whichever
database the suite uses (SQLite file or PostgreSQL). Also measures a 100-user run."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import sessionmaker

from crm.agreements.models import Grant, Nda, Product, nda_products
from crm.auth.models import User
from crm.creators.models import Creator
from crm.db import make_engine
from crm.digest.models import DigestDelivery
from crm.digest.services import send_weekly
from crm.mail.models import OutboxMessage
from crm.mail.services import MailSettings, flush
from crm.mail.smtp import FileSender
from tests.factories import CreatorFactory, GrantFactory, NdaFactory, ProductFactory, UserFactory
from tests.mail.conftest import smtp_settings

WEEK = "2026-W47"
NOW = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)
ROLES = ("admin", "manager", "legal", "viewer")


@pytest.fixture
def committed(database_url):
    """A real engine and committed rows, removed again afterwards."""
    engine = make_engine(database_url)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    tag = uuid.uuid4().hex[:8]
    made: dict = {"users": [], "creators": [], "products": []}

    def populate(n_users: int, n_creators: int = 3) -> list[int]:
        with factory() as session:
            users = [
                UserFactory.build(role=ROLES[i % len(ROLES)], email=f"u{i}-{tag}@load.test")
                for i in range(n_users)
            ]
            session.add_all(users)
            product = ProductFactory.build(name=f"Model {tag}")
            session.add(product)
            session.flush()
            managers = [u.id for u in users if u.role == "manager"]
            creators = [
                CreatorFactory.build(
                    display_name=f"Creator {i} {tag}", owner_id=managers[i % len(managers)]
                )
                for i in range(n_creators)
            ]
            session.add_all(creators)
            session.flush()
            for i, creator in enumerate(creators):
                session.add(
                    NdaFactory.build(creator_id=creator.id, expires_on=date(2026, 11, 18 + i % 10))
                )
                session.add(
                    GrantFactory.build(
                        creator_id=creator.id,
                        product_id=product.id,
                        ends_on=date(2026, 11, 20 + i % 9),
                    )
                )
            session.commit()
            made["users"] += [u.id for u in users]
            made["creators"] += [c.id for c in creators]
            made["products"].append(product.id)
            return [u.id for u in users]

    yield factory, populate
    with factory() as session:
        ids = made["users"]
        outbox_ids = list(
            session.scalars(select(DigestDelivery.outbox_id).where(DigestDelivery.user_id.in_(ids)))
        )
        session.execute(delete(DigestDelivery).where(DigestDelivery.user_id.in_(ids)))
        keys = [f"digest:{i}:{WEEK}" for i in ids]
        session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.idempotency_key.in_(keys) | OutboxMessage.id.in_(outbox_ids)
            )
        )
        creators = made["creators"]
        nda_ids = list(session.scalars(select(Nda.id).where(Nda.creator_id.in_(creators))))
        session.execute(delete(Grant).where(Grant.creator_id.in_(creators)))
        session.execute(delete(nda_products).where(nda_products.c.nda_id.in_(nda_ids)))
        session.execute(delete(Nda).where(Nda.creator_id.in_(creators)))
        session.execute(delete(Creator).where(Creator.id.in_(creators)))
        session.execute(delete(Product).where(Product.id.in_(made["products"])))
        session.execute(delete(User).where(User.id.in_(ids)))
        session.commit()
    engine.dispose()


def test_two_senders_at_once_deliver_one_digest_per_user(app, committed, smtp):
    factory, populate = committed
    user_ids = populate(8)
    handler, port = smtp.start()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    reports = []

    def sender():
        try:
            barrier.wait(timeout=10)
            reports.append(send_weekly(app, factory, week=WEEK, now=NOW, user_ids=user_ids))
            barrier.wait(timeout=30)
            flush(smtp_settings(port), factory, now=NOW)
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sum(r.queued for r in reports) == 8
    assert sum(r.queued + r.busy + r.already for r in reports) == 16
    with factory() as session:
        emails = dict(
            session.execute(select(User.id, User.email).where(User.id.in_(user_ids))).all()
        )
    received = Counter(e.rcpt_tos[0] for e in handler.envelopes)
    assert received == Counter({addr: 1 for addr in emails.values()})


def test_a_digest_run_for_100_users_is_quick(app, committed, tmp_path):
    """The figure in the note: composing and queueing 100 digests, then writing them."""
    factory, populate = committed
    user_ids = populate(100, n_creators=30)
    started = time.perf_counter()
    report = send_weekly(app, factory, week=WEEK, now=NOW, user_ids=user_ids)
    queued_in = time.perf_counter() - started
    started = time.perf_counter()
    settings = MailSettings(sender=FileSender(tmp_path / "mail"), mail_from="crm@example.org")
    sent = flush(settings, factory, now=NOW)
    flushed_in = time.perf_counter() - started
    print(
        f"\ndigest for 100 users: queued in {queued_in:.2f}s, "
        f"delivered to files in {flushed_in:.2f}s"
    )
    assert report.queued == 100
    assert sent.sent >= 100
    assert queued_in < 30
