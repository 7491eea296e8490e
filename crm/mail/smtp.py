"""Low-level email sending: build one message per recipient, hand it to SMTP or a spool directory.

No Flask and no database here, so the outbox worker can classify every outcome as
"sent", "retry" (try again later) or "failed" (give up) and unit tests can run against a
real SMTP server on loopback.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import smtplib
import ssl
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid
from pathlib import Path
from typing import Literal, Protocol

SendStatus = Literal["sent", "retry", "failed"]

# Headers the builder owns: letting callers set them would allow a second recipient
# (Cc/Bcc/Resent-* are read by smtplib.send_message) or a forged identity.
_RESERVED_HEADERS = frozenset(
    {
        "to",
        "cc",
        "bcc",
        "from",
        "sender",
        "subject",
        "date",
        "message-id",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
    }
)
# RFC 5322 field name: printable US-ASCII except the colon.
_HEADER_NAME = re.compile(r"[!-9;-~]+")
_MAX_ERROR_LEN = 500


class HeaderInjection(ValueError):
    """A header value carries line breaks or control characters that could add headers."""


@dataclass(frozen=True)
class SmtpSettings:
    """Connection settings; mail_from is the From header (and thus the envelope sender)."""

    host: str
    port: int = 25
    user: str | None = None
    password: str | None = field(default=None, repr=False)  # keep it out of logs
    starttls: bool = False
    timeout: float = 30.0
    mail_from: str = ""


@dataclass(frozen=True)
class SendResult:
    """Outcome of one delivery attempt; the caller retries only on "retry"."""

    status: SendStatus
    code: int | None
    error: str | None
    message_id: str

    @property
    def ok(self) -> bool:
        return self.status == "sent"


class Sender(Protocol):
    """What the outbox needs from a transport: deliver one message, classify the outcome."""

    def send(self, message: EmailMessage) -> SendResult: ...


def _check_header_text(field: str, value: str) -> None:
    """Refuse control and line-separator characters: a CR/LF would start a new header."""
    for char in value:
        if unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            raise HeaderInjection(f"{field} contains a control character ({ord(char):#04x})")


def _single_address(field: str, value: str) -> str:
    """Validate one mailbox (display name included) so a message reaches one recipient."""
    _check_header_text(field, value)
    addresses = getaddresses([value])
    if len(addresses) != 1:
        raise ValueError(f"{field} must hold exactly one address")
    _name, addr = addresses[0]
    if not addr or "@" not in addr or addr.startswith("@") or addr.endswith("@"):
        raise ValueError(f"{field} is not a valid address")
    return value.strip()


def build_message(
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None,
    mail_from: str,
    message_id_domain: str,
    headers: Mapping[str, str] | None = None,
) -> EmailMessage:
    """Build a single-recipient message (text, plus an HTML alternative when given).

    Every header-bound input is checked first, so user-supplied names or subjects can never
    smuggle extra headers or recipients into the message.
    """
    to = _single_address("to", to)
    mail_from = _single_address("mail_from", mail_from)
    _check_header_text("subject", subject)
    _check_header_text("message_id_domain", message_id_domain)
    extra = dict(headers or {})
    for name, value in extra.items():
        if not _HEADER_NAME.fullmatch(name):
            raise HeaderInjection(f"invalid header name {name!r}")
        _check_header_text(f"header {name}", value)
        lowered = name.lower()
        if lowered in _RESERVED_HEADERS or lowered.startswith("resent-"):
            raise ValueError(f"header {name} is set by build_message and cannot be overridden")

    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=message_id_domain)
    for name, value in extra.items():
        message[name] = value
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def backoff_seconds(attempts: int, base: int = 60, cap: int = 3600 * 6) -> int:
    """Delay before the next try: base * 2**(attempts-1), capped; deterministic for tests."""
    if attempts < 1:
        return 0
    if attempts > 63:  # avoid building huge integers; the cap applies long before this
        return cap
    return int(min(cap, base * 2 ** (attempts - 1)))


def _status_for_code(code: int) -> SendStatus:
    """4xx is transient by SMTP definition; anything else the server rejected is permanent."""
    return "retry" if 400 <= code < 500 else "failed"


def _decode(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _refusal(refused: Mapping[str, tuple[int, bytes | str]]) -> tuple[SendStatus, int, str]:
    """Any refused recipient fails the send; a single 5xx makes it permanent."""
    items = list(refused.items())
    permanent = [item for item in items if not 400 <= item[1][0] < 500]
    addr, (code, reply) = (permanent or items)[0]
    return _status_for_code(code), code, f"recipient {addr} refused: {code} {_decode(reply)}"


class SmtpSender:
    """Send through an SMTP relay, one connection per message (simple and robust)."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def _secrets(self) -> Iterable[str]:
        """Forms in which the password could show up in an error (raw or SASL base64)."""
        password = self.settings.password
        if not password:
            return []
        user = self.settings.user or ""
        forms = [
            password,
            base64.b64encode(password.encode()).decode(),
            base64.b64encode(f"\0{user}\0{password}".encode()).decode(),
        ]
        return sorted(set(forms), key=len, reverse=True)

    def _clean(self, text: str) -> str:
        """Strip the password from anything we report and keep the error short."""
        for secret in self._secrets():
            text = text.replace(secret, "***")
        text = " ".join(text.split())
        return text[:_MAX_ERROR_LEN]

    def _result(
        self, status: SendStatus, code: int | None, error: str, message_id: str
    ) -> SendResult:
        return SendResult(status=status, code=code, error=self._clean(error), message_id=message_id)

    def send(self, message: EmailMessage) -> SendResult:
        """Deliver one message; never raises for delivery problems, it classifies them."""
        message_id = str(message.get("Message-ID", ""))
        try:
            refused = self._deliver(message)
        except smtplib.SMTPRecipientsRefused as exc:
            return self._result(*_refusal(exc.recipients), message_id)
        except smtplib.SMTPResponseException as exc:
            # Covers connect (greeting), HELO, auth, MAIL FROM and DATA replies.
            name = type(exc).__name__
            reply = _decode(exc.smtp_error)
            return self._result(
                _status_for_code(exc.smtp_code),
                exc.smtp_code,
                f"{name}: {exc.smtp_code} {reply}",
                message_id,
            )
        except smtplib.SMTPServerDisconnected as exc:
            return self._result("retry", None, f"disconnected: {exc}", message_id)
        except smtplib.SMTPException as exc:
            # e.g. STARTTLS or AUTH not offered: a configuration problem, retrying won't help.
            return self._result("failed", None, f"{type(exc).__name__}: {exc}", message_id)
        except OSError as exc:
            # Connection refused, DNS failure, socket timeout, TLS errors: transient or
            # at least fixable without touching the message.
            return self._result("retry", None, f"{type(exc).__name__}: {exc}", message_id)
        except ValueError as exc:
            # smtplib rejects malformed messages (e.g. no recipients) with ValueError.
            return self._result("failed", None, f"invalid message: {exc}", message_id)
        if refused:
            return self._result(*_refusal(refused), message_id)
        return SendResult(status="sent", code=None, error=None, message_id=message_id)

    def _deliver(self, message: EmailMessage) -> dict[str, tuple[int, bytes]]:
        """One SMTP session; QUIT politely on success, just drop the socket on errors."""
        settings = self.settings
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        try:
            if settings.starttls:
                smtp.ehlo()
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            refused = smtp.send_message(message)
        except BaseException:
            smtp.close()
            raise
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()  # the message was accepted; a failed QUIT does not matter
        return refused


class FileSender:
    """Write messages as .eml files instead of sending: for development without a relay."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    def send(self, message: EmailMessage) -> SendResult:
        """Write atomically (temp file + rename) so a reader never sees half a message."""
        message_id = str(message.get("Message-ID", ""))
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        name = f"{stamp}-{secrets.token_hex(6)}.eml"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            target = self.directory / name
            tmp = self.directory / f".{name}.tmp"
            tmp.write_bytes(message.as_bytes())
            os.replace(tmp, target)
        except OSError as exc:
            return SendResult(
                status="retry",
                code=None,
                error=f"{type(exc).__name__}: {exc}",
                message_id=message_id,
            )
        return SendResult(status="sent", code=None, error=None, message_id=message_id)
