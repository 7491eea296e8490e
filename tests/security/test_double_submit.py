"""A form posted twice creates one record (the one-time form nonce)."""

from __future__ import annotations

import re
import threading
import time

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from crm.agreements.models import Payment
from crm.creators.models import Creator
from crm.db import make_engine
from crm.web import nonces
from tests.conftest import post_form
from tests.factories import DealFactory

NONCE_RE = re.compile(r'name="form_nonce" value="([^"]+)"')


def _nonce(client, url: str) -> str:
    return NONCE_RE.search(client.get(url).get_data(as_text=True)).group(1)


def test_the_creator_form_posted_twice_makes_one_creator(client, login, db):
    login("manager")
    nonce = _nonce(client, "/creators/new")
    data = {"display_name": "Twice Posted", "status": "prospect", "form_nonce": nonce}
    first = post_form(client, "/creators/new", data)
    assert first.status_code == 302
    second = post_form(client, "/creators/new", data)
    assert second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    count = db.scalar(select(func.count()).where(Creator.display_name == "Twice Posted"))
    assert count == 1
    page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "already submitted" in page
    # A new form (a new nonce) makes a second record, as the user asked.
    data["form_nonce"] = _nonce(client, "/creators/new")
    assert post_form(client, "/creators/new", data).status_code == 302
    assert db.scalar(select(func.count()).where(Creator.display_name == "Twice Posted")) == 2


def test_a_refused_post_keeps_its_nonce_for_the_corrected_one(client, login, db):
    login("manager")
    nonce = _nonce(client, "/creators/new")
    bad = post_form(client, "/creators/new", {"display_name": "", "form_nonce": nonce})
    assert bad.status_code == 422
    assert f'value="{nonce}"' in bad.get_data(as_text=True)
    good = {"display_name": "Fixed Later", "status": "prospect", "form_nonce": nonce}
    assert post_form(client, "/creators/new", good).status_code == 302


def test_the_payment_form_posted_twice_makes_one_payment(client, login, db, creator):
    login("manager")
    deal = DealFactory(creator_id=creator.id)
    url = f"/agreements/deals/{deal.id}"
    data = {"due_on": "2026-02-01", "amount": "10.00", "form_nonce": _nonce(client, url)}
    assert post_form(client, f"{url}/payments", data).status_code == 302
    assert post_form(client, f"{url}/payments", data).status_code == 303
    assert db.scalar(select(func.count()).where(Payment.deal_id == deal.id)) == 1


def test_another_users_post_of_a_nonce_learns_nothing(client, login, db, app):
    login("manager")
    nonce = _nonce(client, "/creators/new")
    data = {"display_name": "Mine Only", "status": "prospect", "form_nonce": nonce}
    assert post_form(client, "/creators/new", data).status_code == 302
    other = app.test_client()
    from tests.conftest import log_in
    from tests.factories import UserFactory

    log_in(other, UserFactory(role="manager"))
    response = post_form(other, "/creators/new", data)
    assert response.status_code == 409
    assert "already submitted" in response.get_data(as_text=True)


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def test_two_posts_at_once_store_the_nonce_once(app, engine):
    """Each thread has its own session on its own connection: the database arbitrates."""
    nonce = "concurrent-nonce-0123456789"
    results: list[str] = []
    first_in = threading.Event()

    def post(delay: float) -> None:
        with app.test_request_context("/"), Session(engine) as s:
            if delay:
                first_in.wait(5)
            try:
                nonces.claim(s, nonce)
                s.add(Creator(display_name="Raced", search_name="raced"))
                s.flush()
                first_in.set()
                time.sleep(delay or 0.3)  # hold the transaction while the other one tries
                s.commit()
                results.append("created")
            except nonces.AlreadySubmitted:
                s.rollback()
                results.append("already")

    threads = [threading.Thread(target=post, args=(d,)) for d in (0, 0.01)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        assert sorted(results) == ["already", "created"]
        with Session(engine) as s:
            assert s.scalar(select(func.count()).where(Creator.display_name == "Raced")) == 1
    finally:
        with Session(engine) as s:
            s.execute(delete(nonces.FormNonce).where(nonces.FormNonce.nonce == nonce))
            s.execute(delete(Creator).where(Creator.display_name == "Raced"))
            s.commit()
