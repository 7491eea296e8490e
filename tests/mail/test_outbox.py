"""The outbox against a real SMTP server on loopback: claim, send, retry, back off, give up."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from crm.common.errors import Invalid
from crm.mail.models import OutboxMessage
from crm.mail.services import enqueue, flush, retry_failed
from tests.mail.conftest import Recorder, free_port, smtp_settings

T0 = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def add(db, n: int = 1, **kwargs) -> list[OutboxMessage]:
    rows = [
        enqueue(
            db,
            to=kwargs.get("to", f"person{i}@example.com"),
            subject=kwargs.get("subject", f"Hello {i}"),
            text="plain body",
            html="<p>html body</p>",
            kind="test",
            idempotency_key=f"{kwargs.get('key', 'k')}:{i}",
            now=kwargs.get("now", T0),
        )
        for i in range(n)
    ]
    db.commit()
    return rows


def fresh(db, row: OutboxMessage) -> OutboxMessage:
    db.expire_all()
    return db.get(OutboxMessage, row.id)


def test_enqueue_is_idempotent(db):
    first = enqueue(
        db, to="a@example.com", subject="Hi", text="x", kind="t", idempotency_key="same"
    )
    second = enqueue(
        db, to="b@example.com", subject="Other", text="y", kind="t", idempotency_key="same"
    )
    db.flush()
    assert first.id == second.id
    assert second.to == "a@example.com"
    count = db.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.idempotency_key == "same")
    )
    assert count == 1


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("to", {"to": "a@example.com, b@example.com"}),
        ("to", {"to": "nobody"}),
        ("subject", {"subject": "Hi\r\nBcc: victim@example.net"}),
        ("text", {"text": "   "}),
    ],
)
def test_enqueue_refuses_bad_input(db, field, kwargs):
    values = {"to": "a@example.com", "subject": "Hi", "text": "body", "kind": "t"}
    values.update(kwargs)
    with pytest.raises(Invalid) as caught:
        enqueue(db, idempotency_key="bad", **values)
    assert field in caught.value.errors
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_flush_sends_one_message_per_recipient(db, smtp, session_factory):
    handler, port = smtp.start()
    rows = add(db, 3)

    report = flush(smtp_settings(port), session_factory, now=T0)

    assert (report.sent, report.retry, report.failed) == (3, 0, 0)
    assert sorted(e.rcpt_tos[0] for e in handler.envelopes) == [
        "person0@example.com",
        "person1@example.com",
        "person2@example.com",
    ]
    assert all(len(e.rcpt_tos) == 1 for e in handler.envelopes)
    received = {
        email.message_from_bytes(e.original_content, policy=email.policy.default)["Message-ID"]
        for e in handler.envelopes
    }
    for row in rows:
        row = fresh(db, row)
        assert row.status == "sent" and row.sent_at == T0 and row.attempts == 1
        assert row.message_id in received and row.claim_token is None
    # Nothing left to send: a second flush sends nothing again.
    assert flush(smtp_settings(port), session_factory, now=T0).sent == 0
    assert len(handler.envelopes) == 3


def test_smtp_down_keeps_messages_pending_then_delivers_once(db, smtp, session_factory):
    port = free_port()  # nothing listens here yet
    [row] = add(db)

    down = flush(smtp_settings(port), session_factory, now=T0)

    row = fresh(db, row)
    assert (down.sent, down.retry) == (0, 1)
    assert row.status == "pending" and row.attempts == 1
    assert "refused" in row.last_error.lower() or "errno" in row.last_error.lower()
    assert row.next_attempt_at == T0 + timedelta(seconds=60)

    handler, _ = smtp.start(port=port)  # the relay comes back on the same port
    assert flush(smtp_settings(port), session_factory, now=T0 + timedelta(seconds=30)).sent == 0
    assert flush(smtp_settings(port), session_factory, now=T0 + timedelta(seconds=61)).sent == 1
    assert flush(smtp_settings(port), session_factory, now=T0 + timedelta(hours=1)).sent == 0

    assert [e.rcpt_tos for e in handler.envelopes] == [["person0@example.com"]]
    assert fresh(db, row).status == "sent"


def test_451_is_retried_and_550_is_not(db, smtp, session_factory):
    _, busy_port = smtp.start(Recorder(rcpt_reply="451 4.3.0 try later"))
    _, gone_port = smtp.start(Recorder(rcpt_reply="550 5.1.1 no such user"))
    [retried] = add(db, key="busy")
    flush(smtp_settings(busy_port), session_factory, now=T0)
    retried = fresh(db, retried)
    assert retried.status == "pending" and "451" in retried.last_error

    [gone] = add(db, key="gone", to="gone@example.com")
    db.delete(db.get(OutboxMessage, retried.id))
    db.commit()
    report = flush(smtp_settings(gone_port), session_factory, now=T0)
    gone = fresh(db, gone)
    assert report.failed == 1
    assert gone.status == "failed" and "550" in gone.last_error and gone.attempts == 1
    # A failed message is never picked up again, not even ignoring backoff.
    again = flush(smtp_settings(gone_port), session_factory, now=T0, ignore_backoff=True)
    assert again.sent + again.retry + again.failed == 0
    assert fresh(db, gone).attempts == 1


def test_backoff_doubles_then_gives_up(db, session_factory):
    port = free_port()
    [row] = add(db, now=T0)
    settings = smtp_settings(port, max_attempts=3)
    with time_machine.travel(T0, tick=False) as clock:
        flush(settings, session_factory)
        row = fresh(db, row)
        assert row.next_attempt_at == T0 + timedelta(seconds=60)

        clock.shift(59)
        assert flush(settings, session_factory).retry == 0  # not due yet
        clock.shift(1)
        assert flush(settings, session_factory).retry == 1
        row = fresh(db, row)
        assert row.attempts == 2
        assert row.next_attempt_at == T0 + timedelta(seconds=60 + 120)

        clock.shift(119)
        assert flush(settings, session_factory).retry == 0
        clock.shift(1)
        assert flush(settings, session_factory).failed == 1
    row = fresh(db, row)
    assert row.status == "failed" and row.attempts == 3
    assert row.last_error.startswith("gave up after 3 attempts")


def test_stale_sending_claim_is_reclaimed_and_a_fresh_one_is_not(db, smtp, session_factory):
    handler, port = smtp.start()
    stale, busy = add(db, 2)
    for row, age in ((stale, 20), (busy, 1)):
        row.status = "sending"
        row.claimed_at = T0 - timedelta(minutes=age)
        row.claim_token = "dead" + str(age)
        row.attempts = 1
    db.commit()

    report = flush(smtp_settings(port), session_factory, now=T0)

    assert report.reclaimed == 1 and report.sent == 1
    assert fresh(db, stale).status == "sent" and fresh(db, stale).attempts == 2
    assert fresh(db, busy).status == "sending"
    assert [e.rcpt_tos for e in handler.envelopes] == [["person0@example.com"]]


def test_resend_after_a_crash_keeps_the_message_id(db, smtp, session_factory):
    """A crash after the relay accepted but before "sent" committed resends the message
    (at-least-once); the copy has the same Message-ID so mail clients merge them."""
    handler, port = smtp.start()
    [row] = add(db)
    row.status = "sending"
    row.claimed_at = T0 - timedelta(minutes=30)
    row.claim_token = "crashed"
    row.message_id = "<fixed-at-first-claim@example.org>"
    db.commit()

    flush(smtp_settings(port), session_factory, now=T0)

    [envelope] = handler.envelopes
    received = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert received["Message-ID"] == "<fixed-at-first-claim@example.org>"


def test_cli_flush_ignores_backoff(app, db, runner, tmp_path):
    [row] = add(db)
    row.attempts = 3
    row.next_attempt_at = datetime.now(UTC) + timedelta(hours=2)
    db.commit()
    mail_dir = tmp_path / "spool"
    original = app.config["CRM_MAIL_DIR"]
    app.config["CRM_MAIL_DIR"] = str(mail_dir)
    try:
        result = runner.invoke(args=["crm", "mail", "flush"])
    finally:
        app.config["CRM_MAIL_DIR"] = original
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output
    assert fresh(db, row).status == "sent"
    [eml] = list(mail_dir.glob("*.eml"))
    parsed = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert parsed["To"] == "person0@example.com"


def test_admin_sees_failed_mail_and_retries_it(db, client, login):
    from tests.conftest import post_form

    [row] = add(db, to="bounce@example.com")
    row.status = "failed"
    row.attempts = 1
    row.last_error = "recipient bounce@example.com refused: 550 no such user"
    db.commit()
    login("admin")

    page = client.get("/admin/outbox/").get_data(as_text=True)
    assert "bounce@example.com" in page and "550 no such user" in page
    assert "badge rounded-pill" in page  # the nav shows the failed count

    response = post_form(client, f"/admin/outbox/{row.id}/retry")
    assert response.status_code == 302
    row = fresh(db, row)
    assert row.status == "pending" and row.attempts == 0

    again = post_form(client, f"/admin/outbox/{row.id}/retry", follow_redirects=True)
    assert "Only a failed message can be retried." in again.get_data(as_text=True)


def test_outbox_page_is_for_admins_only(client, login):
    login("manager")
    assert client.get("/admin/outbox/").status_code == 403


def test_retry_failed_refuses_unknown(db):
    from crm.audit.services import system_actor
    from crm.common.errors import NotFound

    with pytest.raises(NotFound):
        retry_failed(db, system_actor("t"), 999999)
