"""Custom fields on deals: the API (create, patch, filter), the form and the page."""

from __future__ import annotations

from sqlalchemy import select

from crm.agreements.models import Deal
from crm.audit.models import AuditEvent
from tests.conftest import post_form
from tests.factories import DealFactory


def _define(client, api):
    _a, admin = api("admin")
    for body in (
        {
            "entity": "deal",
            "key": "po_number",
            "label": "PO number",
            "type": "text",
            "required": True,
        },
        {
            "entity": "deal",
            "key": "channel",
            "label": "Channel",
            "type": "choice",
            "choices": ["video", "stream"],
        },
    ):
        assert client.post("/api/v1/custom-fields", json=body, headers=admin).status_code == 201


def test_deal_values_through_the_api(client, db, api, creator):
    _define(client, api)
    _m, headers = api("manager")
    base = {
        "creator_id": creator.id,
        "title": "Spring",
        "kind": "paid",
        "fee": "100.00",
        "currency": "USD",
    }
    r = client.post("/api/v1/deals", json=base, headers=headers)
    assert r.status_code == 422 and "custom_fields.po_number" in r.get_json()["errors"]
    r = client.post(
        "/api/v1/deals",
        json=base | {"custom_fields": {"po_number": "PO-7", "channel": "video"}},
        headers=headers,
    )
    assert r.status_code == 201, r.get_json()
    deal = r.get_json()
    assert deal["custom_fields"] == {"po_number": "PO-7", "channel": "video"}
    r = client.patch(
        f"/api/v1/deals/{deal['id']}",
        json={"custom_fields": {"channel": "stream"}},
        headers=headers,
    )
    assert r.status_code == 200 and r.get_json()["custom_fields"]["channel"] == "stream"
    r = client.patch(
        f"/api/v1/deals/{deal['id']}", json={"custom_fields": {"channel": "radio"}}, headers=headers
    )
    assert r.status_code == 422
    items = client.get("/api/v1/deals?cf.channel=stream", headers=headers).get_json()["items"]
    assert [i["id"] for i in items] == [deal["id"]]
    assert client.get("/api/v1/deals?cf.channel=video", headers=headers).get_json()["items"] == []
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "deal.update")).all()[-1]
    assert event.changes["custom_fields"][1]["channel"] == "stream"
    spec = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert spec["DealOut"]["properties"]["custom_fields"] == {
        "$ref": "#/components/schemas/CustomFieldsDeal"
    }
    assert spec["CustomFieldsDeal"]["properties"]["channel"]["enum"] == ["video", "stream", None]


def test_deal_form_and_page(client, db, api, login, creator):
    _define(client, api)
    login("manager")
    deal = DealFactory(
        creator_id=creator.id,
        kind="in_kind",
        fee_minor=None,
        currency=None,
        custom_fields={"po_number": "PO-1"},
    )
    page = client.get(f"/agreements/deals/{deal.id}/edit").get_data(as_text=True)
    assert 'name="cf_po_number"' in page and 'value="PO-1"' in page
    data = {
        "title": deal.title,
        "kind": "paid",
        "fee": "1500.00",
        "currency": "USD",
        "cf_po_number": "PO-2",
        "cf_channel": "video",
    }
    r = post_form(client, f"/agreements/deals/{deal.id}/edit", data)
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    db.expire_all()
    assert db.get(Deal, deal.id).custom_fields == {"po_number": "PO-2", "channel": "video"}
    detail = client.get(f"/agreements/deals/{deal.id}").get_data(as_text=True)
    assert "PO number" in detail and "PO-2" in detail
    r = post_form(client, f"/agreements/deals/{deal.id}/edit", data | {"cf_po_number": ""})
    assert r.status_code == 422 and "is required" in r.get_data(as_text=True)
