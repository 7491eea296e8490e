"""The agreements rules: R1 gate, R2 suspension, lifecycles, kinds, money, expiry, audit."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from crm.agreements import queries, services
from crm.agreements.signals import nda_ended, release_moved
from crm.audit.models import AuditEvent
from crm.common.errors import Conflict, Invalid
from tests.agreements.conftest import ACTOR
from tests.factories import CreatorFactory, ProductFactory

D = date


def grant(db, creator, product, starts, ends, **kw):
    return services.create_grant(
        db, ACTOR, creator_id=creator.id, product_id=product.id, starts_on=starts, ends_on=ends,
        **kw,
    )  # fmt: skip


def events(db, action):
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# --- R1 ------------------------------------------------------------------------------------


def test_grant_ending_on_the_ndas_last_day_is_allowed(db, creator, product, make_nda):
    nda = make_nda(creator, [product])
    g = grant(db, creator, product, D(2026, 3, 1), D(2026, 6, 30))
    assert g.nda_id == nda.id and g.status == "active"


def test_grant_ending_one_day_after_the_nda_is_refused(db, creator, product, make_nda):
    nda = make_nda(creator, [product])
    with pytest.raises(Conflict) as exc:
        grant(db, creator, product, D(2026, 3, 1), D(2026, 7, 1))
    assert f"NDA #{nda.id} ends on 2026-06-30, before the grant ends on 2026-07-01" in (
        exc.value.detail
    )


def test_grant_starting_the_day_before_the_nda_is_refused(db, creator, product, make_nda):
    make_nda(creator, [product])
    with pytest.raises(Conflict) as exc:
        grant(db, creator, product, D(2026, 2, 28), D(2026, 6, 1))
    assert "starts on 2026-03-01, after the grant starts on 2026-02-28" in exc.value.detail


def test_no_signed_nda_is_named(db, creator, product, make_nda):
    make_nda(creator, [product], status="sent")
    with pytest.raises(Conflict) as exc:
        grant(db, creator, product, D(2026, 3, 1), D(2026, 4, 1))
    assert "has no signed NDA" in exc.value.detail
    assert product.name in exc.value.detail


def test_nda_not_covering_the_product_is_named(db, creator, product, make_nda):
    other = ProductFactory()
    make_nda(creator, [other])
    with pytest.raises(Conflict) as exc:
        grant(db, creator, product, D(2026, 3, 1), D(2026, 4, 1))
    assert f"covers {product.name}" in exc.value.detail and "no signed NDA" in exc.value.detail


def test_nda_of_another_creator_does_not_count(db, creator, product, make_nda):
    someone = CreatorFactory()
    theirs = make_nda(someone, [product])
    with pytest.raises(Conflict, match="has no signed NDA"):
        grant(db, creator, product, D(2026, 3, 1), D(2026, 4, 1))
    with pytest.raises(Conflict, match="belongs to another creator"):
        grant(db, creator, product, D(2026, 3, 1), D(2026, 4, 1), nda_id=theirs.id)


def test_given_nda_is_validated_not_replaced(db, creator, product, make_nda):
    short = make_nda(creator, [product], expires_on=D(2026, 4, 30))
    long = make_nda(creator, [product], expires_on=None)
    with pytest.raises(Conflict, match=f"NDA #{short.id} ends on 2026-04-30"):
        grant(db, creator, product, D(2026, 3, 1), D(2026, 5, 1), nda_id=short.id)
    # Without one, the longest-lasting fitting NDA is chosen.
    assert grant(db, creator, product, D(2026, 3, 1), D(2026, 5, 1)).nda_id == long.id


def test_released_product_needs_no_nda(db, creator):
    public = ProductFactory(public_on=D(2026, 1, 1))
    g = grant(db, creator, public, D(2026, 1, 1), D(2026, 12, 31))
    assert g.nda_id is None and g.status == "active"
    assert services.product_is_released(public, D(2026, 1, 1))
    assert not services.product_is_released(public, D(2025, 12, 31))


def test_product_released_after_the_start_still_needs_the_nda(db, creator):
    later = ProductFactory(public_on=D(2026, 3, 2))
    with pytest.raises(Conflict, match="no signed NDA"):
        grant(db, creator, later, D(2026, 3, 1), D(2026, 4, 1))


def test_grant_dates_and_money_are_validated(db, creator, product, make_nda):
    make_nda(creator, [product])
    with pytest.raises(Invalid) as exc:
        grant(db, creator, product, D(2026, 5, 1), D(2026, 4, 1), monthly_value="1.001",
              currency="USD")  # fmt: skip
    assert set(exc.value.errors) == {"ends_on", "monthly_value"}


# --- R2 ------------------------------------------------------------------------------------


@pytest.fixture
def hook_calls():
    calls = []

    def hook(nda, *, suspended, **_kwargs):
        calls.append([g.id for g in suspended])

    nda_ended.connect(hook)
    yield calls
    nda_ended.disconnect(hook)


def test_terminating_an_nda_suspends_its_active_grants(db, creator, product, make_nda, hook_calls):
    nda = make_nda(creator, [product])
    g = grant(db, creator, product, D(2026, 3, 1), D(2026, 6, 1))
    services.transition_nda(db, ACTOR, nda, "terminated", D(2026, 4, 10))
    assert (nda.status, g.status, g.ended_on) == ("terminated", "suspended", D(2026, 4, 10))
    assert hook_calls == [[g.id]]
    assert events(db, "grant.suspend")[0].changes["nda_id"] == nda.id
    assert events(db, "nda.terminate")[0].changes == {"status": ["signed", "terminated"]}


def test_expiry_is_by_date_and_suspends_dependent_grants(db, creator, make_nda, hook_calls):
    open_ended = ProductFactory()
    nda = make_nda(creator, [open_ended], expires_on=D(2026, 6, 30))
    g = grant(db, creator, open_ended, D(2026, 3, 1), D(2026, 6, 30))
    g.ends_on = D(2026, 9, 1)  # extended outside the rules to see R2 act
    assert services.expire_ndas(db, D(2026, 6, 30)) == []  # last day: still in force
    assert services.expire_ndas(db, D(2026, 7, 1)) == [nda]
    assert nda.status == "expired" and g.status == "suspended"
    assert services.expire_ndas(db, D(2026, 7, 2)) == []  # twice changes nothing
    assert hook_calls == [[g.id]]
    event = events(db, "nda.expire")[0]
    assert event.actor_label == "system (agreements-expiry)" and event.actor_id is None


def test_released_product_is_not_suspended(db, creator, make_nda):
    p = ProductFactory(public_on=D(2026, 4, 1))
    nda = make_nda(creator, [p])
    g = grant(db, creator, p, D(2026, 3, 1), D(2026, 6, 1))
    services.transition_nda(db, ACTOR, nda, "terminated", D(2026, 4, 10))
    assert g.status == "active"


def test_grants_expire_by_date_once(db, creator, product, make_nda):
    make_nda(creator, [product])
    g = grant(db, creator, product, D(2026, 3, 1), D(2026, 4, 30))
    assert services.expire_grants(db, D(2026, 4, 30)) == []
    assert services.expire_grants(db, D(2026, 5, 1)) == [g]
    assert g.status == "expired" and g.ended_on == D(2026, 5, 1)
    assert services.expire_grants(db, D(2026, 5, 2)) == []
    assert len(events(db, "grant.expire")) == 1


def test_suspended_grant_resumes_under_a_new_nda(db, creator, product, make_nda):
    old = make_nda(creator, [product])
    g = grant(db, creator, product, D(2026, 3, 1), D(2026, 6, 1))
    services.transition_nda(db, ACTOR, old, "terminated", D(2026, 4, 1))
    with pytest.raises(Conflict, match="no signed NDA"):
        services.update_grant(db, ACTOR, g, D(2026, 4, 2), status="active")
    new = make_nda(creator, [product], effective_on=D(2026, 1, 1), expires_on=None)
    services.update_grant(db, ACTOR, g, D(2026, 4, 2), status="active")
    assert (g.status, g.nda_id, g.ended_on) == ("active", new.id, None)


def test_revoke_needs_a_reason_and_is_final(db, creator, product, make_nda):
    make_nda(creator, [product])
    g = grant(db, creator, product, D(2026, 3, 1), D(2026, 6, 1))
    with pytest.raises(Invalid):
        services.revoke_grant(db, ACTOR, g, "  ", D(2026, 4, 1))
    services.revoke_grant(db, ACTOR, g, "Leaked a screenshot.", D(2026, 4, 1))
    assert g.status == "revoked" and g.revoked_reason == "Leaked a screenshot."
    with pytest.raises(Conflict, match="Allowed from revoked: none"):
        services.revoke_grant(db, ACTOR, g, "again", D(2026, 4, 2))
    assert events(db, "grant.revoke")[0].changes["reason"] == "Leaked a screenshot."


# --- lifecycles (table-driven) ---------------------------------------------------------------

NDA_STATES = ("draft", "sent", "signed", "expired", "terminated")


@pytest.mark.parametrize("start", NDA_STATES)
@pytest.mark.parametrize("target", NDA_STATES)
def test_every_nda_transition(db, creator, product, make_nda, start, target):
    nda = make_nda(creator, [product], status=start)
    allowed = services.NDA_TRANSITIONS.allows(start, target)
    if allowed:
        signing = {"signed_on": D(2026, 3, 30), "on_paper": True} if target == "signed" else {}
        services.transition_nda(db, ACTOR, nda, target, D(2026, 4, 1), **signing)
        assert nda.status == target
    else:
        with pytest.raises(Conflict) as exc:
            services.transition_nda(db, ACTOR, nda, target, D(2026, 4, 1))
        assert f"Allowed from {start}:" in exc.value.detail
        assert nda.status == start


def test_nda_table_is_the_designed_lifecycle():
    lifecycle = services.NDA_TRANSITIONS
    assert {state: lifecycle.targets(state) for state in lifecycle.states} == {
        "draft": ("sent",),
        "sent": ("draft", "signed", "terminated"),
        "signed": ("terminated",),
        "expired": (),
        "terminated": (),
    }


def test_signing_needs_dates_and_products(db, creator):
    nda = services.create_nda(db, ACTOR, creator_id=creator.id)
    services.transition_nda(db, ACTOR, nda, "sent", D(2026, 1, 1))
    with pytest.raises(Invalid) as exc:
        services.transition_nda(db, ACTOR, nda, "signed", D(2026, 1, 1))
    assert set(exc.value.errors) == {"effective_on", "product_ids", "signed_on", "signed_on_paper"}


def test_nda_dates_validated(db, creator):
    with pytest.raises(Invalid) as exc:
        services.create_nda(
            db, ACTOR, creator_id=creator.id, effective_on=D(2026, 5, 1), expires_on=D(2026, 4, 1)
        )
    assert "expires_on" in exc.value.errors


def test_signed_nda_edit_cannot_uncover_a_grant(db, creator, product, make_nda):
    nda = make_nda(creator, [product])
    g = grant(db, creator, product, D(2026, 3, 1), D(2026, 6, 30))
    with pytest.raises(Conflict, match=f"grant #{g.id} uncovered"):
        services.update_nda(db, ACTOR, nda, expires_on=D(2026, 6, 29))
    services.update_nda(db, ACTOR, nda, expires_on=D(2026, 12, 31))
    assert events(db, "nda.update")[0].changes["expires_on"] == ["2026-06-30", "2026-12-31"]


DEAL_STATES = ("proposed", "negotiating", "signed", "active", "completed", "cancelled")


@pytest.mark.parametrize("start", DEAL_STATES)
@pytest.mark.parametrize("target", DEAL_STATES)
def test_every_deal_transition(db, creator, start, target):
    deal = services.create_deal(
        db, ACTOR, creator_id=creator.id, title="T", kind="paid", fee="10.00", currency="USD"
    )
    deal.status = start
    if start == target:
        return
    if services.DEAL_TRANSITIONS.allows(start, target):
        services.update_deal(db, ACTOR, deal, status=target)
        assert deal.status == target
    else:
        with pytest.raises(Conflict, match=f"Allowed from {start}:"):
            services.update_deal(db, ACTOR, deal, status=target)


@pytest.mark.parametrize("start", ("active", "suspended", "revoked", "expired"))
def test_grant_transitions(db, creator, product, make_nda, start):
    make_nda(creator, [product], effective_on=D(2026, 1, 1), expires_on=None)
    g = grant(db, creator, product, D(2026, 3, 1), D(2026, 6, 30))
    g.status = start
    if services.GRANT_TRANSITIONS.allows(start, "revoked"):
        services.revoke_grant(db, ACTOR, g, "reason", D(2026, 4, 1))
        assert g.status == "revoked"
    else:
        with pytest.raises(Conflict):
            services.revoke_grant(db, ACTOR, g, "reason", D(2026, 4, 1))


# --- deals, kinds, payments, money ---------------------------------------------------------


def deal(db, creator, **kw):
    kw.setdefault("title", "Deal")
    return services.create_deal(db, ACTOR, creator_id=creator.id, **kw)


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"kind": "paid"}, "fee"),
        ({"kind": "paid", "fee": "0", "currency": "USD"}, "fee"),
        ({"kind": "paid", "fee": "10", "currency": "USD", "in_kind_value": "5"}, "kind"),
        ({"kind": "in_kind", "fee": "10", "currency": "USD", "in_kind_value": "5"}, "fee"),
        ({"kind": "in_kind"}, "grant_ids"),
        ({"kind": "hybrid", "fee": "10", "currency": "USD"}, "grant_ids"),
        ({"kind": "hybrid", "in_kind_value": "10", "currency": "USD"}, "fee"),
        ({"kind": "barter"}, "kind"),
        ({"kind": "paid", "fee": "10.00"}, "currency"),
        ({"kind": "paid", "fee": "10.00", "currency": "XYZ"}, "currency"),
    ],
)
def test_deal_kinds_are_kept_consistent(db, creator, fields, bad):
    with pytest.raises(Invalid) as exc:
        deal(db, creator, **fields)
    assert bad in exc.value.errors


def test_valid_deal_kinds(db, creator, product, make_nda):
    make_nda(creator, [product])
    g = grant(db, creator, product, D(2026, 3, 1), D(2026, 4, 1))
    assert deal(db, creator, kind="paid", fee="1500.00", currency="USD").fee_minor == 150000
    assert deal(db, creator, kind="in_kind", grant_ids=[g.id]).fee_minor is None
    assert deal(db, creator, kind="in_kind", in_kind_value="5000", currency="JPY")
    h = deal(db, creator, kind="hybrid", fee="1", currency="EUR", grant_ids=[g.id])
    assert [x.id for x in h.grants] == [g.id]
    assert events(db, "deal.create")


def test_grants_of_another_creator_cannot_be_linked(db, creator, product):
    other = CreatorFactory()
    public = ProductFactory(public_on=D(2020, 1, 1))
    theirs = grant(db, other, public, D(2026, 1, 1), D(2026, 2, 1))
    with pytest.raises(Invalid) as exc:
        deal(db, creator, kind="in_kind", grant_ids=[theirs.id])
    assert "grant_ids" in exc.value.errors


def test_money_round_trips_exactly(db, creator):
    d = deal(db, creator, kind="paid", fee="0.30", currency="USD")
    services.add_payment(db, ACTOR, d, due_on=D(2026, 1, 1), amount="0.10", paid_on=D(2026, 1, 1))
    services.add_payment(db, ACTOR, d, due_on=D(2026, 2, 1), amount="0.20", paid_on=D(2026, 2, 1))
    totals = queries.totals_for([d], [], D(2026, 3, 1))
    from crm.common.money import to_decimal_string

    assert to_decimal_string(totals["USD"].paid, "USD") == "0.30"
    jpy = deal(db, creator, kind="paid", fee="1500", currency="JPY")
    assert jpy.fee_minor == 1500
    assert services.deal_snapshot(jpy)["fee"] == "1500"
    with pytest.raises(Invalid) as exc:
        deal(db, creator, kind="paid", fee="1500.5", currency="JPY")
    assert "0 decimal places" in exc.value.errors["fee"][0]
    with pytest.raises(Invalid):
        deal(db, creator, kind="paid", fee="10.001", currency="USD")


def test_payments_follow_the_deal(db, creator, product, make_nda):
    d = deal(db, creator, kind="paid", fee="100.00", currency="USD")
    with pytest.raises(Invalid) as exc:
        services.add_payment(db, ACTOR, d, due_on=D(2026, 1, 1), amount="5", currency="EUR")
    assert "currency" in exc.value.errors
    with pytest.raises(Invalid):
        services.add_payment(db, ACTOR, d, due_on=D(2026, 1, 1), amount="-5")
    p = services.add_payment(db, ACTOR, d, due_on=D(2026, 1, 1), amount="50.00")
    services.mark_paid(db, ACTOR, p, D(2026, 1, 3))
    with pytest.raises(Conflict):
        services.mark_paid(db, ACTOR, p, D(2026, 1, 4))
    make_nda(creator, [product])
    g = grant(db, creator, product, D(2026, 3, 1), D(2026, 4, 1))
    in_kind = deal(db, creator, kind="in_kind", grant_ids=[g.id])
    with pytest.raises(Conflict, match="no cash payments"):
        services.add_payment(db, ACTOR, in_kind, due_on=D(2026, 1, 1), amount="1", currency="USD")
    assert [e.action for e in events(db, "payment.paid")] == ["payment.paid"]


def test_full_cost_per_currency_never_mixes(db, creator, product, make_nda):
    make_nda(creator, [product], effective_on=D(2026, 1, 1), expires_on=None)
    # 365 active days of 100.00/month = 12 months = 1200.00.
    g = grant(db, creator, product, D(2026, 1, 1), D(2026, 12, 31), monthly_value="100.00",
              currency="USD")  # fmt: skip
    assert queries.active_days(g, D(2027, 6, 1)) == 365
    assert queries.in_kind_value(g, D(2027, 6, 1)) == 120000
    assert queries.in_kind_value(g, D(2026, 1, 1)) == 329  # one day: 100 × 12/365 = 3.29
    eur = deal(db, creator, kind="paid", fee="500.00", currency="EUR")
    services.add_payment(db, ACTOR, eur, due_on=D(2026, 1, 1), amount="200.00",
                         paid_on=D(2026, 1, 2))  # fmt: skip
    services.add_payment(db, ACTOR, eur, due_on=D(2026, 2, 1), amount="300.00")
    data = queries.creator_agreements(db, creator.id, D(2027, 6, 1))
    assert set(data.totals) == {"EUR", "USD"}
    assert data.totals["EUR"].paid == 20000 and data.totals["EUR"].due == 30000
    assert data.totals["EUR"].full_cost == 20000
    assert data.totals["USD"].full_cost == 120000
    services.revoke_grant(db, ACTOR, g, "ended early", D(2026, 1, 31))
    assert queries.active_days(g, D(2027, 6, 1)) == 30  # Jan 1–30; revoked on the 31st


def test_products_unique_names_and_audited_release(db):
    p = services.create_product(db, ACTOR, name="Nova", aliases=["nv", " NV ", "", "codename-x"])
    assert p.aliases == ["nv", "codename-x"]
    with pytest.raises(Invalid) as exc:
        services.create_product(db, ACTOR, name="nova")
    assert "name" in exc.value.errors
    seen = []

    def receiver(product, *, before, after, **_kwargs):
        seen.append((before, after))

    release_moved.connect(receiver)
    try:
        services.update_product(db, ACTOR, p, public_on=D(2026, 9, 1))
    finally:
        release_moved.disconnect(receiver)
    assert seen == [(None, D(2026, 9, 1))]
    assert events(db, "product.update")[0].changes == {"public_on": [None, "2026-09-01"]}


def test_expire_agreements_expires_a_finished_grant_instead_of_suspending(
    db, creator, product, make_nda
):
    nda = make_nda(creator, [product])
    g = grant(db, creator, product, D(2026, 3, 1), D(2026, 6, 30))
    result = services.expire_agreements(db, D(2026, 7, 1))
    assert result == {"grants_expired": 1, "ndas_expired": 1}
    assert g.status == "expired" and nda.status == "expired"


def test_cli_expire_with_a_given_day(app, db, runner, creator, product, make_nda):
    nda = make_nda(creator, [product], expires_on=D(2026, 6, 30))
    result = runner.invoke(args=["crm", "agreements", "expire", "--today", "2026-07-01"])
    assert result.exit_code == 0, result.output
    assert "Expired 1 NDA and 0 grants." in result.output
    db.refresh(nda)
    assert nda.status == "expired"
    again = runner.invoke(args=["crm", "agreements", "expire", "--today", "2026-07-01"])
    assert "Expired 0 NDAs" in again.output
