"""Need-to-know, walked end to end: every GET route and API operation, as a cleared and an
uncleared user, over data that names an unreleased product.

The product "Orion Ultra" (code name "Stargazer") is unreleased until 1 April 2026. One
manager is cleared for it, the other is not; legal is not cleared by default for it (the
admin turned that off) and one legal reviewer is listed. The data names it everywhere: an
NDA covering only it, an NDA covering it and a released product, a grant of it, feedback on
it, a submission whose caption names its code name, a deal's deliverables, an interaction on
the timeline, the audit entries of all of these, the calendar's embargo date and the digest.
The uncleared users must find neither name anywhere (pages, API, CSV, calendar, digest);
the records about it answer 404; counts differ by exactly those records; and once the
public date comes, the uncleared manager sees everything with no change by an admin.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import select

from crm.agreements import clearance
from crm.agreements import services as agreements
from crm.approvals import services as approvals
from crm.approvals.services import RevisionInput
from crm.auth.services import create_token
from crm.calendar.services import feed_secret
from crm.common.clearance import RESTRICTED
from crm.common.permissions import PORTAL, PUBLIC, access_of
from crm.creators.services.interactions import record_interaction
from crm.digest.services import compose
from crm.feedback.services import create_feedback
from tests.conftest import log_in
from tests.factories import CreatorFactory, DealFactory, NdaFactory, UserFactory
from tests.reminders.factories import ReminderFactory

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # a Tuesday
RELEASE = date(2026, 4, 1)
AFTER_RELEASE = datetime(2026, 4, 2, 12, 0, tzinfo=UTC)
WEEK = "2026-W11"
NAME, ALIAS = "Orion Ultra", "Stargazer"
SECRET = re.compile(r"orion\s+ultra|stargazer", re.IGNORECASE)
LAST = {"auth.logout", "portal.logout"}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@dataclass
class World:
    admin: object
    cleared: object  # a manager listed for the product
    uncleared: object  # a manager who owns the creator, not listed
    legal_out: object  # legal, not cleared (the admin turned legal's default off)
    legal_in: object  # legal, listed
    product: object
    released: object
    ids: dict[str, list[int]] = field(default_factory=dict)
    hidden: dict[str, list[int]] = field(default_factory=dict)
    tokens: dict[int, str] = field(default_factory=dict)
    secrets: dict[int, str] = field(default_factory=dict)


def _agreements_about_the_secret(db, w, creator, tag: str):
    """An NDA covering only the product, one covering it and a released product, a grant
    of it under the second, feedback on it and on the released one."""
    only = NdaFactory(
        creator_id=creator.id,
        effective_on=date(2026, 1, 1),
        expires_on=date(2026, 3, 16),
        terms=f"Covers {NAME} only ({tag}).",
    )
    only.products = [w.product]
    both = NdaFactory(
        creator_id=creator.id,
        effective_on=date(2026, 1, 1),
        expires_on=date(2027, 12, 31),
        terms="Mutual NDA.",
    )
    both.products = [w.product, w.released]
    db.flush()
    grant = agreements.create_grant(
        db,
        w.admin,
        creator_id=creator.id,
        product_id=w.product.id,
        starts_on=date(2026, 2, 1),
        ends_on=date(2026, 3, 15),
        tier=f"{ALIAS} unlimited",
    )
    open_grant = agreements.create_grant(
        db,
        w.admin,
        creator_id=creator.id,
        product_id=w.released.id,
        starts_on=date(2026, 2, 1),
        ends_on=date(2026, 12, 31),
        tier="1000 credits/month",
    )
    note = create_feedback(
        db,
        w.admin,
        creator_id=creator.id,
        product_id=w.product.id,
        category="limitation",
        severity="high",
        title=f"{ALIAS} forgets the prompt",
        body=f"{NAME} loses context.",
    )
    fine = create_feedback(
        db,
        w.admin,
        creator_id=creator.id,
        product_id=w.released.id,
        category="praise",
        severity="low",
        title="Lumen is quick",
        body="Fast answers.",
    )
    w.ids.setdefault("nda_id", []).extend([only.id, both.id])
    w.ids.setdefault("grant_id", []).extend([grant.id, open_grant.id])
    w.ids.setdefault("feedback_id", []).extend([note.id, fine.id])
    w.ids.setdefault("note_id", []).extend([note.id, fine.id])
    w.hidden.setdefault("nda", []).append(only.id)
    w.hidden.setdefault("grant", []).append(grant.id)
    w.hidden.setdefault("feedback", []).append(note.id)
    return both


@pytest.fixture
def world(db):
    admin = UserFactory(role="admin", name="Ada Admin")
    cleared = UserFactory(role="manager", name="Cleo Cleared")
    uncleared = UserFactory(role="manager", name="Uma Uncleared")
    legal_out = UserFactory(role="legal", name="Lee Legal")
    legal_in = UserFactory(role="legal", name="Liv Legal")
    db.flush()
    product = agreements.create_product(db, admin, name=NAME, aliases=[ALIAS], public_on=RELEASE)
    released = agreements.create_product(
        db, admin, name="Lumen Chat", aliases=["Lumen"], public_on=date(2026, 1, 1)
    )
    w = World(admin, cleared, uncleared, legal_out, legal_in, product, released)
    clearance.set_clearance(
        db, admin, product, user_ids=[cleared.id, legal_in.id], legal_cleared=False
    )
    mine = CreatorFactory(display_name="Maya Makes", owner_id=uncleared.id)
    theirs = CreatorFactory(display_name="Theo Talks", owner_id=cleared.id)
    db.flush()
    _agreements_about_the_secret(db, w, mine, "mine")
    _agreements_about_the_secret(db, w, theirs, "theirs")
    deal = DealFactory(
        creator_id=mine.id, title="Spring launch", deliverables=f"Two videos about {ALIAS}."
    )
    record_interaction(
        db,
        uncleared,
        mine,
        kind="call",
        occurred_at=datetime(2026, 3, 9, 10, 0, tzinfo=UTC),
        summary=f"Talked about {NAME} early access.",
    )
    sub = approvals.create_submission(
        db,
        uncleared,
        creator_id=mine.id,
        platform="instagram",
        title="Studio tour",
        planned_for=datetime(2026, 3, 20, 15, 0, tzinfo=UTC),
        revision=RevisionInput(body="#ad My first look at stargazer, out soon!"),
        today=NOW.date(),
    )
    # A task for the uncleared owner whose title names the product: their digest's reminders.
    ReminderFactory(title=f"Check the {NAME} grant", due_on=NOW.date(),
                    assignee_id=uncleared.id, creator_id=mine.id)  # fmt: skip
    db.flush()
    w.ids.update(
        creator_id=[mine.id, theirs.id],
        product_id=[product.id, released.id],
        deal_id=[deal.id],
        submission_id=[sub.id],
        user_id=[uncleared.id],
    )
    w.hidden["product"] = [product.id]
    for user in (admin, cleared, uncleared, legal_out, legal_in):
        _token, raw = create_token(db, user, user, "walk")
        w.tokens[user.id] = raw
    db.flush()
    return w


# --------------------------------------------------------------------------- the walk


def _fill(rule, ids: dict[str, list[int]]) -> list[str]:
    """URLs for one rule, one per combination of the data's ids (at most four)."""
    names = re.findall(r"<(?:\w+:)?(\w+)>", rule.rule)
    choices = [ids.get(n) or (["x"] if n in ("key", "token", "code") else [999999]) for n in names]
    urls = []
    for combo in itertools.islice(itertools.product(*choices), 4):
        url = rule.rule
        for name, value in zip(names, combo, strict=True):
            url = re.sub(rf"<(?:\w+:)?{name}>", str(value), url)
        urls.append(url)
    return urls


def _get_routes(app):
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in (rule.methods or ()):
            continue
        if rule.endpoint in LAST or access_of(app.view_functions[rule.endpoint]) in (
            PUBLIC,
            PORTAL,
        ):
            continue
        out.append(rule)
    return sorted(out, key=lambda r: r.rule)


def _openapi_gets(client, headers, ids) -> list[str]:
    spec = client.get("/api/v1/openapi.json", headers=headers).get_json()
    urls = []
    for path, ops in spec["paths"].items():
        if "get" not in ops:
            continue
        names = re.findall(r"\{(\w+)\}", path)
        choices = [ids.get(n) or [999999] for n in names]
        for combo in itertools.islice(itertools.product(*choices), 4):
            url = path
            for name, value in zip(names, combo, strict=True):
                url = url.replace("{" + name + "}", str(value))
            urls.append(url if url.startswith("/api/") else "/api/v1" + url)
    return urls


@dataclass
class Walk:
    bodies: dict[str, str] = field(default_factory=dict)
    status: dict[str, int] = field(default_factory=dict)

    def text(self) -> str:
        return "\n".join(self.bodies.values())

    def leaks(self) -> dict[str, str]:
        return {
            url: SECRET.search(body).group(0)
            for url, body in self.bodies.items()
            if SECRET.search(body)
        }


def walk(app, world, user, only: str | None = None) -> Walk:
    client = app.test_client()
    assert log_in(client, user).status_code == 302
    bearer = {"Authorization": f"Bearer {world.tokens[user.id]}"}
    result = Walk()
    urls = []
    for rule in _get_routes(app):
        urls.extend(_fill(rule, world.ids))
    urls.extend(_openapi_gets(client, bearer, world.ids))
    urls.append(f"/calendar/feed/{world.secrets[user.id]}.ics")
    from crm.creators.views.base import creator_tabs

    with app.test_request_context():
        slugs = [t.slug for t in creator_tabs(user)]
    urls += [f"/creators/{c}?tab={slug}" for c in world.ids["creator_id"] for slug in slugs]
    # Lists with the product filters of their selects, and the exports.
    for pid in world.ids["product_id"]:
        urls += [
            f"/feedback/?product_id={pid}",
            f"/api/v1/feedback?product_id={pid}",
            f"/api/v1/grants?product_id={pid}",
        ]
    for url in dict.fromkeys(urls):
        if only is not None and only not in url:
            continue
        headers = bearer if url.startswith("/api/") else {}
        response = client.get(url, headers=headers)
        assert response.status_code < 500, (user.name, url, response.status_code)
        result.status[url] = response.status_code
        if not response.direct_passthrough:
            result.bodies[url] = response.get_data(as_text=True)
    return result


def digest_of(app, db, user) -> str:
    with app.app_context():
        email = compose(app, db, user, WEEK)
    return "" if email is None else f"{email.subject}\n{email.text}\n{email.html}"


@pytest.fixture
def secrets(app, db, world):
    with app.test_request_context():
        world.secrets = {
            u.id: feed_secret(db, u)
            for u in (world.cleared, world.uncleared, world.legal_out, world.legal_in)
        }
    return world.secrets


# --------------------------------------------------------------------------- the tests


def test_the_uncleared_find_the_product_nowhere_and_the_cleared_everywhere(app, db, world, secrets):
    seen = walk(app, world, world.cleared)
    unseen = walk(app, world, world.uncleared)
    legal_seen = walk(app, world, world.legal_in, only="audit")
    legal_unseen = walk(app, world, world.legal_out)

    # Cleared: the name and the code name appear (pages, API, the audit log for legal).
    for who in (seen, legal_seen):
        text = who.text()
        assert re.search(NAME, text, re.IGNORECASE) and re.search(ALIAS, text, re.IGNORECASE)
    assert any(SECRET.search(b) for u, b in legal_seen.bodies.items() if "audit" in u)
    assert SECRET.search(seen.bodies[f"/calendar/feed/{secrets[world.cleared.id]}.ics"])
    # Not cleared: nowhere, in any response.
    assert unseen.leaks() == {}
    assert legal_unseen.leaks() == {}
    assert len(unseen.bodies) > 150

    # The hidden records answer 404; the same URLs answer the cleared manager.
    for kind, ids in world.hidden.items():
        for rid in ids:
            api_path = {
                "nda": "ndas",
                "grant": "grants",
                "feedback": "feedback",
                "product": "products",
            }[kind]
            url = f"/api/v1/{api_path}/{rid}"
            assert unseen.status[url] == 404, url
            assert seen.status[url] == 200, url
    for rid in world.hidden["nda"]:
        assert unseen.status[f"/agreements/ndas/{rid}"] == 404
        assert seen.status[f"/agreements/ndas/{rid}"] == 200

    # Digest: the week's expiring NDA and grant name the product for the cleared owner only.
    assert SECRET.search(digest_of(app, db, world.cleared))
    mine = digest_of(app, db, world.uncleared)
    assert mine and not SECRET.search(mine)


def test_a_shared_record_names_a_restricted_product_and_the_leak_check_says_where(
    app, db, world, secrets
):
    client = app.test_client()
    log_in(client, world.uncleared)
    both = world.ids["nda_id"][1]
    page = client.get(f"/agreements/ndas/{both}").get_data(as_text=True)
    assert "Lumen Chat" in page and RESTRICTED in page and not SECRET.search(page)
    headers = {"Authorization": f"Bearer {world.tokens[world.uncleared.id]}"}
    sub = client.get(f"/api/v1/submissions/{world.ids['submission_id'][0]}", headers=headers)
    assert sub.status_code == 200
    body = sub.get_json()
    text = str(body)
    assert not SECRET.search(text)
    checks = [c for r in body["revisions"] for c in r["checks"]]
    leak = next(c for c in checks if c["code"] == "unreleased_product")
    assert RESTRICTED in leak["message"]
    # Where: the caption reads "a restricted product" at the flagged words' place.
    assert f"My first look at {RESTRICTED}, out soon!" in text


def test_counts_differ_by_exactly_the_hidden_records(app, db, world, secrets):
    def api_total(user, path):
        client = app.test_client()
        headers = {"Authorization": f"Bearer {world.tokens[user.id]}"}
        return len(client.get(path + "?limit=200", headers=headers).get_json()["items"])

    for path, kind in (
        ("/api/v1/ndas", "nda"),
        ("/api/v1/grants", "grant"),
        ("/api/v1/feedback", "feedback"),
        ("/api/v1/products", "product"),
    ):
        assert api_total(world.cleared, path) - api_total(world.uncleared, path) == len(
            world.hidden[kind]
        ), path

    def badges(user):
        client = app.test_client()
        log_in(client, user)
        page = client.get("/creators/").get_data(as_text=True)
        found = {}
        for label in ("Agreements", "Feedback"):
            match = re.search(rf'>{label}\s*<span class="badge[^"]*">(\d+)<', page)
            found[label] = int(match.group(1)) if match else 0
        return found

    cleared, uncleared = badges(world.cleared), badges(world.uncleared)
    # Agreements: NDAs and grants ending within 7 days, one of each per creator is hidden.
    assert cleared["Agreements"] - uncleared["Agreements"] == 4
    assert cleared["Feedback"] - uncleared["Feedback"] == len(world.hidden["feedback"])


def test_the_owner_sees_placeholders_for_restricted_records(app, db, world, secrets):
    client = app.test_client()
    log_in(client, world.uncleared)
    page = client.get(f"/creators/{world.ids['creator_id'][0]}?tab=agreements").get_data(
        as_text=True
    )
    assert page.count("Restricted record") == 2  # the NDA covering only it, the grant of it
    assert not SECRET.search(page)
    other = app.test_client()
    log_in(other, world.cleared)
    assert "Restricted record" not in other.get(
        f"/creators/{world.ids['creator_id'][0]}?tab=agreements"
    ).get_data(as_text=True)


def test_acts_on_the_product_need_clearance(app, db, world, secrets):
    headers = {"Authorization": f"Bearer {world.tokens[world.uncleared.id]}"}
    client = app.test_client()
    mine = world.ids["creator_id"][0]
    grant = client.post(
        "/api/v1/grants",
        headers=headers,
        json={
            "creator_id": mine,
            "product_id": world.product.id,
            "starts_on": "2026-03-11",
            "ends_on": "2026-03-30",
        },
    )
    assert grant.status_code in (404, 422) and not SECRET.search(grant.get_data(as_text=True))
    nda = client.post(
        "/api/v1/ndas",
        headers=headers,
        json={"creator_id": mine, "product_ids": [world.product.id]},
    )
    assert nda.status_code == 422 and not SECRET.search(nda.get_data(as_text=True))
    legal = {"Authorization": f"Bearer {world.tokens[world.legal_out.id]}"}
    sub = world.ids["submission_id"][0]
    decided = client.post(
        f"/api/v1/submissions/{sub}/decisions",
        headers=legal,
        json={"revision": 1, "decision": "approve"},
    )
    assert decided.status_code == 403
    cleared = {"Authorization": f"Bearer {world.tokens[world.legal_in.id]}"}
    ok = client.post(
        f"/api/v1/submissions/{sub}/decisions",
        headers=cleared,
        json={"revision": 1, "decision": "request_changes", "comment": "Embargo."},
    )
    assert ok.status_code == 201, ok.get_json()


def test_on_the_public_date_the_restriction_lifts_by_itself(app, db, world, secrets, frozen):
    frozen.move_to(AFTER_RELEASE)
    after = walk(app, world, world.uncleared)
    text = after.text()
    assert re.search(NAME, text, re.IGNORECASE) and re.search(ALIAS, text, re.IGNORECASE)
    for kind, ids in world.hidden.items():
        api_path = {
            "nda": "ndas",
            "grant": "grants",
            "feedback": "feedback",
            "product": "products",
        }[kind]
        for rid in ids:
            assert after.status[f"/api/v1/{api_path}/{rid}"] == 200
    page = after.bodies[f"/creators/{world.ids['creator_id'][0]}?tab=agreements"]
    assert "Restricted record" not in page


def test_the_hidden_set_is_one_statement_per_request(app, db, world, secrets, count_queries):
    client = app.test_client()
    log_in(client, world.uncleared)
    client.get("/creators/")
    with count_queries() as counter:
        assert client.get("/creators/").status_code == 200
    hidden_reads = [s for s in counter.statements if "product_clearances" in s]
    assert len(hidden_reads) == 1, hidden_reads
    admin = app.test_client()
    log_in(admin, world.admin)
    with count_queries() as counter:
        assert admin.get("/creators/").status_code == 200
    assert not [s for s in counter.statements if "product_clearances" in s]
    # The database itself holds the list the admin set.
    listed = db.scalars(
        select(clearance.ProductClearance.user_id).where(
            clearance.ProductClearance.product_id == world.product.id
        )
    )
    assert set(listed) == {world.cleared.id, world.legal_in.id}
