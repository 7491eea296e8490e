"""Payments corrected or voided (audited), schedule warnings, NDA signing, grants that have
not started, and the agreements' automatic tasks closing with their cause."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from crm.agreements import queries, services
from crm.audit.models import AuditEvent
from crm.common.errors import Conflict, Invalid
from crm.reminders.models import Reminder
from crm.reminders.services import remind
from tests.agreements.conftest import ACTOR
from tests.conftest import post_form
from tests.factories import DealFactory, GrantFactory, UserFactory

D = date


@pytest.fixture(autouse=True)
def admin(db):
    return UserFactory(role="admin")  # who gets the tasks raised here


@pytest.fixture
def deal(db, creator):
    return DealFactory(
        creator_id=creator.id, fee_minor=100000, currency="USD",
        starts_on=D(2026, 1, 1), ends_on=D(2026, 6, 30),
    )  # fmt: skip


@pytest.fixture
def payment(db, deal):
    return services.add_payment(db, ACTOR, deal, due_on=D(2026, 2, 1), amount="600.00")


def _events(db, action):
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _task(db, subject, rule):
    return remind(
        db, assignee_id=None, title="task", due_on=D(2026, 2, 1), subject=subject, rule=rule,
        dedupe_key=f"{rule}:{subject[0]}:{subject[1]}",
    )  # fmt: skip


# --- payments ------------------------------------------------------------------------------


def test_a_correction_needs_a_reason_and_is_audited_field_by_field(db, payment):
    with pytest.raises(Invalid) as exc:
        services.update_payment(db, ACTOR, payment, reason=" ", amount="650.00")
    assert set(exc.value.errors) == {"reason"}
    assert payment.amount_minor == 60000
    services.update_payment(
        db, ACTOR, payment, reason="Invoice said 650", amount="650.00", due_on=D(2026, 2, 3)
    )
    assert payment.amount_minor == 65000 and payment.due_on == D(2026, 2, 3)
    [event] = _events(db, "payment.update")
    assert event.changes["amount"] == ["600.00", "650.00"]
    assert event.changes["due_on"] == ["2026-02-01", "2026-02-03"]
    assert event.changes["reason"] == "Invoice said 650"


def test_bad_corrections_change_nothing(db, payment):
    for fields in ({"amount": "abc"}, {"amount": ""}, {"due_on": None}, {"colour": "red"},
                   {"amount": "-5"}, {"note": "x" * 501}):  # fmt: skip
        with pytest.raises(Invalid):
            services.update_payment(db, ACTOR, payment, reason="typo", **fields)
    assert (payment.amount_minor, payment.due_on, payment.note) == (60000, D(2026, 2, 1), "")
    assert _events(db, "payment.update") == []


def test_a_voided_payment_counts_in_no_total_and_is_final(db, deal, payment):
    services.add_payment(db, ACTOR, deal, due_on=D(2026, 3, 1), amount="400.00")
    with pytest.raises(Invalid):
        services.void_payment(db, ACTOR, payment, reason="")
    services.void_payment(db, ACTOR, payment, reason="Entered twice")
    assert payment.voided_at is not None and payment.void_reason == "Entered twice"
    totals = queries.totals_for([deal], [], D(2026, 4, 1))["USD"]
    assert totals.scheduled == 40000 and totals.due == 40000
    assert _events(db, "payment.void")[0].changes["reason"] == "Entered twice"
    with pytest.raises(Conflict):
        services.void_payment(db, ACTOR, payment, reason="again")
    with pytest.raises(Conflict):
        services.update_payment(db, ACTOR, payment, reason="x", amount="1")
    with pytest.raises(Conflict):
        services.mark_paid(db, ACTOR, payment, D(2026, 2, 2))
    due = queries.expiring(db, D(2026, 1, 25), 60).payments
    assert payment not in due


def test_warnings_when_the_schedule_differs_from_the_fee_or_the_dates(db, deal, payment):
    [warning] = services.payment_warnings(deal)
    assert "600.00 USD, less than the fee of 1000.00 USD" in warning
    services.add_payment(db, ACTOR, deal, due_on=D(2026, 8, 1), amount="400.00")
    db.refresh(deal)
    warnings = services.payment_warnings(deal)
    assert warnings == ["A payment is due on 2026-08-01, after the deal ends (2026-06-30)."]
    services.update_payment(db, ACTOR, deal.payments[1], reason="moved", due_on=D(2026, 6, 30))
    assert services.payment_warnings(deal) == []
    services.add_payment(db, ACTOR, deal, due_on=D(2025, 12, 1), amount="1.00")
    db.refresh(deal)
    assert any("before the deal starts" in w for w in services.payment_warnings(deal))
    assert any("more than the fee" in w for w in services.payment_warnings(deal))


def test_paying_or_voiding_closes_the_payment_task(db, deal, payment):
    task = _task(db, ("payment", payment.id), "payment-due")
    services.mark_paid(db, ACTOR, payment, D(2026, 2, 1))
    db.refresh(task)
    assert task.status == "done"
    other = services.add_payment(db, ACTOR, deal, due_on=D(2026, 3, 1), amount="400.00")
    task2 = _task(db, ("payment", other.id), "payment-due")
    services.void_payment(db, ACTOR, other, reason="cancelled part")
    db.refresh(task2)
    assert task2.status == "done"


def test_payment_pages_correct_void_and_refuse_bad_input(client, login, db, deal, payment):
    login("manager")
    url = f"/agreements/payments/{payment.id}/edit"
    page = client.get(url)
    assert page.status_code == 200 and "600.00" in page.get_data(as_text=True)
    bad = post_form(client, url, {"due_on": "2026-02-01", "amount": "lots", "reason": "x"})
    assert bad.status_code == 422 and "lots" in bad.get_data(as_text=True)
    no_reason = post_form(client, url, {"due_on": "2026-02-01", "amount": "650"})
    assert no_reason.status_code == 422
    db.refresh(payment)
    assert payment.amount_minor == 60000
    ok = post_form(client, url, {"due_on": "2026-02-01", "amount": "650.00", "reason": "invoice"})
    assert ok.status_code == 302
    db.refresh(payment)
    assert payment.amount_minor == 65000
    void_url = f"/agreements/payments/{payment.id}/void"
    assert post_form(client, void_url, {"void_reason": ""}).status_code == 422
    assert post_form(client, void_url, {"void_reason": "duplicate"}).status_code == 302
    body = client.get(f"/agreements/deals/{deal.id}").get_data(as_text=True)
    assert "void" in body and "duplicate" in body
    assert client.get("/agreements/payments/999999/edit").status_code == 404
    assert (
        post_form(client, "/agreements/payments/999999/void", {"void_reason": "x"}).status_code
        == 404
    )


def test_viewer_and_legal_cannot_correct(client, login, payment):
    for role in ("viewer", "legal"):
        login(role)
        assert client.get(f"/agreements/payments/{payment.id}/edit").status_code == 403
        post_form(client, "/logout")


def test_payment_patch_api(client, api, db, deal, payment):
    _u, headers = api("manager")
    url = f"/api/v1/deals/{deal.id}/payments/{payment.id}"
    for body in (
        {},
        {"amount": "700"},
        {"reason": "x", "amount": "abc"},
        {"reason": "x", "due_on": "not a date"},
        {"reason": "x", "due_on": None},
        {"reason": "x", "voided": True, "amount": "1"},
        {"reason": "x", "unknown": 1},
        [1, 2],
    ):
        r = client.patch(url, json=body, headers=headers)
        assert r.status_code == 422, (body, r.get_json())
    r = client.patch(url, data="{", headers=headers | {"Content-Type": "application/json"})
    assert 400 <= r.status_code < 500
    db.refresh(payment)
    assert payment.amount_minor == 60000 and payment.voided_at is None
    wrong_deal = DealFactory(creator_id=deal.creator_id)
    r = client.patch(f"/api/v1/deals/{wrong_deal.id}/payments/{payment.id}",
                     json={"reason": "x", "amount": "1"}, headers=headers)  # fmt: skip
    assert r.status_code == 404
    ok = client.patch(url, json={"reason": "invoice", "amount": "700.00"}, headers=headers)
    assert ok.status_code == 200 and ok.get_json()["amount"] == "700.00"
    void = client.patch(url, json={"reason": "duplicate", "voided": True}, headers=headers)
    assert void.status_code == 200 and void.get_json()["voided"] is True
    again = client.patch(url, json={"reason": "x", "amount": "1"}, headers=headers)
    assert again.status_code == 409
    _v, viewer = api("viewer")
    assert client.patch(url, json={"reason": "x"}, headers=viewer).status_code == 403
    listed = client.get(f"/api/v1/deals/{deal.id}/payments", headers=headers).get_json()
    assert listed["items"][0]["void_reason"] == "duplicate"


# --- NDAs ----------------------------------------------------------------------------------


def _sent(db, creator, product):
    nda = services.create_nda(
        db, ACTOR, creator_id=creator.id, product_ids=[product.id], effective_on=D(2026, 1, 1)
    )
    services.transition_nda(db, ACTOR, nda, "sent", D(2026, 1, 1))
    return nda


def test_signing_records_the_day_and_needs_the_document_or_paper(db, creator, product):
    nda = _sent(db, creator, product)
    today = D(2026, 1, 10)
    with pytest.raises(Invalid) as exc:
        services.transition_nda(db, ACTOR, nda, "signed", today, signed_on=D(2026, 1, 5))
    assert set(exc.value.errors) == {"signed_on_paper"}
    with pytest.raises(Invalid) as exc:
        services.transition_nda(
            db, ACTOR, nda, "signed", today, signed_on=D(2026, 1, 11), on_paper=True
        )
    assert set(exc.value.errors) == {"signed_on"}
    assert nda.status == "sent" and nda.signed_on is None
    services.transition_nda(db, ACTOR, nda, "signed", today, signed_on=D(2026, 1, 5), on_paper=True)
    assert (nda.status, nda.signed_on, nda.signed_on_paper) == ("signed", D(2026, 1, 5), True)
    [event] = _events(db, "nda.sign")
    assert event.changes["signed_on"] == [None, "2026-01-05"]


def test_a_stored_pdf_is_enough(db, creator, product):
    nda = _sent(db, creator, product)
    nda.document_path = "ndas/x.pdf"
    services.transition_nda(db, ACTOR, nda, "signed", D(2026, 1, 10), signed_on=D(2026, 1, 9))
    assert nda.status == "signed" and nda.signed_on_paper is False


def test_sign_page_keeps_the_form_with_the_messages(client, login, db, creator, product):
    nda = _sent(db, creator, product)
    login("legal")
    url = f"/agreements/ndas/{nda.id}"
    assert "Mark signed" in client.get(url).get_data(as_text=True)
    r = post_form(client, f"{url}/sign", {"signed_on": "2026-01-05"})
    assert r.status_code == 422
    assert "confirm the paper original is on file" in r.get_data(as_text=True)
    assert post_form(client, f"{url}/sign", {"signed_on": "soon"}).status_code == 422
    assert post_form(client, f"{url}/sign", {}).status_code == 422
    db.refresh(nda)
    assert nda.status == "sent"
    r = post_form(client, f"{url}/status", {"status": "signed"})
    db.refresh(nda)
    assert r.status_code == 302 and nda.status == "sent"
    r = post_form(client, f"{url}/sign", {"signed_on": "2026-01-05", "signed_on_paper": "y"})
    assert r.status_code == 302
    db.refresh(nda)
    assert nda.status == "signed" and nda.signed_on == D(2026, 1, 5)
    page = client.get(url).get_data(as_text=True)
    assert '<time datetime="2026-01-05" class="when">5 Jan 2026</time> (on paper' in page
    assert post_form(client, "/agreements/ndas/999999/sign", {}).status_code == 404


def test_renewing_an_nda_closes_its_expiry_task(db, creator, product, make_nda):
    old = make_nda(creator, [product], effective_on=D(2025, 1, 1), expires_on=D(2026, 2, 1))
    task = _task(db, ("nda", old.id), "nda-expiring")
    new = _sent(db, creator, product)
    new.expires_on = D(2027, 1, 31)
    services.transition_nda(db, ACTOR, new, "signed", D(2026, 1, 10), signed_on=D(2026, 1, 9),
                            on_paper=True)  # fmt: skip
    db.refresh(task)
    assert task.status == "done"


def test_an_expiry_task_stays_when_the_new_nda_covers_less(
    db, creator, product, make_product, make_nda
):
    other = make_product()
    old = make_nda(creator, [product, other], effective_on=D(2025, 1, 1), expires_on=D(2026, 2, 1))
    task = _task(db, ("nda", old.id), "nda-expiring")
    new = _sent(db, creator, product)
    services.transition_nda(db, ACTOR, new, "signed", D(2026, 1, 10), signed_on=D(2026, 1, 9),
                            on_paper=True)  # fmt: skip
    db.refresh(task)
    assert task.status == "open"


def test_moving_the_expiry_closes_the_expiry_task(db, creator, product, make_nda):
    nda = make_nda(creator, [product], effective_on=D(2025, 1, 1), expires_on=D(2026, 2, 1))
    task = _task(db, ("nda", nda.id), "nda-expiring")
    services.update_nda(db, ACTOR, nda, expires_on=D(2027, 2, 1))
    db.refresh(task)
    assert task.status == "done"


# --- grants --------------------------------------------------------------------------------


def test_a_grant_is_scheduled_until_it_starts(db, creator, product):
    grant = GrantFactory(creator_id=creator.id, product_id=product.id,
                         starts_on=D(2026, 5, 1), ends_on=D(2026, 6, 1))  # fmt: skip
    assert services.display_status(grant, D(2026, 4, 30)) == "scheduled"
    assert services.display_status(grant, D(2026, 5, 1)) == "active"
    assert grant.status == "active"  # R1/R2 still see it as active
    grant.status = "revoked"
    assert services.display_status(grant, D(2026, 4, 30)) == "revoked"


def test_revoking_a_grant_closes_its_tasks(db, creator, product):
    grant = GrantFactory(creator_id=creator.id, product_id=product.id,
                         starts_on=D(2026, 1, 1), ends_on=D(2026, 6, 1))  # fmt: skip
    task = _task(db, ("grant", grant.id), "grant-ending")
    services.revoke_grant(db, ACTOR, grant, "ended early", D(2026, 2, 1))
    db.refresh(task)
    assert task.status == "done"
    assert db.scalar(select(Reminder.done_at).where(Reminder.id == task.id)) is not None
