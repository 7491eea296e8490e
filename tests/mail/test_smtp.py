"""The SMTP layer against a real SMTP server on loopback (aiosmtpd), no Flask or database.

Real servers catch what mocks hide: reply parsing, EHLO/AUTH negotiation and how smtplib
surfaces timeouts and dropped connections.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from crm.mail.smtp import (
    FileSender,
    HeaderInjection,
    SmtpSender,
    SmtpSettings,
    backoff_seconds,
    build_message,
)

HOST = "127.0.0.1"
PASSWORD = "s3cret-hunter2"


def free_port() -> int:
    """Ask the kernel for an unused port (the Controller cannot report port 0 back)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Recorder:
    """aiosmtpd handler: collects accepted envelopes, or answers RCPT/DATA with a fixed reply."""

    def __init__(
        self,
        rcpt_reply: str | None = None,
        data_reply: str | None = None,
        refuse: str | None = None,
    ) -> None:
        self.rcpt_reply = rcpt_reply
        self.data_reply = data_reply
        self.refuse = refuse
        self.envelopes: list[Any] = []
        self.authenticated: list[bool] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        if address == self.refuse:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply:
            return self.data_reply
        self.envelopes.append(envelope)
        self.authenticated.append(bool(session.authenticated))
        return "250 Message accepted for delivery"


def authenticator(echo_password: bool = False) -> Callable[..., AuthResult]:
    """Accept only user/PASSWORD; optionally echo the attempt back like a careless server."""

    def check(server, session, envelope, mechanism, auth_data) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        if auth_data.login == b"user" and auth_data.password == PASSWORD.encode():
            return AuthResult(success=True)
        if echo_password:
            tried = auth_data.password.decode()
            return AuthResult(success=False, handled=False, message=f"535 5.7.8 bad {tried}")
        return AuthResult(success=False, handled=False)

    return check


@pytest.fixture
def smtp_server() -> Iterator[Callable[..., tuple[Recorder, int]]]:
    """Factory starting aiosmtpd controllers; every one is stopped at teardown."""
    controllers: list[Controller] = []

    def start(handler: Recorder | None = None, **smtp_kwargs: Any) -> tuple[Recorder, int]:
        handler = handler or Recorder()
        port = free_port()
        controller = Controller(handler, hostname=HOST, port=port, **smtp_kwargs)
        controller.start()
        controllers.append(controller)
        return handler, port

    yield start
    for controller in controllers:
        controller.stop()


class RawServer:
    """A bare TCP server running `behaviour(conn, stop)` per connection, for broken peers."""

    def __init__(self, behaviour: Callable[[socket.socket, threading.Event], None]) -> None:
        self.behaviour = behaviour
        self.stop = threading.Event()
        self.sock = socket.socket()
        self.sock.bind((HOST, 0))
        self.sock.listen()
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                self.behaviour(conn, self.stop)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def raw_server() -> Iterator[Callable[..., RawServer]]:
    servers: list[RawServer] = []

    def start(behaviour: Callable[[socket.socket, threading.Event], None]) -> RawServer:
        server = RawServer(behaviour)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def settings(port: int, **overrides: Any) -> SmtpSettings:
    values: dict[str, Any] = {
        "host": HOST,
        "port": port,
        "timeout": 5.0,
        "mail_from": "Creator Relations <crm@example.org>",
    }
    values.update(overrides)
    return SmtpSettings(**values)


def message(to: str = "Jürgen Creator <creator@example.com>") -> EmailMessage:
    return build_message(
        to=to,
        subject="Collab idea für dich",
        text="Hello in plain text",
        html="<p>Hello in <b>HTML</b></p>",
        mail_from="Creator Relations <crm@example.org>",
        message_id_domain="crm.example.org",
        headers={"List-Unsubscribe": "<https://crm.example.org/u/abc>"},
    )


# --- delivery -----------------------------------------------------------------------------


def test_delivers_text_and_html(smtp_server) -> None:
    handler, port = smtp_server()
    msg = message()

    result = SmtpSender(settings(port)).send(msg)

    assert result.status == "sent" and result.ok
    assert result.code is None and result.error is None
    assert result.message_id == msg["Message-ID"]
    assert result.message_id.endswith("@crm.example.org>")
    [envelope] = handler.envelopes
    assert envelope.mail_from == "crm@example.org"
    assert envelope.rcpt_tos == ["creator@example.com"]
    received = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert received["To"] == "Jürgen Creator <creator@example.com>"
    assert received["Subject"] == "Collab idea für dich"
    assert received["Message-ID"] == result.message_id
    assert received["Date"] is not None
    assert received["List-Unsubscribe"] == "<https://crm.example.org/u/abc>"
    assert received.get_content_type() == "multipart/alternative"
    assert received.get_body(("plain",)).get_content().strip() == "Hello in plain text"
    assert received.get_body(("html",)).get_content().strip() == "<p>Hello in <b>HTML</b></p>"
    assert handler.authenticated == [False]


@pytest.mark.parametrize("stage", ["rcpt", "data"])
def test_4xx_reply_is_retry(smtp_server, stage: str) -> None:
    reply = "451 4.3.0 try later"
    handler = Recorder(rcpt_reply=reply) if stage == "rcpt" else Recorder(data_reply=reply)
    _, port = smtp_server(handler)

    result = SmtpSender(settings(port)).send(message())

    assert result.status == "retry"
    assert result.code == 451
    assert "try later" in (result.error or "")


@pytest.mark.parametrize("stage", ["rcpt", "data"])
def test_5xx_reply_is_failed(smtp_server, stage: str) -> None:
    reply = "550 5.1.1 no such user"
    handler = Recorder(rcpt_reply=reply) if stage == "rcpt" else Recorder(data_reply=reply)
    _, port = smtp_server(handler)

    result = SmtpSender(settings(port)).send(message())

    assert result.status == "failed"
    assert result.code == 550
    assert "no such user" in (result.error or "")


def test_partially_refused_recipients_fail(smtp_server) -> None:
    """send_message's refused dict (some recipients accepted) still counts as a failure."""
    _, port = smtp_server(Recorder(refuse="gone@example.com"))
    msg = EmailMessage()
    msg["From"] = "crm@example.org"
    msg["To"] = "ok@example.com, gone@example.com"
    msg["Subject"] = "hand-built"
    msg["Message-ID"] = "<x@crm.example.org>"
    msg.set_content("body")

    result = SmtpSender(settings(port)).send(msg)

    assert result.status == "failed"
    assert result.code == 550
    assert "gone@example.com" in (result.error or "")
    assert result.message_id == "<x@crm.example.org>"


# --- transport problems -------------------------------------------------------------------


def test_connection_refused_is_retry() -> None:
    result = SmtpSender(settings(free_port())).send(message())

    assert result.status == "retry"
    assert result.code is None
    assert result.error


def test_silent_server_times_out_quickly(raw_server) -> None:
    def never_greet(conn: socket.socket, stop: threading.Event) -> None:
        stop.wait(10)

    server = raw_server(never_greet)
    started = time.monotonic()

    result = SmtpSender(settings(server.port, timeout=0.5)).send(message())

    assert result.status == "retry"
    assert result.code is None
    assert time.monotonic() - started < 3


def test_connection_dropped_mid_message_is_retry(raw_server) -> None:
    def drop_during_data(conn: socket.socket, stop: threading.Event) -> None:
        conn.settimeout(5)
        reader = conn.makefile("rb")
        conn.sendall(b"220 fake ESMTP\r\n")
        for line in reader:
            verb = line[:4].upper()
            if verb == b"DATA":
                conn.sendall(b"354 go ahead\r\n")
                reader.readline()  # first header line of the message, then hang up
                reader.close()
                return
            if verb == b"QUIT":
                return
            conn.sendall(b"250 fake\r\n")

    server = raw_server(drop_during_data)

    result = SmtpSender(settings(server.port)).send(message())

    assert result.status == "retry"
    assert result.code is None


# --- authentication -----------------------------------------------------------------------


def test_login_succeeds(smtp_server) -> None:
    handler, port = smtp_server(authenticator=authenticator(), auth_require_tls=False)

    result = SmtpSender(settings(port, user="user", password=PASSWORD)).send(message())

    assert result.status == "sent"
    assert handler.authenticated == [True]


@pytest.mark.parametrize("echo", [False, True], ids=["plain-535", "server-echoes-password"])
def test_wrong_password_fails_without_leaking_it(smtp_server, echo: bool) -> None:
    wrong = "wrong-Pa55word!"
    handler, port = smtp_server(authenticator=authenticator(echo), auth_require_tls=False)

    result = SmtpSender(settings(port, user="user", password=wrong)).send(message())

    assert result.status == "failed"
    assert result.code == 535
    assert result.error and wrong not in result.error
    assert handler.envelopes == []
    if echo:
        assert "***" in result.error


def test_starttls_not_offered_fails(smtp_server) -> None:
    """A relay that should do TLS but doesn't is a configuration error, not a blip."""
    handler, port = smtp_server()

    result = SmtpSender(settings(port, starttls=True)).send(message())

    assert result.status == "failed"
    assert "STARTTLS" in (result.error or "")
    assert handler.envelopes == []


def test_settings_repr_hides_password() -> None:
    assert PASSWORD not in repr(settings(25, user="user", password=PASSWORD))


# --- file sender --------------------------------------------------------------------------


def test_file_sender_writes_parseable_eml(tmp_path: Path) -> None:
    spool = tmp_path / "outbox" / "nested"
    sender = FileSender(spool)
    first, second = message(), message("other@example.com")

    results = [sender.send(first), sender.send(second)]

    assert [r.status for r in results] == ["sent", "sent"]
    files = sorted(spool.iterdir())
    assert len(files) == 2
    assert all(f.suffix == ".eml" and not f.name.startswith(".") for f in files)
    parsed = [email.message_from_bytes(f.read_bytes(), policy=email.policy.default) for f in files]
    assert {p["Message-ID"] for p in parsed} == {first["Message-ID"], second["Message-ID"]}
    by_id = {p["Message-ID"]: p for p in parsed}
    got = by_id[results[0].message_id]
    assert got["Subject"] == "Collab idea für dich"
    assert got.get_body(("html",)).get_content().strip() == "<p>Hello in <b>HTML</b></p>"


def test_file_sender_unwritable_directory_is_retry(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")

    result = FileSender(blocker / "outbox").send(message())

    assert result.status == "retry"
    assert result.error


# --- message building ---------------------------------------------------------------------


def base_kwargs(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "to": "creator@example.com",
        "subject": "Hi",
        "text": "text",
        "html": None,
        "mail_from": "crm@example.org",
        "message_id_domain": "crm.example.org",
    }
    values.update(overrides)
    return values


@pytest.mark.parametrize(
    "overrides",
    [
        {"to": "creator@example.com\r\nBcc: victim@example.net"},
        {"to": "Evil\nName <creator@example.com>"},
        {"to": "Evil\rName <creator@example.com>"},
        {"subject": "Hi\r\nBcc: victim@example.net"},
        {"subject": "Hi\nthere"},
        {"subject": "Hi\x00there"},
        {"subject": "Hi\u2028there"},
        {"mail_from": "CRM\r\n <crm@example.org>"},
        {"headers": {"X-Campaign": "spring\r\nBcc: victim@example.net"}},
        {"headers": {"X-Campaign\r\nBcc": "victim@example.net"}},
        {"headers": {"X Campaign": "space in name"}},
        {"message_id_domain": "crm.example.org\r\nBcc: victim@example.net"},
    ],
)
def test_header_injection_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(HeaderInjection):
        build_message(**base_kwargs(**overrides))
    assert issubclass(HeaderInjection, ValueError)


@pytest.mark.parametrize(
    "overrides",
    [
        {"to": "a@example.com, b@example.com"},
        {"to": "not-an-address"},
        {"to": ""},
        {"headers": {"Bcc": "victim@example.net"}},
        {"headers": {"cc": "victim@example.net"}},
        {"headers": {"Resent-To": "victim@example.net"}},
    ],
)
def test_second_recipient_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        build_message(**base_kwargs(**overrides))


def test_text_only_message() -> None:
    msg = build_message(**base_kwargs(to='"Doe, Jane" <jane@example.com>'))

    assert msg.get_content_type() == "text/plain"
    assert msg["To"].addresses[0].addr_spec == "jane@example.com"
    assert msg["Message-ID"].endswith("@crm.example.org>")
    assert msg["Date"] is not None


def test_long_subject_is_folded_by_the_library() -> None:
    """Our CR/LF check applies to input only; folding long headers stays the library's job."""
    subject = "word " * 40
    msg = build_message(**base_kwargs(subject=subject.strip()))

    assert msg["Subject"] == subject.strip()
    assert b"Subject: word word" in msg.as_bytes(policy=email.policy.SMTP)


# --- backoff ------------------------------------------------------------------------------


def test_backoff_doubles_and_caps() -> None:
    assert [backoff_seconds(n) for n in range(1, 6)] == [60, 120, 240, 480, 960]
    assert backoff_seconds(9) == 15_360
    assert backoff_seconds(10) == 6 * 3600
    assert backoff_seconds(10_000) == 6 * 3600
    assert backoff_seconds(0) == 0
    assert backoff_seconds(3, base=10, cap=35) == 35
    assert backoff_seconds(2, base=10, cap=35) == 20
    assert backoff_seconds(4) == backoff_seconds(4)  # deterministic: no jitter
