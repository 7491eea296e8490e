"""Creators' own signals: a scan of their sites, its evidence, and conflicts with consent."""

from __future__ import annotations

from datetime import date

import pytest

from crm.licensing import signals_scan
from crm.licensing.models import SiteSignal

PAST = date(2020, 1, 1)


@pytest.fixture
def allow_loopback(monkeypatch):
    monkeypatch.setenv("CRM_FETCH_ALLOW_PRIVATE", "1")


def test_robots_refusals():
    text = (
        "User-agent: *\nDisallow: /private\n\nUser-agent: GPTBot\nUser-agent: CCBot\nDisallow: /\n"
    )
    assert signals_scan.robots_refusals(text) == ["gptbot", "ccbot"]
    assert signals_scan.robots_refusals("User-agent: GPTBot\nDisallow: /x\n") == []


def test_scan_stores_evidence_and_lists_conflicts(
    client, api, db, runner, httpserver, allow_loopback, make_creator, make_consent
):
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: GPTBot\nDisallow: /\n")
    httpserver.expect_request("/.well-known/tdmrep.json").respond_with_json(
        [{"location": "/*", "tdm-reservation": 1}]
    )
    httpserver.expect_request("/me").respond_with_data(
        '<html><head><meta name="tdm-reservation" content="1"></head></html>',
        headers={"tdm-reservation": "1"},
        content_type="text/html",
    )
    httpserver.expect_request("/ai.txt").respond_with_data("Not found", status=404)
    creator = make_creator(sites=[httpserver.url_for("/me")])
    consent = make_consent(creator, use="ai_training", decision="allowed", effective_on=PAST)
    make_consent(creator, use="data_mining", decision="not_allowed", effective_on=PAST)
    db.commit()
    result = runner.invoke(args=["crm", "consent", "scan-sites", "--creator", str(creator.id)])
    assert result.exit_code == 0, result.output
    sources = sorted(
        (s.source, s.use) for s in db.query(SiteSignal).filter_by(creator_id=creator.id)
    )
    assert sources == [
        ("header", "data_mining"),
        ("meta", "data_mining"),
        ("robots", "ai_generative_training"),
        ("robots", "ai_training"),
        ("tdmrep", "data_mining"),
    ]
    _u, headers = api("viewer")
    res = client.get("/api/v1/consent/conflicts", headers=headers)
    assert res.status_code == 200
    mine = [c for c in res.json["items"] if c["creator_id"] == creator.id]
    # data_mining is refused by us too, and no record means not_allowed for generative use.
    assert [(c["source"], c["use"], c["consent_id"]) for c in mine] == [
        ("robots", "ai_training", consent.id)
    ]
    assert "gptbot" in mine[0]["evidence"]


def test_private_sites_are_not_fetched_without_the_setting(monkeypatch):
    monkeypatch.delenv("CRM_FETCH_ALLOW_PRIVATE", raising=False)
    assert signals_scan.fetch("http://127.0.0.1:9/robots.txt") is None
