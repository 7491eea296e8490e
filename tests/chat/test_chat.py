"""Chat notifications: channels per event kind, an outbox with retries (a loopback receiver
gets exactly one message per event across a failure), and what an uncleared channel hears."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from crm.agreements import services as agreements
from crm.approvals import services as approvals
from crm.approvals.services import RevisionInput
from crm.chat import receivers, services
from crm.chat.models import ChatChannel, ChatMessage
from crm.common.timeutil import org_today
from crm.feedback.services import create_feedback
from tests.conftest import post_form
from tests.factories import CreatorFactory, GrantFactory, NdaFactory


@pytest.fixture
def allow_loopback(monkeypatch):
    monkeypatch.setenv("CRM_FETCH_ALLOW_PRIVATE", "1")


def _connect(client, name, event, url, cleared=False):
    data = {"name": name, "event": event, "url": url}
    if cleared:
        data["cleared"] = "y"
    return post_form(client, "/admin/chat/", data)


def _messages(db) -> list[ChatMessage]:
    db.expire_all()
    return list(db.scalars(select(ChatMessage).order_by(ChatMessage.id)))


def test_exactly_one_message_per_event_across_a_failure(
    client, db, login, httpserver, allow_loopback, session_factory, make_product
):
    admin = login("admin")
    assert (
        _connect(client, "#feedback", "critical_feedback", httpserver.url_for("/hook")).status_code
        == 302
    )
    httpserver.expect_oneshot_request("/hook", method="POST").respond_with_data("boom", status=500)
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    creator = CreatorFactory(display_name="Maya")
    product = make_product(name="Nova", public_on=date(2020, 1, 1))
    create_feedback(
        db,
        admin,
        creator_id=creator.id,
        product_id=product.id,
        category="bug",
        severity="critical",
        title="Crashes on long prompts",
    )
    create_feedback(
        db,
        admin,
        creator_id=creator.id,
        product_id=product.id,
        category="bug",
        severity="low",
        title="A typo",
    )  # not told
    db.flush()
    assert len(_messages(db)) == 1
    first = services.deliver(session_factory)
    assert (first.sent, first.retried) == (0, 1)
    [message] = _messages(db)
    assert message.status == "pending" and message.attempts == 1 and message.last_status == 500
    assert services.deliver(session_factory).sent == 0  # backing off
    second = services.deliver(session_factory, ignore_backoff=True)
    assert second.sent == 1
    assert services.deliver(session_factory, ignore_backoff=True).sent == 0
    assert len(httpserver.log) == 2
    bodies = [json.loads(req.data) for req, _resp in httpserver.log]
    assert bodies[0] == bodies[1]
    assert bodies[1] == {
        "text": "Critical feedback on Nova: “Crashes on long prompts” from Maya (bug)."
    }
    [message] = _messages(db)
    assert message.status == "sent" and message.attempts == 2


def test_an_uncleared_channel_hears_no_money_and_no_unreleased_name(
    client, db, login, make_product, allow_loopback
):
    admin = login("admin")
    _connect(client, "#partners", "grant_suspended", "http://127.0.0.1:9/a")
    _connect(client, "#leads", "grant_suspended", "http://127.0.0.1:9/b", cleared=True)
    today = org_today()
    secret = make_product(name="Zephyr", aliases=["ZP-9"], public_on=None)
    creator = CreatorFactory(display_name="Noor")
    nda = NdaFactory(
        creator_id=creator.id,
        effective_on=today - timedelta(days=30),
        expires_on=today + timedelta(days=300),
    )
    nda.products = [secret]
    grant = GrantFactory(
        creator_id=creator.id,
        product_id=secret.id,
        nda_id=nda.id,
        starts_on=today - timedelta(days=10),
        ends_on=today + timedelta(days=30),
        monthly_value_minor=250000,
        currency="USD",
    )
    db.flush()
    agreements.transition_nda(db, admin, nda, "terminated", today)
    db.flush()
    by_channel = {db.get(ChatChannel, m.channel_id).name: m.text for m in _messages(db)}
    assert set(by_channel) == {"#partners", "#leads"}
    assert "Zephyr" in by_channel["#leads"] and "2,500.00" in by_channel["#leads"]
    uncleared = by_channel["#partners"]
    assert "Zephyr" not in uncleared and "an unreleased product" in uncleared
    assert "2,500" not in uncleared and "USD" not in uncleared
    # The same event again queues nothing new.
    receivers.on_nda_ended(nda, session=db, actor=admin, reason="terminated", suspended=[grant])
    assert len(_messages(db)) == 2


def test_a_decision_is_announced_with_unreleased_names_redacted(
    client, db, login, make_user, allow_loopback, make_product
):
    login("admin")
    _connect(client, "#reviews", "decision_recorded", "http://127.0.0.1:9/c")
    manager, legal = make_user("manager"), make_user("legal", name="Lee")
    make_product(name="Zephyr", public_on=None)
    creator = CreatorFactory(display_name="Priya")
    sub = approvals.create_submission(
        db,
        manager,
        creator_id=creator.id,
        platform="instagram",
        title="Zephyr first look",
        planned_for=datetime.now(UTC) + timedelta(days=5),
        revision=RevisionInput(body="#ad My first look"),
        today=org_today(),
    )
    approvals.decide(db, legal, sub.id, 1, "reject", "Not yet.")
    db.flush()
    [message] = _messages(db)
    assert message.text == (
        "Rejected: “an unreleased product first look” (Priya, Instagram), revision 1, by Lee."
    )


def test_consent_conflicts_with_none_open_queue_nothing(db):
    assert receivers.announce_consent_conflicts(db) == 0


def test_a_consent_conflict_is_told_once(client, db, login, allow_loopback):
    from crm.licensing.models import Consent, SiteSignal

    login("admin")
    _connect(client, "#consent", "consent_conflict", "http://127.0.0.1:9/d")
    creator = CreatorFactory(display_name="Ravi")
    db.add(
        Consent(
            creator_id=creator.id,
            use="ai_training",
            decision="allowed",
            source="contract",
            effective_on=org_today() - timedelta(days=10),
        )
    )
    db.add(
        SiteSignal(
            creator_id=creator.id,
            site="https://ravi.example",
            source="ai_txt",
            use="ai_training",
            decision="not_allowed",
        )
    )
    db.flush()
    assert receivers.announce_consent_conflicts(db) == 1
    assert receivers.announce_consent_conflicts(db) == 0  # the next run tells nothing new
    [message] = _messages(db)
    assert message.text == (
        "Consent conflict: https://ravi.example (ai_txt), a site of Ravi, refuses ai training, "
        "which we record as allowed."
    )


@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "event": "critical_feedback", "url": "http://127.0.0.1:9/x"},
        {"name": "x", "event": "everything", "url": "http://127.0.0.1:9/x"},
        {"name": "x", "event": "critical_feedback", "url": "ftp://example.com/x"},
        {"name": "x", "event": "critical_feedback", "url": "not a url"},
        {"name": "x", "event": "critical_feedback", "url": "http://"},
        {"name": "x", "event": "critical_feedback", "url": "http://[::1"},
        {"name": "x" * 200, "event": "critical_feedback", "url": "http://127.0.0.1:9/x"},
    ],
)
def test_bad_channels_are_refused_inline_and_nothing_is_written(
    client, db, login, data, allow_loopback
):
    login("admin")
    response = post_form(client, "/admin/chat/", data)
    assert response.status_code == 422
    assert db.scalar(select(func.count(ChatChannel.id))) == 0


def test_a_private_address_is_refused_outside_tests(client, db, login):
    login("admin")
    response = _connect(client, "x", "critical_feedback", "http://127.0.0.1:9/x")
    assert response.status_code == 422
    assert "non-public address" in response.get_data(as_text=True)


def test_only_admins_connect_channels(client, db, login):
    login("manager")
    assert client.get("/admin/chat/").status_code == 403
    assert _connect(client, "x", "critical_feedback", "https://example.com/x").status_code == 403


def test_removing_a_channel(client, db, login, allow_loopback):
    login("admin")
    _connect(client, "#x", "critical_feedback", "http://127.0.0.1:9/x")
    channel = db.scalar(select(ChatChannel))
    assert post_form(client, f"/admin/chat/{channel.id}/delete").status_code == 302
    assert db.scalar(select(func.count(ChatChannel.id))) == 0
    assert post_form(client, "/admin/chat/999999/delete").status_code == 404
