"""The consent check reads its answers in sets (one statement for the works, one for their
creators' consents as rows, one loop for the body); these prove it answers exactly as R10
applied one work at a time, and that the fast paths of URL normalising and body reading
agree with the general ones."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from crm.audit.services import system_actor
from crm.licensing import services
from crm.licensing.models import USES, WORK_KINDS
from crm.licensing.schemas import CheckItem, plain_check_items
from crm.licensing.services import base, releases

DAY = date(2026, 6, 1)
ACTOR = system_actor("test")


def _random_archive(db, make_creator, make_work, make_consent, rnd):
    creators = [make_creator() for _ in range(6)]
    works = []
    for c in creators:
        for _ in range(6):
            works.append(
                make_work(
                    c,
                    kind=rnd.choice(WORK_KINDS),
                    rights=rnd.choice(["creator", "creator", "creator", "unknown", "shared"]),
                    co_holders=["Someone"] if rnd.random() < 0.5 else [],
                    people_present=rnd.random() < 0.3,
                    property_present=rnd.random() < 0.2,
                )
            )
    # A hash shared by two works of different creators: the most restrictive answers.
    works[1].sha256 = works[20].sha256
    db.flush()
    days = [DAY - timedelta(days=d) for d in (400, 30, 1, 0)] + [DAY + timedelta(days=1)]
    for _ in range(160):
        work = rnd.choice(works)
        creator = next(c for c in creators if c.id == work.creator_id)
        scope = rnd.choice(["work", "kind", "all"])
        revoked = rnd.choice([None, None, DAY, DAY - timedelta(days=5), DAY + timedelta(days=9)])
        make_consent(
            creator,
            work=work if scope == "work" else None,
            kind=work.kind if scope == "kind" else None,
            use=rnd.choice(USES),
            decision=rnd.choice(["allowed", "not_allowed", "constrained"]),
            constraint=rnd.choice(["", "credit me"]),
            effective_on=rnd.choice(days),  # same-day records: the one entered last wins
            revoked_on=revoked,
        )
    for work in rnd.sample(works, 12):
        if work.people_present or work.property_present:
            releases.create_release(
                db,
                ACTOR,
                creator_id=work.creator_id,
                kind="model" if work.people_present else "property",
                subject="Someone shown",
                uses=rnd.sample(list(USES), 2),
                signed_on=DAY - timedelta(days=10),
                work_ids=[work.id],
            )
    db.flush()
    return works


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_check_answers_as_r10_one_work_at_a_time(db, make_creator, make_work, make_consent, seed):
    rnd = random.Random(seed)
    works = _random_archive(db, make_creator, make_work, make_consent, rnd)
    items = [{"url": w.url, "sha256": None} for w in works]
    items += [{"url": None, "sha256": w.sha256} for w in works]
    for use in USES:
        for day in (DAY, DAY - timedelta(days=30)):
            answers = services.check_items(db, use, items, day)
            judged = services.verdicts(db, works, [use], day)
            for w, answer in zip(works, answers, strict=False):  # the URL answers
                res = services.effective_decision(db, w, use, day)
                licensable = judged[w.id].licensable
                assert answer["work_id"] == w.id
                assert answer["consent_decision"] == res.decision
                assert answer["decision"] == (res.decision if licensable else "not_allowed")
                assert answer["why"] == res.why()
                assert answer["licensable_reasons"] == list(judged[w.id].reasons)
                if licensable or not services.usable(res):
                    assert answer["reason"] == res.reason
            shared = answers[len(works) + 1]
            assert shared["matched_work_ids"] == sorted([works[1].id, works[20].id])


def test_plain_urls_normalise_as_urlsplit_does():
    rnd = random.Random(7)
    pieces = {
        "scheme": ["http", "https", "HTTPS", "HtTp", "ftp", "http:", "https:/"],
        "host": ["media.example.com", "Media.EXAMPLE.com", "a", "a.b.", "-x-.y", "", "[::1]"],
        "port": ["", ":80", ":443", ":8080", ":0", ":080", ":99999", ":x", ":"],
        "user": ["", "", "", "me@", "me:pw@", "@"],
        "path": ["", "/", "/W/1", "/a//b/", "/é", "/a@b", "/a:b", "/%20", "/a;b"],
        "query": ["", "?", "?q=1", "?q=1&r=2", "??", "?a#b"],
        "fragment": ["", "#", "#top", "#a?b"],
    }
    seen = 0
    for _ in range(4000):
        parts = {k: rnd.choice(v) for k, v in pieces.items()}
        url = (
            f"{parts['scheme']}://{parts['user']}{parts['host']}{parts['port']}"
            f"{parts['path']}{parts['query']}{parts['fragment']}"
        )
        try:
            general = base._normalise_by_urlsplit(url)
        except ValueError:
            general = None
        try:
            fast = services.normalise_url(url)
        except ValueError:
            fast = None
        assert fast == general, url
        seen += fast is not None
    assert seen > 1000


PLAIN = [
    {"url": "https://a.example/1"},
    {"sha256": "A" * 64},
    {"url": None, "sha256": "ab" * 32},
    {"url": "https://a.example/1", "sha256": None},
    {"url": "x" * 2000},
]
DOUBTFUL = [
    {"url": " https://a.example/1"},
    {"url": "https://a.example/1\n"},
    {"url": ""},
    {"url": "x" * 2001},
    {"sha256": "a" * 63},
    {"sha256": "a" * 64 + "\n"},
    {"sha256": " " + "a" * 64},
    {"url": "https://a.example/", "sha256": "a" * 64},
    {"url": None, "sha256": None},
    {},
    {"url": 5},
    {"url": "https://a.example/", "extra": 1},
    ["https://a.example/"],
]


@pytest.mark.parametrize("item", PLAIN)
def test_plain_items_are_read_as_the_model_reads_them(item):
    assert plain_check_items([item]) == [CheckItem.model_validate(item).model_dump()]
    assert plain_check_items([item, *DOUBTFUL[:1]]) is None  # one doubt: pydantic reads all


@pytest.mark.parametrize("item", DOUBTFUL)
def test_doubtful_items_are_left_to_the_model(item):
    assert plain_check_items([item]) is None


def test_a_valid_and_an_invalid_item_together_are_named_by_the_model(client, api):
    _user, headers = api("viewer")
    response = client.post(
        "/api/v1/consent/check",
        json={"use": "ai_training", "items": [{"url": "https://a.example/"}, {"sha256": "x"}]},
        headers=headers,
    )
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"items.1.sha256"}
    spaced = client.post(
        "/api/v1/consent/check",
        json={"use": "ai_training", "items": [{"url": "  https://a.example/x  "}]},
        headers=headers,
    )
    assert spaced.status_code == 200
    assert spaced.get_json()["items"][0]["url"] == "https://a.example/x"
    wrong_use = client.post(
        "/api/v1/consent/check",
        json={"use": "ai_fun", "items": [{"url": "https://a.example/"}], "as_of": "2026-13-01"},
        headers=headers,
    )
    assert set(wrong_use.get_json()["errors"]) == {"use", "as_of"}
