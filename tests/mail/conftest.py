"""A real SMTP server on loopback (aiosmtpd) and outbox helpers shared by mail and digest tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from crm.mail.services import MailSettings
from crm.mail.smtp import SmtpSender, SmtpSettings
from tests.mail.test_smtp import HOST, Recorder, free_port


class SmtpFixture:
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


@pytest.fixture
def smtp() -> Iterator[SmtpFixture]:
    fixture = SmtpFixture()
    yield fixture
    fixture.stop_all()


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


@pytest.fixture
def session_factory(app, db) -> Callable:
    """Sessions joined to the test's rolled-back transaction (what views and jobs get)."""
    from crm.db import get_db

    return get_db(app).session_factory


__all__ = ["HOST", "Recorder", "free_port", "smtp_settings"]
