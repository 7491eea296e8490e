"""The submissions API's filters narrow the list, never need-to-know: a filtered page of an
uncleared caller still reads "a restricted product" where a submission names a hidden one,
and the creator search (`q`) is about creators, not a way to look for a product's name."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
import time_machine

from crm.agreements import clearance
from crm.agreements import services as agreements
from crm.approvals import services as approvals
from crm.approvals.services import RevisionInput
from crm.auth.services import create_token
from crm.common.clearance import RESTRICTED
from tests.factories import CreatorFactory, UserFactory

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
SECRET = re.compile(r"orion\s+ultra|stargazer", re.IGNORECASE)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def w(db):
    admin = UserFactory(role="admin")
    uncleared = UserFactory(role="manager")
    cleared = UserFactory(role="manager")
    db.flush()
    secret = agreements.create_product(db, admin, name="Orion Ultra", aliases=["Stargazer"])
    clearance.set_clearance(db, admin, secret, user_ids=[cleared.id], legal_cleared=False)
    creator = CreatorFactory(display_name="Noor Haddad", owner_id=uncleared.id)
    db.flush()
    for title, platform in (("Stargazer teaser", "instagram"), ("Kitchen tour", "youtube")):
        approvals.create_submission(
            db,
            uncleared,
            creator_id=creator.id,
            platform=platform,
            title=title,
            planned_for=datetime(2026, 3, 20, 15, 0, tzinfo=UTC),
            revision=RevisionInput(body="#ad My first look at Stargazer, out soon!"),
            today=NOW.date(),
        )
    headers = {}
    for user in (uncleared, cleared):
        _t, raw = create_token(db, user, user, "t")
        headers[user.id] = {"Authorization": f"Bearer {raw}"}
    db.flush()
    assert secret.id in clearance.hidden_products(db, uncleared, date(2026, 3, 10)).ids
    return {"uncleared": uncleared, "cleared": cleared, "creator": creator, "headers": headers}


def _list(client, w, who, query):
    response = client.get(f"/api/v1/submissions?{query}", headers=w["headers"][w[who].id])
    assert response.status_code == 200, response.get_json()
    return response


@pytest.mark.parametrize(
    "query",
    [
        "q=noor&platform=instagram&status=in_review",
        "status=in_review&q=HADDAD&platform=instagram&limit=1",
        "creator_id={creator}&platform=instagram",
    ],
)
def test_a_filtered_page_of_the_uncleared_names_no_hidden_product(client, w, query):
    query = query.format(creator=w["creator"].id)
    unseen = _list(client, w, "uncleared", query)
    text = unseen.get_data(as_text=True)
    assert not SECRET.search(text)
    assert [i["title"] for i in unseen.get_json()["items"]] == [f"{RESTRICTED} teaser"]
    seen = _list(client, w, "cleared", query).get_json()
    assert [i["title"] for i in seen["items"]] == ["Stargazer teaser"]


def test_the_creator_search_does_not_look_for_a_product_by_name(client, w):
    for who in ("uncleared", "cleared"):
        for name in ("stargazer", "Orion Ultra"):
            assert _list(client, w, who, f"q={name}").get_json()["items"] == []
