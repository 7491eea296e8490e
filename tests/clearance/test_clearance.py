"""Who is cleared for an unreleased product: the rule, the API, the admin's page, the audit."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from crm.agreements import clearance
from crm.audit.models import AuditEvent
from crm.common.clearance import RESTRICTED, HiddenSet
from crm.common.timeutil import org_today
from tests.conftest import post_form
from tests.factories import ProductFactory, UserFactory


def test_names_and_aliases_are_replaced_as_whole_words_in_any_case():
    hidden = HiddenSet(frozenset({1}), ("Orion Ultra", "Orion", "ZP-9"))
    assert hidden.redact("orion ultra and ORION, zp-9.") == (
        f"{RESTRICTED} and {RESTRICTED}, {RESTRICTED}."
    )
    assert hidden.redact("Orionids and xzp-9y stay") == "Orionids and xzp-9y stay"
    assert hidden.redact("Orion\n  Ultra") == RESTRICTED


def test_who_is_cleared(app, db):
    today = org_today()
    secret = ProductFactory(name="Hush", aliases=["H1"], public_on=today + timedelta(days=3))
    open_ended = ProductFactory(name="Quiet", public_on=None)
    public = ProductFactory(name="Loud", public_on=today)
    admin, manager, listed = (UserFactory(role=r) for r in ("admin", "manager", "manager"))
    legal, viewer = UserFactory(role="legal"), UserFactory(role="viewer")
    db.flush()
    clearance.set_clearance(db, admin, secret, user_ids=[listed.id])
    with app.app_context():
        hidden = {
            u.role + str(u.id): clearance.hidden_products(db, u, today).ids
            for u in (admin, manager, listed, legal, viewer)
        }
        assert hidden["admin" + str(admin.id)] == frozenset()
        assert hidden["manager" + str(manager.id)] >= {secret.id, open_ended.id}
        assert public.id not in hidden["manager" + str(manager.id)]
        assert secret.id not in hidden["manager" + str(listed.id)]
        assert secret.id not in hidden["legal" + str(legal.id)]  # legal by default
        assert secret.id in hidden["viewer" + str(viewer.id)]
        clearance.set_clearance(db, admin, secret, legal_cleared=False)
        assert secret.id in clearance.hidden_products(db, legal, today).ids
        # On the public date it lifts by itself.
        assert secret.id not in clearance.hidden_products(db, manager, today + timedelta(3)).ids


def test_the_api_replaces_the_list_and_audits_it(client, db, api):
    _admin, headers = api("admin")
    product = ProductFactory(public_on=date(2099, 1, 1))
    a, b = UserFactory(role="manager"), UserFactory(role="viewer")
    db.flush()
    url = f"/api/v1/products/{product.id}/clearance"
    assert client.get(url, headers=headers).get_json() == {
        "product_id": product.id,
        "restricted": True,
        "legal_cleared": True,
        "user_ids": [],
    }
    put = client.put(url, headers=headers, json={"user_ids": [a.id, b.id]})
    assert put.status_code == 200 and put.get_json()["user_ids"] == sorted([a.id, b.id])
    put = client.put(url, headers=headers, json={"user_ids": [b.id], "legal_cleared": False})
    assert put.get_json()["user_ids"] == [b.id] and put.get_json()["legal_cleared"] is False
    events = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "product.clearance").order_by(AuditEvent.id)
    ).all()
    assert [e.changes for e in events] == [
        {"added_user_ids": sorted([a.id, b.id])},
        {"removed_user_ids": [a.id], "legal_cleared": [True, False]},
    ]
    bad = client.put(url, headers=headers, json={"user_ids": [b.id, 987654]})
    assert bad.status_code == 422
    assert bad.content_type.startswith("application/problem+json")
    assert "user_ids" in bad.get_json()["errors"]
    assert client.get(url, headers=headers).get_json()["user_ids"] == [b.id]  # nothing changed
    assert client.put(url, headers=headers, json={"user_ids": "x"}).status_code == 422
    assert (
        client.put(
            "/api/v1/products/999999/clearance", headers=headers, json={"user_ids": []}
        ).status_code
        == 404
    )
    for role in ("manager", "legal", "viewer"):
        _u, other = api(role)
        assert client.get(url, headers=other).status_code == 403
        assert client.put(url, headers=other, json={"user_ids": []}).status_code == 403


def test_the_admin_clears_users_by_name_on_the_product_page(client, db, login):
    admin = login("admin")
    product = ProductFactory(name="Hush Model", public_on=None)
    person = UserFactory(role="manager", name="Pat Person")
    db.flush()
    page = client.get(f"/agreements/products/{product.id}/edit").get_data(as_text=True)
    assert "Clearance" in page and "Pat Person (manager)" in page
    response = post_form(
        client,
        f"/agreements/products/{product.id}/clearance",
        {"user_ids": [str(person.id)], "legal_cleared": ""},
    )
    assert response.status_code == 302
    page = client.get(f"/agreements/products/{product.id}/edit").get_data(as_text=True)
    assert "added Pat Person" in page and "legal cleared: no" in page
    listed = db.scalars(
        select(clearance.ProductClearance.user_id).where(
            clearance.ProductClearance.product_id == product.id
        )
    ).all()
    assert listed == [person.id]
    db.refresh(product)
    assert product.legal_cleared is False
    bad = post_form(
        client, f"/agreements/products/{product.id}/clearance", {"user_ids": ["987654"]}
    )
    assert bad.status_code == 422
    assert admin.id is not None


def test_responses_are_redacted_in_text_and_attribute_values_never_in_markup():
    from flask import Response

    from crm.web.redaction import redact_body, redact_html

    hidden = HiddenSet(frozenset({1}), ("Orion Ultra", "O'Brien", "div"))
    html = (
        '<div class="div" title="Orion Ultra">orion ultra · <ins>Orion</ins> <ins>Ultra</ins>'
        " · O&#39;Brien</div>"
    )
    assert redact_html(html, hidden) == (
        f'<div class="{RESTRICTED}" title="{RESTRICTED}">{RESTRICTED} · '
        f"<ins>{RESTRICTED}</ins> · {RESTRICTED}</div>"
    )
    response = Response('{"div": "Orion Ultra", "n": [1, "x div y"]}', mimetype="application/json")
    redact_body(response, hidden)
    assert response.get_json() == {"div": RESTRICTED, "n": [1, f"x {RESTRICTED} y"]}
    calendar = "SUMMARY:Launch of Orion\r\n  Ultra\r\nEND:VEVENT"
    response = Response(calendar, mimetype="text/calendar")
    redact_body(response, hidden)
    assert response.get_data(as_text=True) == f"SUMMARY:Launch of {RESTRICTED}\r\nEND:VEVENT"


def test_an_email_to_an_uncleared_user_is_redacted_for_them(app, db):
    from crm.mail.services import enqueue

    ProductFactory(name="Hush Model", aliases=["HM-1"], public_on=None)
    manager = UserFactory(role="manager", email="pat@example.test")
    admin = UserFactory(role="admin", email="ada@example.test")
    db.flush()
    with app.app_context():
        sent = {
            user.email: enqueue(
                db,
                to=user.email,
                subject="Grant of Hush Model ends",
                text="HM-1 ends soon.",
                html="<p>Hush Model ends</p>",
                kind="test",
                idempotency_key=f"t:{user.id}",
            )
            for user in (manager, admin)
        }
    assert sent["pat@example.test"].subject == f"Grant of {RESTRICTED} ends"
    assert sent["pat@example.test"].text == f"{RESTRICTED} ends soon."
    assert sent["pat@example.test"].html == f"<p>{RESTRICTED} ends</p>"
    assert sent["ada@example.test"].subject == "Grant of Hush Model ends"
