"""The NDA, deal and grant lifecycles: every allowed move and every refusal, word for word.

The tables and messages below are written out by hand (not read from the services), so a
change to a lifecycle or to what a refusal says fails here."""

from __future__ import annotations

from datetime import date

import pytest

from crm.agreements import services
from crm.common.errors import Conflict, Invalid
from crm.common.states import StateMachine
from tests.agreements.conftest import ACTOR

D = date
TODAY = D(2026, 4, 1)

NDA = {
    "draft": ("sent",),
    "sent": ("draft", "signed", "terminated"),
    "signed": ("terminated",),
    "expired": (),
    "terminated": (),
}
DEAL = {
    "proposed": ("negotiating", "signed", "cancelled"),
    "negotiating": ("proposed", "signed", "cancelled"),
    "signed": ("active", "cancelled"),
    "active": ("completed", "cancelled"),
    "completed": (),
    "cancelled": (),
}
GRANT = {
    "active": ("revoked",),
    "suspended": ("active", "revoked"),
    "revoked": (),
    "expired": (),
}


def refusal(thing: str, table: dict, start: str, target: str) -> str:
    allowed = ", ".join(table[start]) or "none (it is final)"
    return f"Cannot change this {thing} from {start} to {target}. Allowed from {start}: {allowed}."


def refused(table: dict) -> list[tuple[str, str]]:
    return [(s, t) for s in table for t in table if t != s and t not in table[s]]


@pytest.mark.parametrize(
    ("lifecycle", "table"),
    [
        (services.NDA_TRANSITIONS, NDA),
        (services.DEAL_TRANSITIONS, DEAL),
        (services.GRANT_TRANSITIONS, GRANT),
    ],
)
def test_each_lifecycle_is_a_state_machine_with_the_designed_table(lifecycle, table):
    assert isinstance(lifecycle, StateMachine)
    assert lifecycle.states == tuple(table)
    for state, targets in table.items():
        assert lifecycle.targets(state) == targets
        assert lifecycle.is_final(state) == (not targets)


@pytest.mark.parametrize(("start", "target"), [*refused(NDA), ("draft", "bogus")])
def test_a_refused_nda_move_says_what_is_allowed(db, creator, product, make_nda, start, target):
    nda = make_nda(creator, [product], status=start)
    with pytest.raises(Conflict) as exc:
        services.transition_nda(db, ACTOR, nda, target, TODAY)
    assert exc.value.detail == refusal("NDA", NDA, start, target)
    assert nda.status == start


@pytest.mark.parametrize(("start", "target"), refused(NDA))
def test_the_api_edit_of_an_nda_refuses_with_the_same_words(
    db, creator, product, make_nda, start, target
):
    nda = make_nda(creator, [product], status=start)
    with pytest.raises(Conflict) as exc:
        services.edit_nda(db, ACTOR, nda, {"status": target}, TODAY)
    assert exc.value.detail == refusal("NDA", NDA, start, target)


@pytest.mark.parametrize(("start", "target"), refused(DEAL))
def test_a_refused_deal_move_says_what_is_allowed(db, creator, start, target):
    deal = services.create_deal(
        db, ACTOR, creator_id=creator.id, title="T", kind="paid", fee="10.00", currency="USD"
    )
    deal.status = start
    with pytest.raises(Conflict) as exc:
        services.update_deal(db, ACTOR, deal, status=target)
    assert exc.value.detail == refusal("deal", DEAL, start, target)
    assert deal.status == start


def test_an_unknown_deal_status_is_bad_input_not_a_refused_move(db, creator):
    deal = services.create_deal(
        db, ACTOR, creator_id=creator.id, title="T", kind="paid", fee="10.00", currency="USD"
    )
    with pytest.raises(Invalid) as exc:
        services.update_deal(db, ACTOR, deal, status="bogus")
    assert exc.value.errors == {
        "status": ["must be one of proposed, negotiating, signed, active, completed, cancelled"]
    }


def make_grant(db, creator, product, make_nda, status):
    make_nda(creator, [product], effective_on=D(2026, 1, 1), expires_on=None)
    g = services.create_grant(
        db, ACTOR, creator_id=creator.id, product_id=product.id, starts_on=D(2026, 3, 1),
        ends_on=D(2026, 6, 30),
    )  # fmt: skip
    g.status = status
    return g


@pytest.mark.parametrize(("start", "target"), refused(GRANT))
def test_a_refused_grant_move_says_what_is_allowed(db, creator, product, make_nda, start, target):
    g = make_grant(db, creator, product, make_nda, start)
    with pytest.raises(Conflict) as exc:
        services.update_grant(db, ACTOR, g, TODAY, status=target)
    assert exc.value.detail == refusal("grant", GRANT, start, target)
    assert g.status == start


@pytest.mark.parametrize("start", [s for s in GRANT if "revoked" not in GRANT[s]])
def test_revoking_a_finished_grant_says_it_is_final(db, creator, product, make_nda, start):
    g = make_grant(db, creator, product, make_nda, start)
    with pytest.raises(Conflict) as exc:
        services.revoke_grant(db, ACTOR, g, "reason", TODAY)
    assert exc.value.detail == refusal("grant", GRANT, start, "revoked")


@pytest.mark.parametrize("start", [s for s in GRANT if "revoked" in GRANT[s]])
def test_revoked_through_the_edit_asks_for_revoke(db, creator, product, make_nda, start):
    g = make_grant(db, creator, product, make_nda, start)
    with pytest.raises(Invalid) as exc:
        services.update_grant(db, ACTOR, g, TODAY, status="revoked")
    assert exc.value.errors == {"status": ["use revoke, which needs a reason"]}
    assert g.status == start
