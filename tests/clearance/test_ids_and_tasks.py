"""What the names' redaction cannot cover: product ids in API output, and tasks about hidden
records. An uncleared user learns neither that a hidden product's id exists nor that a task
about its grant does; a cleared one sees both, and so does the same user once cleared."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
import time_machine

from crm.agreements import clearance
from crm.agreements import services as agreements
from crm.approvals import services as approvals
from crm.approvals.services import RevisionInput
from crm.audit.services import record
from crm.auth.services import create_token
from crm.calendar.services import feed_secret
from tests.conftest import log_in
from tests.factories import CreatorFactory, NdaFactory, UserFactory
from tests.reminders.factories import ReminderFactory

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
HIDDEN_TASK = "Chase the early-access paperwork"
SECRET_ONLY_TASK = "Countersign the embargo letter"
SHARED_TASK = "Renew the joint NDA"
PLAIN_TASK = "Call Maya back"
LOOSE_TASK = "Book the studio"  # about nothing in particular
BADGE = re.compile(r'Tasks\s*<span class="badge[^"]*">(\d+)<')


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def w(db):
    admin = UserFactory(role="admin")
    uncleared = UserFactory(role="manager")
    cleared = UserFactory(role="manager")
    legal_out = UserFactory(role="legal")
    db.flush()
    secret = agreements.create_product(db, admin, name="Orion Ultra", aliases=["Stargazer"])
    public = agreements.create_product(db, admin, name="Lumen Chat", public_on=date(2026, 1, 1))
    clearance.set_clearance(db, admin, secret, user_ids=[cleared.id], legal_cleared=False)
    creator = CreatorFactory(owner_id=uncleared.id)
    db.flush()
    both = NdaFactory(
        creator_id=creator.id, effective_on=date(2026, 1, 1), expires_on=date(2027, 12, 31)
    )
    both.products = [secret, public]
    only = NdaFactory(
        creator_id=creator.id, effective_on=date(2026, 1, 1), expires_on=date(2027, 12, 31)
    )
    only.products = [secret]
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
    today = NOW.date()
    tasks = {}
    for user in (uncleared, cleared):
        about = [
            (HIDDEN_TASK, ("grant", grant.id)),
            (SECRET_ONLY_TASK, ("nda", only.id)),
            (SHARED_TASK, ("nda", both.id)),
            (PLAIN_TASK, ("creator", creator.id)),
        ]
        for title, (kind, subject_id) in about:
            tasks[user.id, title] = ReminderFactory(
                title=title,
                due_on=today,
                assignee_id=user.id,
                creator_id=creator.id,
                subject_type=kind,
                subject_id=subject_id,
                rule="test",
            )
        tasks[user.id, LOOSE_TASK] = ReminderFactory(
            title=LOOSE_TASK, due_on=today, assignee_id=user.id
        )
    tokens = {}
    for user in (admin, uncleared, cleared, legal_out):
        _t, raw = create_token(db, user, user, "t")
        tokens[user.id] = {"Authorization": f"Bearer {raw}"}
    db.flush()
    assert secret.id in clearance.hidden_products(db, uncleared, today).ids
    return {
        "admin": admin,
        "uncleared": uncleared,
        "cleared": cleared,
        "legal_out": legal_out,
        "secret": secret,
        "public": public,
        "both": both,
        "creator": creator,
        "grant": grant,
        "tasks": tasks,
        "headers": tokens,
    }


def _get_json(client, w, who, url):
    response = client.get(url, headers=w["headers"][w[who].id])
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


# --------------------------------------------------------------------------- product ids


def test_an_uncleared_callers_nda_lists_only_the_products_they_may_see(client, w):
    url = f"/api/v1/ndas/{w['both'].id}"
    secret, public = w["secret"].id, w["public"].id
    assert _get_json(client, w, "uncleared", url)["product_ids"] == [public]
    assert _get_json(client, w, "admin", url)["product_ids"] == sorted([secret, public])
    assert _get_json(client, w, "cleared", url)["product_ids"] == sorted([secret, public])
    listed = _get_json(client, w, "uncleared", f"/api/v1/ndas?creator_id={w['creator'].id}")
    assert [n["product_ids"] for n in listed["items"]] == [[public]]


def test_an_audit_entry_of_a_shared_nda_leaves_the_hidden_id_out(client, db, w):
    secret, public = w["secret"].id, w["public"].id
    record(db, w["admin"], "nda.create", "nda", w["both"].id, {"product_ids": [secret, public]})
    record(
        db,
        w["admin"],
        "nda.update",
        "nda",
        w["both"].id,
        {"product_ids": [[public], [secret, public]]},
    )
    db.flush()
    url = f"/api/v1/audit?entity=nda&entity_id={w['both'].id}"

    def changes(who):
        return [e["changes"]["product_ids"] for e in _get_json(client, w, who, url)["items"]]

    assert changes("legal_out") == [[[public], [public]], [public]]
    assert changes("admin") == [[[public], sorted([secret, public])], sorted([secret, public])]


def test_a_check_about_a_hidden_product_does_not_carry_its_id(client, db, w):
    submission = approvals.create_submission(
        db,
        w["uncleared"],
        creator_id=w["creator"].id,
        platform="instagram",
        title="Studio tour",
        planned_for=datetime(2026, 3, 20, 15, 0, tzinfo=UTC),
        revision=RevisionInput(body="#ad My first look at Stargazer, out soon!"),
        today=NOW.date(),
    )
    db.flush()
    url = f"/api/v1/submissions/{submission.id}"

    def product_ids(who):
        revisions = _get_json(client, w, who, url)["revisions"]
        return {c["product_id"] for r in revisions for c in r["checks"]}

    assert w["secret"].id in product_ids("admin")
    assert w["secret"].id not in product_ids("uncleared")


# --------------------------------------------------------------------------- tasks


def _page(client, user, path):
    client = client.application.test_client()  # a browser of its own for each user
    assert log_in(client, user).status_code == 302
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _badge(html):
    found = BADGE.search(html)
    return int(found.group(1)) if found else 0


def test_tasks_about_hidden_records_are_left_out_for_the_uncleared(client, db, w):
    html = _page(client, w["uncleared"], "/tasks/")
    assert PLAIN_TASK in html and SHARED_TASK in html and LOOSE_TASK in html
    assert HIDDEN_TASK not in html and SECRET_ONLY_TASK not in html
    assert "restricted product" not in html
    assert _badge(html) == 3
    home = _page(client, w["uncleared"], "/")
    assert PLAIN_TASK in home and HIDDEN_TASK not in home and SECRET_ONLY_TASK not in home

    api = _get_json(client, w, "uncleared", "/api/v1/reminders")
    assert sorted(r["title"] for r in api["items"]) == sorted([PLAIN_TASK, SHARED_TASK, LOOSE_TASK])
    hidden = w["tasks"][w["uncleared"].id, HIDDEN_TASK]
    response = client.get(f"/api/v1/reminders/{hidden.id}", headers=w["headers"][w["uncleared"].id])
    assert response.status_code == 404
    done = client.patch(
        f"/api/v1/reminders/{hidden.id}",
        headers=w["headers"][w["uncleared"].id],
        json={"status": "done"},
    )
    assert done.status_code == 404
    db.refresh(hidden)
    assert hidden.status == "open"


def test_the_cleared_see_their_tasks_about_the_same_records(client, w):
    html = _page(client, w["cleared"], "/tasks/")
    for title in (PLAIN_TASK, SHARED_TASK, LOOSE_TASK, HIDDEN_TASK, SECRET_ONLY_TASK):
        assert title in html
    assert _badge(html) == 5
    api = _get_json(client, w, "cleared", "/api/v1/reminders")
    assert len(api["items"]) == 5


def test_once_cleared_the_same_user_sees_the_tasks(client, db, w):
    clearance.set_clearance(
        db, w["admin"], w["secret"], user_ids=[w["cleared"].id, w["uncleared"].id]
    )
    db.flush()
    html = _page(client, w["uncleared"], "/tasks/")
    assert HIDDEN_TASK in html and SECRET_ONLY_TASK in html
    assert _badge(html) == 5
    assert len(_get_json(client, w, "uncleared", "/api/v1/reminders")["items"]) == 5


def test_the_calendar_feed_of_the_uncleared_has_nothing_of_the_hidden_grant(app, client, db, w):
    def feed(user):
        with app.test_request_context():
            secret = feed_secret(db, user)
        response = client.get(f"/calendar/feed/{secret}.ics")
        assert response.status_code == 200
        return response.get_data(as_text=True).replace("\r\n ", "")

    uid = f"grant-{w['grant'].id}-end"
    assert uid in feed(w["cleared"])
    uncleared = feed(w["uncleared"])
    assert uid not in uncleared and HIDDEN_TASK not in uncleared


def test_a_task_raised_by_an_uncleared_act_is_raised_once_and_kept(client, db, w):
    """Ending the shared NDA suspends the hidden grant (R2) and raises its task for the
    owner: the raising reads past the owner's view, so it neither fails nor duplicates."""
    response = client.patch(
        f"/api/v1/ndas/{w['both'].id}",
        headers=w["headers"][w["uncleared"].id],
        json={"status": "terminated"},
    )
    assert response.status_code == 200, response.get_json()
    titles = [r["title"] for r in _get_json(client, w, "uncleared", "/api/v1/reminders")["items"]]
    assert not any("suspended" in t for t in titles)
    admin_view = _get_json(client, w, "admin", f"/api/v1/reminders?assignee_id={w['uncleared'].id}")
    assert sum("suspended" in r["title"] for r in admin_view["items"]) == 1
