"""The other create forms posted twice create one record each (the one-time form nonce)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from crm.approvals.models import Submission
from crm.feedback.models import Feedback
from crm.licensing.models import Consent, Licence, Work
from tests.conftest import post_form
from tests.licensing.factories import ConsentFactory, WorkFactory

NONCE_RE = re.compile(r'name="form_nonce" value="([^"]+)"')


def _nonces(client, url: str) -> list[str]:
    return NONCE_RE.findall(client.get(url).get_data(as_text=True))


def _twice(client, db, page: str, action: str, data: dict, count) -> None:
    [nonce, *_] = _nonces(client, page)
    data = {**data, "form_nonce": nonce}
    first = post_form(client, action, data)
    assert first.status_code == 302, first.get_data(as_text=True)[:2000]
    second = post_form(client, action, data)
    assert second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    assert count() == 1
    assert "already submitted" in client.get(second.headers["Location"]).get_data(as_text=True)


def test_a_submission_posted_twice(client, login, db, creator):
    login("manager")
    data = {
        "creator_id": str(creator.id),
        "deal_id": "",
        "title": "Posted twice",
        "platform": "tiktok",
        "planned_for": "2026-03-20T10:00",
        "body": "#ad Unboxing my new lights",
        "media_url": "",
        "disclosure_in_video": "",
        "submit_now": "y",
    }
    _twice(
        client,
        db,
        "/submissions/new",
        "/submissions/new",
        data,
        lambda: db.scalar(select(func.count()).where(Submission.title == "Posted twice")),
    )


def test_a_feedback_note_posted_twice(client, login, db, creator, product):
    login("manager")
    data = {
        "creator_id": str(creator.id),
        "product_id": str(product.id),
        "grant_id": "",
        "category": "accessibility",
        "severity": "high",
        "title": "Posted twice",
        "body": "Typing is hard for him.",
        "reproduction": "",
        "duplicate_of": "",
    }
    _twice(
        client,
        db,
        "/feedback/new",
        "/feedback/new",
        data,
        lambda: db.scalar(select(func.count()).where(Feedback.title == "Posted twice")),
    )


def test_a_work_posted_twice(client, login, db, creator):
    login("manager")
    data = {"kind": "image", "title": "Posted twice", "url": "https://p.example/twice.jpg"}
    _twice(
        client,
        db,
        f"/licensing/creators/{creator.id}",
        f"/licensing/creators/{creator.id}/works",
        data,
        lambda: db.scalar(select(func.count()).where(Work.title == "Posted twice")),
    )


def test_a_consent_posted_twice(client, login, db, creator):
    work = WorkFactory(creator_id=creator.id)
    login("legal")
    data = {
        "scope": f"work:{work.id}",
        "uses": ["ai_training"],
        "decision": "allowed",
        "source": "creator_request",
        "evidence": "email of 3 Jan",
        "effective_on": "2024-01-01",
    }
    _twice(
        client,
        db,
        f"/licensing/creators/{creator.id}",
        f"/licensing/creators/{creator.id}/consents",
        data,
        lambda: db.scalar(select(func.count()).where(Consent.work_id == work.id)),
    )


def test_a_licence_posted_twice(client, login, db, creator):
    from datetime import date

    work = WorkFactory(creator_id=creator.id)
    ConsentFactory(creator_id=creator.id, decision="allowed", effective_on=date(2020, 1, 1))
    login("manager")
    data = {
        "title": "Posted twice",
        "uses": ["ai_training"],
        "fee_model": "flat",
        "rate": "100",
        "currency": "USD",
        "starts_on": "2024-01-01",
        "work_ids": [work.id],
    }
    _twice(
        client,
        db,
        f"/licensing/creators/{creator.id}/licences/new",
        f"/licensing/creators/{creator.id}/licences",
        data,
        lambda: db.scalar(select(func.count()).where(Licence.creator_id == creator.id)),
    )


@pytest.mark.parametrize("posted", ["works", "consents"])
def test_only_the_posted_form_of_a_page_gets_its_nonce_back(client, login, db, creator, posted):
    login("admin")  # sees both forms of the creator's licensing page
    page = f"/licensing/creators/{creator.id}"
    work_nonce, consent_nonce = _nonces(client, page)
    mine = work_nonce if posted == "works" else consent_nonce
    refused = post_form(client, f"{page}/{posted}", {"form_nonce": mine, "url": "not-a-url"})
    assert refused.status_code == 422
    shown = NONCE_RE.findall(refused.get_data(as_text=True))
    assert len(shown) == 2 and shown.count(mine) == 1
    assert shown[0 if posted == "works" else 1] == mine


def test_an_nda_posted_twice(client, login, db, creator, product):
    from crm.agreements.models import Nda

    login("legal")
    url = f"/agreements/ndas/new?creator_id={creator.id}"
    data = {"product_ids": [product.id], "effective_on": "2026-01-01", "terms": "Mutual"}
    _twice(
        client,
        db,
        url,
        url,
        data,
        lambda: db.scalar(select(func.count()).where(Nda.creator_id == creator.id)),
    )


def test_a_grant_posted_twice(client, login, db, creator, product):
    from crm.agreements.models import Grant
    from tests.factories import NdaFactory

    NdaFactory(creator_id=creator.id, products=[product], status="signed")
    login("manager")
    url = f"/agreements/grants/new?creator_id={creator.id}"
    data = {
        "product_id": product.id,
        "nda_id": 0,
        "starts_on": "2026-03-01",
        "ends_on": "2026-06-30",
        "monthly_value": "200.00",
        "currency": "USD",
    }
    _twice(
        client,
        db,
        url,
        url,
        data,
        lambda: db.scalar(select(func.count()).where(Grant.creator_id == creator.id)),
    )


def test_a_deal_posted_twice(client, login, db, creator):
    from crm.agreements.models import Deal

    login("manager")
    url = f"/agreements/deals/new?creator_id={creator.id}"
    data = {"title": "Posted twice", "kind": "paid", "fee": "1500.00", "currency": "usd"}
    _twice(
        client,
        db,
        url,
        url,
        data,
        lambda: db.scalar(select(func.count()).where(Deal.title == "Posted twice")),
    )
