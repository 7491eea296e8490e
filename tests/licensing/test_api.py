"""The licensing API: works, consents, the consent check, licences, payouts, registry."""

from __future__ import annotations

import re
import time
from datetime import date

from sqlalchemy import func, insert, select

from crm.common.labels import LABELS
from crm.licensing import services
from crm.licensing.models import Work

FAR_PAST = date(2020, 1, 1)


def _bulk_works(db, creators, per_creator):
    rows = [
        {
            "creator_id": c.id,
            "kind": ("image", "text", "video")[n % 3],
            "title": f"Bulk {c.id}-{n}",
            "url": f"https://bulk.example.com/{c.id}/{n}",
            "sha256": f"{c.id:032x}{n:032x}",
            "rights": "creator",
        }
        for c in creators
        for n in range(per_creator)
    ]
    db.execute(insert(Work), rows)
    db.flush()
    return list(db.scalars(select(Work).where(Work.url.like("https://bulk.example.com/%"))))


def test_consent_check_on_10000_items(client, api, db, make_creator, make_consent, count_queries):
    _user, headers = api("viewer")
    creators = [make_creator() for _ in range(40)]
    works = _bulk_works(db, creators, 150)  # 6,000 works
    for i, c in enumerate(creators):
        make_consent(c, decision="allowed", effective_on=FAR_PAST)
        if i % 2:
            make_consent(c, kind="text", decision="not_allowed", effective_on=FAR_PAST)
        if i % 5 == 0:
            make_consent(
                c,
                kind="image",
                decision="constrained",
                constraint="credit me",
                effective_on=FAR_PAST,
            )
    for w in works[::97]:
        make_consent(
            db.get(type(creators[0]), w.creator_id),
            work=w,
            decision="not_allowed",
            effective_on=FAR_PAST,
        )
    items = [{"url": w.url.upper().replace("HTTPS://BULK", "https://Bulk")} for w in works[:5000]]
    items += [{"sha256": w.sha256} for w in works[5000:6000]]
    items += [{"url": f"https://nowhere.example.com/{n}"} for n in range(3000)]
    items += [{"sha256": f"{n:064x}"} for n in range(1000)]
    assert len(items) == 10_000

    warm = client.post(  # the first request of a token also records its use
        "/api/v1/consent/check", json={"use": "ai_training", "items": items[:1]}, headers=headers
    )
    assert warm.status_code == 200
    with count_queries() as small:
        response = client.post(
            "/api/v1/consent/check",
            json={"use": "ai_training", "items": items[:10]},
            headers=headers,
        )
    assert response.status_code == 200
    with count_queries() as big:
        started = time.perf_counter()
        response = client.post(
            "/api/v1/consent/check", json={"use": "ai_training", "items": items}, headers=headers
        )
        elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.get_data(as_text=True)
    print(f"\nconsent check, 10,000 items: {elapsed * 1000:.0f} ms, {big.count} queries")
    assert big.count == small.count  # the bound does not grow with the items
    assert elapsed < 10
    answers = response.get_json()["items"]
    assert len(answers) == 10_000
    # Every known item agrees with the one-work resolution; unknown ones are not allowed.
    day = date.fromisoformat(response.get_json()["as_of"])
    for n in range(0, 6000, 37):
        expected = services.effective_decision(db, works[n], "ai_training", day)
        assert answers[n]["work_id"] == works[n].id
        assert answers[n]["decision"] == expected.decision
        assert (answers[n]["why"] or {}).get("consent_id") == getattr(expected.consent, "id", None)
    assert {a["decision"] for a in answers[:6000]} == {"allowed", "not_allowed", "constrained"}
    assert all(
        a == {**a, "decision": "not_allowed", "reason": "unknown work", "work_id": None}
        for a in answers[6000:]
    )


def test_consent_check_limits_and_validation(client, api):
    _user, headers = api("manager")
    too_many = [{"url": f"https://x.example/{n}"} for n in range(10_001)]
    response = client.post(
        "/api/v1/consent/check", json={"use": "ai_training", "items": too_many}, headers=headers
    )
    assert response.status_code == 422
    assert "items" in response.get_json()["errors"]
    bad = client.post(
        "/api/v1/consent/check",
        json={
            "use": "ai_fun",
            "items": [{"url": "https://a.example/", "sha256": "a" * 64}, {"sha256": "xyz"}],
        },
        headers=headers,
    )
    assert bad.status_code == 422
    assert {"use", "items.0", "items.1.sha256"} <= set(bad.get_json()["errors"])


def test_works_batch_is_all_or_nothing(client, api, db, make_creator):
    _user, headers = api("manager")
    creator = make_creator()
    batch = [
        {"creator_id": creator.id, "kind": "image", "title": "A", "url": "https://a.example/1"},
        {"creator_id": creator.id, "kind": "image", "title": "B", "url": "not a url"},
        {"creator_id": creator.id, "kind": "image", "title": "C", "url": "https://a.example/1"},
        {"creator_id": creator.id, "kind": "image", "url": "https://a.example/4"},
    ]
    response = client.post("/api/v1/works", json=batch, headers=headers)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"items.3.title"}  # shape first: field errors of the body
    batch[3]["title"] = "D"
    errors = client.post("/api/v1/works", json=batch, headers=headers).get_json()["errors"]
    assert set(errors) == {"items.1.url", "items.2.url"}
    assert (
        db.scalar(select(func.count()).select_from(Work).where(Work.creator_id == creator.id)) == 0
    )
    ok = client.post("/api/v1/works", json=[batch[0], batch[3]], headers=headers)
    assert ok.status_code == 201
    assert [w["title"] for w in ok.get_json()["items"]] == ["A", "D"]
    one = client.post(
        "/api/v1/works",
        json={"creator_id": creator.id, "kind": "text", "title": "E", "url": "https://a.example/5"},
        headers=headers,
    )
    assert one.status_code == 201
    work_id = one.get_json()["id"]
    listed = client.get(f"/api/v1/works?creator_id={creator.id}&kind=text", headers=headers)
    assert [w["id"] for w in listed.get_json()["items"]] == [work_id]
    patched = client.patch(f"/api/v1/works/{work_id}", json={"title": "E2"}, headers=headers)
    assert patched.get_json()["title"] == "E2"
    shown = client.get(f"/api/v1/works/{work_id}", headers=headers).get_json()
    assert shown["decisions"]["ai_training"]["decision"] == "not_allowed"
    _v, viewer = api("viewer")
    assert client.post("/api/v1/works", json=batch[:1], headers=viewer).status_code == 403


def test_consents_create_revoke_and_list(client, api, db, make_creator, make_work):
    _user, headers = api("legal")
    creator = make_creator()
    work = make_work(creator)
    response = client.post(
        "/api/v1/consents",
        json={
            "creator_id": creator.id,
            "work_id": work.id,
            "use": "ai_training",
            "decision": "allowed",
            "source": "c2pa",
            "evidence": "manifest",
            "effective_on": "2024-01-01",
        },
        headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    consent = response.get_json()
    assert consent["scope"] == "work"
    both = client.post(
        "/api/v1/consents",
        json={
            "creator_id": creator.id,
            "work_id": work.id,
            "kind": "image",
            "use": "ai_training",
            "decision": "allowed",
            "source": "c2pa",
            "effective_on": "2024-01-01",
        },
        headers=headers,
    )
    assert both.status_code == 422 and "kind" in both.get_json()["errors"]
    revoked = client.post(
        f"/api/v1/consents/{consent['id']}/revoke",
        json={"revoked_on": "2024-06-01"},
        headers=headers,
    )
    assert revoked.get_json()["revoked_on"] == "2024-06-01"
    again = client.post(f"/api/v1/consents/{consent['id']}/revoke", json={}, headers=headers)
    assert again.status_code == 409
    listed = client.get(f"/api/v1/consents?work_id={work.id}", headers=headers).get_json()
    assert [c["id"] for c in listed["items"]] == [consent["id"]]
    assert client.get(f"/api/v1/consents/{consent['id']}", headers=headers).status_code == 200


def _licence_setup(db, make_creator, make_work, make_consent):
    creator = make_creator()
    allowed = [make_work(creator, title=f"Allowed {n}") for n in range(2)]
    refused = make_work(creator, title="Refused one")
    make_consent(creator, decision="allowed", effective_on=FAR_PAST)
    make_consent(creator, work=refused, decision="not_allowed", effective_on=FAR_PAST)
    return creator, allowed, refused


def test_licence_and_payouts_through_the_api(
    client, api, db, make_creator, make_work, make_consent
):
    _user, headers = api("manager")
    creator, allowed, refused = _licence_setup(db, make_creator, make_work, make_consent)
    body = {
        "creator_id": creator.id,
        "title": "Per work",
        "uses": ["ai_training"],
        "fee_model": "per_work",
        "rate": "2.50",
        "currency": "EUR",
        "starts_on": "2024-01-01",
        "work_ids": [w.id for w in allowed] + [refused.id],
    }
    refusal = client.post("/api/v1/licences", json=body, headers=headers)
    assert refusal.status_code == 409
    assert f'"Refused one" (#{refused.id}' in refusal.get_json()["detail"]
    body["work_ids"] = [w.id for w in allowed]
    created = client.post("/api/v1/licences", json=body, headers=headers)
    assert created.status_code == 201
    licence = created.get_json()
    assert licence["rate"] == "2.50" and licence["rate_unit"] == "money"
    payout = client.post(
        f"/api/v1/licences/{licence['id']}/payouts", json={"period": "2024-02"}, headers=headers
    )
    assert payout.status_code == 201
    assert payout.get_json()["amount"] == "5.00" and payout.get_json()["works_count"] == 2
    dup = client.post(
        f"/api/v1/licences/{licence['id']}/payouts", json={"period": "2024-02"}, headers=headers
    )
    assert dup.status_code == 409
    paid = client.post(
        f"/api/v1/licences/{licence['id']}/payouts/{payout.get_json()['id']}/paid",
        json={"paid_on": "2024-03-05"},
        headers=headers,
    )
    assert paid.get_json()["status"] == "paid"
    patched = client.patch(
        f"/api/v1/licences/{licence['id']}",
        json={"rate": "3.00", "fee_model": "flat"},
        headers=headers,
    )
    assert patched.status_code == 422  # fee model cannot change
    patched = client.patch(
        f"/api/v1/licences/{licence['id']}", json={"rate": "3.00"}, headers=headers
    )
    assert patched.get_json()["rate"] == "3.00"
    listed = client.get(f"/api/v1/licences/{licence['id']}/payouts", headers=headers).get_json()
    assert [p["amount"] for p in listed["items"]] == ["5.00"]  # stored, not recomputed


def test_viewer_never_sees_money_in_the_api(client, api, db, make_creator, make_work, make_consent):
    _m, manager = api("manager")
    _v, viewer = api("viewer")
    creator, _allowed, _refused = _licence_setup(db, make_creator, make_work, make_consent)
    licence = client.post(
        "/api/v1/licences",
        json={
            "creator_id": creator.id,
            "title": "Share",
            "uses": ["ai_training"],
            "fee_model": "revenue_share",
            "rate": "15",
            "currency": "USD",
            "starts_on": "2024-01-01",
            "all_allowed_works": True,
        },
        headers=manager,
    ).get_json()
    client.post(
        f"/api/v1/licences/{licence['id']}/payouts",
        json={"period": "2024-01", "revenue": "98765.43"},
        headers=manager,
    )
    for url in (
        "/api/v1/licences",
        f"/api/v1/licences/{licence['id']}",
        f"/api/v1/licences/{licence['id']}/payouts",
    ):
        response = client.get(url, headers=viewer)
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        assert not re.search(r'"(rate|amount|revenue)"', text), url
        assert "98765" not in text and "14814" not in text
        assert '"amount"' in client.get(url, headers=manager).get_data(as_text=True) or (
            "payouts" not in url
        )
    assert (
        client.post(
            f"/api/v1/licences/{licence['id']}/payouts",
            json={"period": "2024-02", "revenue": "1"},
            headers=viewer,
        ).status_code
        == 403
    )


def test_registry_export_pages_and_matches_the_grid(
    client, api, login, db, make_creator, make_work, make_consent
):
    _user, headers = api("viewer")
    creator = make_creator()
    works = [make_work(creator, kind=("image", "text")[n % 2]) for n in range(7)]
    make_consent(creator, decision="allowed", effective_on=FAR_PAST, use="data_mining")
    make_consent(
        creator, kind="text", decision="not_allowed", effective_on=FAR_PAST, use="data_mining"
    )
    make_consent(
        creator,
        work=works[0],
        decision="constrained",
        constraint="credit",
        effective_on=FAR_PAST,
        use="ai_training",
    )
    revoked = make_consent(creator, decision="allowed", effective_on=FAR_PAST, use="ai_inference")
    revoked.revoked_on = date(2021, 1, 1)
    db.flush()
    exported = {}
    url = f"/api/v1/registry.json?creator_id={creator.id}&limit=3"
    pages = 0
    while url:
        body = client.get(url, headers=headers).get_json()
        pages += 1
        for item in body["items"]:
            exported[item["work_id"]] = {u: d["decision"] for u, d in item["decisions"].items()}
        cursor = body["next_cursor"]
        url = (
            f"/api/v1/registry.json?creator_id={creator.id}&limit=3&cursor={cursor}"
            if (cursor)
            else None
        )
    assert pages == 3 and set(exported) == {w.id for w in works}
    # The grid on the creator's page shows the same decisions.
    login("viewer")
    html = client.get(f"/licensing/creators/{creator.id}").get_data(as_text=True)
    cells = re.findall(
        r'data-use="(\w+)" data-work="(\d+)">\s*<span class="badge[^"]*">([\w ]+)</span>', html
    )
    shown: dict[int, dict[str, str]] = {}
    code_of = {words: code for code, words in LABELS["consent_decision"].items()}
    for use, work_id, decision in cells:  # the grid shows words; read them back as codes
        shown.setdefault(int(work_id), {})[use] = code_of[decision]
    assert shown == exported
    assert exported[works[0].id]["ai_training"] == "constrained"
    assert exported[works[1].id]["data_mining"] == "not_allowed"
    assert exported[works[2].id]["data_mining"] == "allowed"
    assert exported[works[2].id]["ai_inference"] == "not_allowed"
    bad = client.get("/api/v1/registry.json?limit=5000", headers=headers)
    assert bad.status_code == 422
