"""API: money as decimal strings, omitted for viewers; R1 refusal as a 409 problem."""

from __future__ import annotations

from tests.factories import DealFactory


def test_r1_refusal_is_a_409_problem(client, api, creator, product):
    _u, headers = api("manager")
    body = {"creator_id": creator.id, "product_id": product.id,
            "starts_on": "2026-03-01", "ends_on": "2026-04-01"}  # fmt: skip
    response = client.post("/api/v1/grants", json=body, headers=headers)
    assert response.status_code == 409
    assert response.content_type.startswith("application/problem+json")
    assert "has no signed NDA" in response.get_json()["detail"]


def test_grant_money_and_viewer_redaction(client, api, creator, product, make_nda):
    make_nda(creator, [product])
    _u, headers = api("manager")
    body = {"creator_id": creator.id, "product_id": product.id, "starts_on": "2026-03-01",
            "ends_on": "2026-06-30", "monthly_value": "0.10", "currency": "USD"}  # fmt: skip
    created = client.post("/api/v1/grants", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    data = created.get_json()
    assert data["monthly_value"] == "0.10" and data["currency"] == "USD"
    _v, viewer = api("viewer")
    seen = client.get(f"/api/v1/grants/{data['id']}", headers=viewer).get_json()
    assert "monthly_value" not in seen and "currency" not in seen
    listed = client.get(f"/api/v1/grants?creator_id={creator.id}", headers=viewer).get_json()
    assert listed["items"] and all("monthly_value" not in g for g in listed["items"])
    revoke = client.post(f"/api/v1/grants/{data['id']}/revoke", json={"reason": "ended"},
                         headers=headers)  # fmt: skip
    assert revoke.status_code == 200 and revoke.get_json()["status"] == "revoked"


def test_deal_payments_round_trip_and_viewer_sees_no_amount(client, api, creator):
    _u, headers = api("manager")
    deal = client.post(
        "/api/v1/deals",
        json={"creator_id": creator.id, "title": "T", "kind": "paid", "fee": "0.30",
              "currency": "USD"},
        headers=headers,
    ).get_json()  # fmt: skip
    pay_url = f"/api/v1/deals/{deal['id']}/payments"
    for amount in ("0.10", "0.20"):
        r = client.post(pay_url, json={"due_on": "2026-01-01", "amount": amount}, headers=headers)
        assert r.status_code == 201 and r.get_json()["amount"] == amount
    bad = client.post(pay_url, json={"due_on": "2026-01-01", "amount": "0.001"}, headers=headers)
    assert bad.status_code == 422 and "amount" in bad.get_json()["errors"]
    number = client.post(f"/api/v1/deals/{deal['id']}/payments",
                         json={"due_on": "2026-01-01", "amount": 0.1}, headers=headers)  # fmt: skip
    assert number.status_code == 422  # floats are refused: amounts are decimal strings
    full = client.get(f"/api/v1/deals/{deal['id']}", headers=headers).get_json()
    assert full["fee"] == "0.30" and [p["amount"] for p in full["payments"]] == ["0.10", "0.20"]
    _v, viewer = api("viewer")
    for url in (f"/api/v1/deals/{deal['id']}", f"/api/v1/deals/{deal['id']}/payments",
                f"/api/v1/deals?creator_id={creator.id}"):  # fmt: skip
        text = client.get(url, headers=viewer).get_data(as_text=True)
        assert "0.30" not in text and "0.10" not in text and "USD" not in text, url
    jpy = client.post(
        "/api/v1/deals",
        json={"creator_id": creator.id, "title": "J", "kind": "paid", "fee": "1500",
              "currency": "JPY"},
        headers=headers,
    ).get_json()  # fmt: skip
    assert jpy["fee"] == "1500"


def test_deal_status_patch_follows_the_lifecycle(client, api, db, creator):
    deal = DealFactory(creator_id=creator.id, status="proposed")
    _u, headers = api("manager")
    r = client.patch(f"/api/v1/deals/{deal.id}", json={"status": "completed"}, headers=headers)
    assert r.status_code == 409 and "Allowed from proposed" in r.get_json()["detail"]
    r = client.patch(f"/api/v1/deals/{deal.id}", json={"status": "signed"}, headers=headers)
    assert r.status_code == 200 and r.get_json()["status"] == "signed"


def test_nda_api_lifecycle_and_roles(client, api, creator, product):
    _l, legal = api("legal")
    r = client.post("/api/v1/ndas", json={"creator_id": creator.id, "product_ids": [product.id],
                    "effective_on": "2026-01-01"}, headers=legal)  # fmt: skip
    assert r.status_code == 201 and r.get_json()["status"] == "draft"
    nda_id = r.get_json()["id"]
    bad = client.patch(f"/api/v1/ndas/{nda_id}", json={"status": "expired"}, headers=legal)
    assert bad.status_code == 409 and "Allowed from draft: sent" in bad.get_json()["detail"]
    ok = client.patch(f"/api/v1/ndas/{nda_id}", json={"status": "sent"}, headers=legal)
    assert ok.get_json()["status"] == "sent"
    unsigned = client.patch(f"/api/v1/ndas/{nda_id}", json={"status": "signed"}, headers=legal)
    assert unsigned.status_code == 422
    ok = client.patch(
        f"/api/v1/ndas/{nda_id}",
        json={"status": "signed", "signed_on": "2026-01-02", "signed_on_paper": True},
        headers=legal,
    )
    assert ok.get_json()["status"] == "signed" and ok.get_json()["signed_on"] == "2026-01-02"
    _v, viewer = api("viewer")
    assert client.post("/api/v1/ndas", json={}, headers=viewer).status_code == 403
    assert client.get(f"/api/v1/ndas/{nda_id}", headers=viewer).status_code == 200
    assert client.post("/api/v1/ndas", json={"creator_id": creator.id, "id": 5},
                       headers=legal).status_code == 422  # fmt: skip


def test_products_api(client, api):
    _a, admin = api("admin")
    r = client.post("/api/v1/products", json={"name": "Nova", "aliases": ["nv"]}, headers=admin)
    assert r.status_code == 201 and r.get_json()["released"] is False
    pid = r.get_json()["id"]
    r = client.patch(f"/api/v1/products/{pid}", json={"public_on": "2020-01-01"}, headers=admin)
    assert r.get_json()["released"] is True
    _m, manager = api("manager")
    assert client.post("/api/v1/products", json={"name": "X"}, headers=manager).status_code == 403
    dup = client.post("/api/v1/products", json={"name": "nova"}, headers=admin)
    assert dup.status_code == 422
