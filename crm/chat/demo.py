"""Demo chat channel: one for decisions, pointing at an address that never resolves (the
`.invalid` top-level domain), so a local run shows the outbox retrying without sending data
anywhere."""

from __future__ import annotations

from crm.chat.models import ChatChannel
from crm.common.registry import DemoLoader


def load(session, context: dict) -> None:
    session.add(
        ChatChannel(
            name="#launch-team (demo)",
            event="decision_recorded",
            url="https://chat.invalid/hooks/launch-team",
            cleared=False,
        )
    )
    session.flush()


LOADER = DemoLoader("chat", load, order=95)
