"""SMTP on loopback (aiosmtpd) for the `smtp` fixture, and outbox settings shared by the mail,
digest and drill tests."""

from __future__ import annotations

from typing import Any

from aiosmtpd.controller import Controller

from crm.mail.services import MailSettings
from crm.mail.smtp import SmtpSender, SmtpSettings
from tests.mail.test_smtp import HOST, Recorder, free_port


class SmtpFixture:
    """The `smtp` fixture (tests/conftest.py): aiosmtpd controllers started on loopback."""

    def __init__(self) -> None:
        self.controllers: list[Controller] = []

    def start(
        self, handler: Recorder | None = None, port: int | None = None
    ) -> tuple[Recorder, int]:
        handler = handler or Recorder()
        port = port or free_port()
        controller = Controller(handler, hostname=HOST, port=port)
        controller.start()
        self.controllers.append(controller)
        return handler, port

    def stop_all(self) -> None:
        for controller in self.controllers:
            controller.stop()
        self.controllers.clear()


def smtp_settings(port: int, **overrides: Any) -> MailSettings:
    """Outbox settings sending through SMTP on loopback with a short timeout."""
    sender = SmtpSender(
        SmtpSettings(host=HOST, port=port, timeout=3.0, mail_from="CRM <crm@example.org>")
    )
    values: dict[str, Any] = {
        "sender": sender,
        "mail_from": "CRM <crm@example.org>",
        "message_id_domain": "example.org",
    }
    values.update(overrides)
    return MailSettings(**values)


__all__ = ["HOST", "Recorder", "free_port", "smtp_settings"]
