"""An uncleared editor sees stored text redacted; saving it back would overwrite the real name.

So an edit of a deal, or a new revision of a submission, whose stored text names a product the
editor may not see is refused; the text stays as it was. A cleared colleague can edit it, and
so can everyone once the product is public.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine

from crm.agreements import clearance
from crm.agreements import services as agreements
from crm.agreements.models import Deal
from crm.approvals import services as approvals
from crm.approvals.models import Revision, Submission
from crm.auth.services import create_token
from tests.conftest import log_in, post_form
from tests.factories import CreatorFactory, DealFactory, UserFactory

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
PUBLIC_ON = date(2026, 5, 1)
AFTER_RELEASE = datetime(2026, 5, 2, 12, 0, tzinfo=UTC)
TITLE = "Stargazer launch"
BODY = "#ad My first look at Stargazer"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def setup(db):
    admin = UserFactory(role="admin")
    manager = UserFactory(role="manager")
    colleague = UserFactory(role="manager")
    db.flush()
    secret = agreements.create_product(
        db, admin, name="Orion Ultra", aliases=["Stargazer"], public_on=PUBLIC_ON
    )
    clearance.set_clearance(db, admin, secret, user_ids=[colleague.id])
    creator = CreatorFactory(owner_id=manager.id)
    db.flush()
    deal = DealFactory(creator_id=creator.id, title=TITLE, usage_rights="Organic only.")
    submission = approvals.create_submission(
        db,
        admin,
        creator_id=creator.id,
        platform="instagram",
        title="Tour",
        planned_for=datetime(2026, 3, 20, 15, 0, tzinfo=UTC),
        revision=approvals.RevisionInput(body=BODY),
        submit=False,
        today=NOW.date(),
    )
    db.flush()
    assert secret.id in clearance.hidden_products(db, manager, NOW.date()).ids
    assert secret.id not in clearance.hidden_products(db, colleague, NOW.date()).ids
    return {"manager": manager, "colleague": colleague, "deal": deal, "submission": submission}


def _headers(db, user):
    _t, raw = create_token(db, user, user, "t")
    db.flush()
    return {"Authorization": f"Bearer {raw}"}


def _deal_form(deal, title):
    return {
        "title": title,
        "kind": deal.kind,
        "fee": "1500",
        "currency": deal.currency,
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        "deliverables": deal.deliverables,
        "usage_rights": "Organic only.",
    }


def _stored_title(db, deal):
    db.expire_all()
    return db.get(Deal, deal.id).title


def _latest_body(db, submission):
    db.expire_all()
    sub = db.get(Submission, submission.id)
    number = sub.latest_revision
    return number, db.query(Revision).filter_by(submission_id=sub.id, number=number).one().body


def test_an_uncleared_editor_cannot_save_a_deal_over_its_product_name(client, db, setup):
    deal = setup["deal"]
    response = client.patch(
        f"/api/v1/deals/{deal.id}",
        headers=_headers(db, setup["manager"]),
        json={"title": "a restricted product launch"},
    )
    assert response.status_code == 403
    assert response.get_json()["detail"] == (
        "This deal names a restricted product; an admin or a cleared colleague can change it."
    )
    assert _stored_title(db, deal) == TITLE

    log_in(client, setup["manager"])
    page = post_form(
        client, f"/agreements/deals/{deal.id}/edit", _deal_form(deal, "a restricted product")
    )
    assert page.status_code == 403
    text = page.get_data(as_text=True)
    assert "This deal names a restricted product" in text and "Stargazer" not in text
    assert _stored_title(db, deal) == TITLE


def test_a_deal_not_naming_it_stays_editable_by_the_uncleared_editor(client, db, setup):
    deal = setup["deal"]
    deal.title = "Spring"
    db.flush()
    response = client.patch(
        f"/api/v1/deals/{deal.id}",
        headers=_headers(db, setup["manager"]),
        json={"title": "Spring tour"},
    )
    assert response.status_code == 200, response.get_json()
    assert _stored_title(db, deal) == "Spring tour"


def test_a_cleared_colleague_can_edit_the_deal(client, db, setup):
    deal = setup["deal"]
    response = client.patch(
        f"/api/v1/deals/{deal.id}",
        headers=_headers(db, setup["colleague"]),
        json={"title": "Stargazer tour"},
    )
    assert response.status_code == 200, response.get_json()
    assert _stored_title(db, deal) == "Stargazer tour"

    log_in(client, setup["colleague"])
    page = post_form(
        client, f"/agreements/deals/{deal.id}/edit", _deal_form(deal, "Stargazer finale")
    )
    assert page.status_code == 302, page.get_data(as_text=True)
    assert _stored_title(db, deal) == "Stargazer finale"


def test_after_the_release_the_uncleared_editor_can_edit_the_deal(client, db, setup):
    deal = setup["deal"]
    with time_machine.travel(AFTER_RELEASE, tick=False):
        response = client.patch(
            f"/api/v1/deals/{deal.id}",
            headers=_headers(db, setup["manager"]),
            json={"title": "Stargazer tour"},
        )
    assert response.status_code == 200, response.get_json()
    assert _stored_title(db, deal) == "Stargazer tour"


def test_an_uncleared_editor_cannot_add_a_revision_over_its_product_name(client, db, setup):
    sub = setup["submission"]
    response = client.post(
        f"/api/v1/submissions/{sub.id}/revisions",
        headers=_headers(db, setup["manager"]),
        json={"body": "#ad My first look at a restricted product"},
    )
    assert response.status_code == 403
    assert "names a restricted product" in response.get_json()["detail"]
    assert _latest_body(db, sub) == (1, BODY)

    log_in(client, setup["manager"])
    page = post_form(
        client,
        f"/submissions/{sub.id}/revisions",
        {"body": "#ad My first look at a restricted product"},
    )
    assert page.status_code == 403
    text = page.get_data(as_text=True)
    assert "names a restricted product" in text and "Stargazer" not in text
    assert _latest_body(db, sub) == (1, BODY)


def test_a_cleared_colleague_can_add_a_revision(client, db, setup):
    sub = setup["submission"]
    response = client.post(
        f"/api/v1/submissions/{sub.id}/revisions",
        headers=_headers(db, setup["colleague"]),
        json={"body": "#ad Stargazer, take two"},
    )
    assert response.status_code == 201, response.get_json()
    assert _latest_body(db, sub) == (2, "#ad Stargazer, take two")

    log_in(client, setup["colleague"])
    page = post_form(client, f"/submissions/{sub.id}/revisions", {"body": "#ad Stargazer, three"})
    assert page.status_code in (302, 303), page.get_data(as_text=True)
    assert _latest_body(db, sub) == (3, "#ad Stargazer, three")


def test_after_the_release_the_uncleared_editor_can_add_a_revision(client, db, setup):
    sub = setup["submission"]
    with time_machine.travel(AFTER_RELEASE, tick=False):
        response = client.post(
            f"/api/v1/submissions/{sub.id}/revisions",
            headers=_headers(db, setup["manager"]),
            json={"body": "#ad Stargazer, take two"},
        )
    assert response.status_code == 201, response.get_json()
    assert _latest_body(db, sub) == (2, "#ad Stargazer, take two")
