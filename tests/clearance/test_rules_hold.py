"""Not being cleared narrows what a user sees, never the rules: R1–R4 still see every record."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import select

from crm.agreements import clearance
from crm.agreements import services as agreements
from crm.agreements.models import Deal, Grant, Nda
from crm.approvals.models import RevisionCheck
from crm.auth.services import create_token
from tests.factories import CreatorFactory, DealFactory, NdaFactory, UserFactory

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def setup(db):
    admin = UserFactory(role="admin")
    manager = UserFactory(role="manager")
    db.flush()
    secret = agreements.create_product(db, admin, name="Orion Ultra", aliases=["Stargazer"])
    public = agreements.create_product(db, admin, name="Lumen Chat", public_on=date(2026, 1, 1))
    creator = CreatorFactory(owner_id=manager.id)
    db.flush()
    both = NdaFactory(
        creator_id=creator.id, effective_on=date(2026, 1, 1), expires_on=date(2027, 12, 31)
    )
    both.products = [secret, public]
    db.flush()
    grant = agreements.create_grant(
        db,
        admin,
        creator_id=creator.id,
        product_id=secret.id,
        nda_id=both.id,
        starts_on=date(2026, 2, 1),
        ends_on=date(2026, 12, 31),
    )
    open_grant = agreements.create_grant(
        db,
        admin,
        creator_id=creator.id,
        product_id=public.id,
        starts_on=date(2026, 2, 1),
        ends_on=date(2026, 12, 31),
    )
    deal = DealFactory(creator_id=creator.id, kind="hybrid", title="Spring")
    deal.grants = [grant, open_grant]
    _t, raw = create_token(db, manager, manager, "t")
    db.flush()
    assert secret.id in clearance.hidden_products(db, manager, NOW.date()).ids
    return {
        "creator": creator,
        "nda": both,
        "grant": grant,
        "open_grant": open_grant,
        "deal": deal,
        "secret": secret,
        "headers": {"Authorization": f"Bearer {raw}"},
    }


def test_an_uncleared_editor_cannot_rewrite_a_shared_nda(client, db, setup):
    url = f"/api/v1/ndas/{setup['nda'].id}"
    response = client.patch(url, headers=setup["headers"], json={"terms": "Rewritten."})
    assert response.status_code == 403
    assert "restricted product" in response.get_json()["detail"]
    db.refresh(setup["nda"])
    assert {p.id for p in setup["nda"].products} == {
        setup["secret"].id,
        setup["open_grant"].product_id,
    }


def test_ending_a_shared_nda_suspends_the_hidden_grant_too(client, db, setup):
    url = f"/api/v1/ndas/{setup['nda'].id}"
    response = client.patch(url, headers=setup["headers"], json={"status": "terminated"})
    assert response.status_code == 200, response.get_json()
    db.expire_all()
    assert db.get(Grant, setup["grant"].id).status == "suspended"  # R2 for every grant
    assert db.get(Nda, setup["nda"].id).status == "terminated"


def test_editing_a_deal_keeps_the_grants_the_editor_cannot_see(client, db, setup):
    url = f"/api/v1/deals/{setup['deal'].id}"
    shown = client.get(url, headers=setup["headers"]).get_json()
    assert shown["grant_ids"] == [setup["open_grant"].id]
    response = client.patch(
        url,
        headers=setup["headers"],
        json={"title": "Spring tour", "grant_ids": [setup["open_grant"].id]},
    )
    assert response.status_code == 200, response.get_json()
    db.expire_all()
    deal = db.get(Deal, setup["deal"].id)
    assert {g.id for g in deal.grants} == {setup["grant"].id, setup["open_grant"].id}


def test_the_leak_check_and_disclosure_rules_hold_for_an_uncleared_submitter(client, db, setup):
    # The creator's only material connection that day is the grant of the hidden product.
    db.get(Grant, setup["open_grant"].id).status = "revoked"
    db.delete(db.get(Deal, setup["deal"].id))
    db.flush()
    response = client.post(
        "/api/v1/submissions",
        headers=setup["headers"],
        json={
            "creator_id": setup["creator"].id,
            "platform": "instagram",
            "title": "Tour",
            "planned_for": "2026-03-20T15:00:00+00:00",
            "body": "A first look at Stargazer!",
        },
    )
    assert response.status_code == 201, response.get_json()
    checks = db.scalars(select(RevisionCheck)).all()
    codes = {c.code for c in checks}
    assert "unreleased_product" in codes  # R4: flagged, with the product recorded
    assert any(c.product_id == setup["secret"].id for c in checks)
    assert any(code.startswith("disclosure_") for code in codes)  # R3: the grant counts
    text = response.get_data(as_text=True)
    assert "Stargazer" not in text and "Orion" not in text and "a restricted product" in text
