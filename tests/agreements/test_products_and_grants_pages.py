"""Products read-only for managers and legal, released/unreleased marked in the forms; grants
shown as scheduled until they start, their value in words."""

from __future__ import annotations

from datetime import timedelta

from crm.common.timefmt import format_day
from crm.common.timeutil import org_today
from tests.conftest import post_form
from tests.factories import GrantFactory, ProductFactory


def test_managers_see_products_read_only_with_release_marked(client, login):
    today = org_today()
    ProductFactory(name="Public One", public_on=today - timedelta(days=3))
    ProductFactory(name="Secret Two", public_on=None)
    login("manager")
    page = client.get("/agreements/products/")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Public One" in body and "Secret Two" in body
    assert "released</span>" in body and "unreleased</span>" in body
    assert "Add product" not in body and "/edit" not in body
    assert post_form(client, "/agreements/products/", {"name": "Sneaky"}).status_code == 403
    post_form(client, "/logout")
    login("viewer")
    assert client.get("/agreements/products/").status_code == 403


def test_nda_and_grant_forms_mark_unreleased_products(client, login, creator):
    today = org_today()
    ProductFactory(name="Public One", public_on=today - timedelta(days=3))
    ProductFactory(name="Future Three", public_on=today + timedelta(days=10))
    login("manager")
    for url in (f"/agreements/ndas/new?creator_id={creator.id}",
                f"/agreements/grants/new?creator_id={creator.id}"):  # fmt: skip
        body = client.get(url).get_data(as_text=True)
        assert "Public One (released)" in body, url
        soon = (today + timedelta(days=10)).isoformat()
        assert f"Future Three (unreleased, public on {soon})" in body, url


def test_a_grant_starting_tomorrow_shows_scheduled(client, login, db, creator, product):
    today = org_today()
    grant = GrantFactory(
        creator_id=creator.id, product_id=product.id, starts_on=today + timedelta(days=1),
        ends_on=today + timedelta(days=30), monthly_value_minor=20000, currency="USD",
    )  # fmt: skip
    login("manager")
    body = client.get(f"/agreements/grants/{grant.id}").get_data(as_text=True)
    assert ">Scheduled<" in body
    assert f"nothing yet: access starts on {_time(grant.starts_on)}" in body
    assert "× 12 / 365" not in body
    grant.starts_on = today - timedelta(days=9)
    db.flush()
    body = client.get(f"/agreements/grants/{grant.id}").get_data(as_text=True)
    assert ">Active<" in body
    assert "200.00 USD a month, for 10 days of access so far (about 0.3 months)" in body


def _time(day) -> str:
    """A day as pages show it: a <time> element that does not wrap."""
    return f'<time datetime="{day.isoformat()}" class="when">{format_day(day)}</time>'
