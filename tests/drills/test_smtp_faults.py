"""Drill: the mail relay refuses, times out, then drops the connection mid-message; through
the outbox flush each time the message stays pending (with its backoff), and once a
working relay answers it is delivered exactly once.

Each fault is also tested on its own at the transport level in tests/mail/test_smtp.py
(test_connection_refused_is_retry, test_silent_server_times_out_quickly,
test_connection_dropped_mid_message_is_retry) and the refused case through the outbox in
tests/mail/test_outbox.py (test_smtp_down_keeps_messages_pending_then_delivers_once).
"""

from __future__ import annotations

import socket
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from crm.mail.models import OutboxMessage
from crm.mail.services import enqueue, flush
from tests.mail.conftest import smtp_settings
from tests.mail.test_smtp import RawServer, free_port

T0 = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def _silent(conn: socket.socket, stop: threading.Event) -> None:
    stop.wait(10)


def _drop_during_data(conn: socket.socket, stop: threading.Event) -> None:
    conn.settimeout(5)
    reader = conn.makefile("rb")
    conn.sendall(b"220 fake ESMTP\r\n")
    for line in reader:
        verb = line[:4].upper()
        if verb == b"DATA":
            conn.sendall(b"354 go ahead\r\n")
            reader.readline()  # the first header line, then the relay hangs up
            reader.close()
            return
        if verb == b"QUIT":
            return
        conn.sendall(b"250 fake\r\n")


def test_refused_timeout_and_dropped_then_sent_once(db, smtp, session_factory):
    row = enqueue(
        db,
        to="creator@example.com",
        subject="Your submission was approved",
        text="Plain body",
        kind="drill",
        idempotency_key="drill:smtp",
        now=T0,
    )
    db.commit()
    silent, dropping = RawServer(_silent), RawServer(_drop_during_data)
    try:
        moment = T0
        faults = [
            ("refused", smtp_settings(free_port())),
            ("timeout", smtp_settings(silent.port)),
            ("dropped", smtp_settings(dropping.port)),
        ]
        for attempt, (name, settings) in enumerate(faults, start=1):
            if name == "timeout":
                settings.sender.settings = replace(settings.sender.settings, timeout=0.5)
            report = flush(settings, session_factory, now=moment)
            assert (report.sent, report.retry, report.failed) == (0, 1, 0), name
            db.expire_all()
            current = db.get(OutboxMessage, row.id)
            assert current.status == "pending", name
            assert current.attempts == attempt, name
            assert current.last_error, name
            assert current.next_attempt_at > moment, name
            moment = current.next_attempt_at
    finally:
        silent.close()
        dropping.close()

    handler, port = smtp.start()
    assert flush(smtp_settings(port), session_factory, now=moment).sent == 1
    assert flush(smtp_settings(port), session_factory, now=moment + timedelta(hours=2)).sent == 0
    assert [e.rcpt_tos for e in handler.envelopes] == [["creator@example.com"]]
    db.expire_all()
    sent = db.get(OutboxMessage, row.id)
    assert sent.status == "sent" and sent.attempts == 4 and sent.last_error is None
