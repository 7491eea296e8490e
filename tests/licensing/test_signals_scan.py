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


# --- the fetcher: public addresses only, resolved once -------------------------------------


def _fake_dns(monkeypatch, answers: dict[str, list[str]]):
    """socket.getaddrinfo answering `answers[host]` in turn (the last one repeats)."""
    import socket

    real = socket.getaddrinfo
    asked: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            asked.append(host)
            queue = answers[host]
            address = queue.pop(0) if len(queue) > 1 else queue[0]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 80))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def test_a_name_that_rebinds_to_loopback_is_never_connected_to(monkeypatch, httpserver):
    """The first answer is public, every later one loopback: a check-then-connect fetcher
    would reach the loopback server on its second lookup; ours connects to the address it
    checked (which is unreachable here), so the server sees nothing."""
    monkeypatch.delenv("CRM_FETCH_ALLOW_PRIVATE", raising=False)
    monkeypatch.setattr(signals_scan, "TIMEOUT", (0.3, 0.3))
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: GPTBot\nDisallow: /")
    asked = _fake_dns(monkeypatch, {"rebind.test": ["93.184.216.34", "127.0.0.1"]})
    url = f"http://rebind.test:{httpserver.port}/robots.txt"
    assert signals_scan.fetch(url) is None
    assert httpserver.log == []
    assert asked  # it was resolved (once per connection attempt, the retries included)


def test_the_resolved_address_is_connected_to_with_the_host_name_kept(monkeypatch, httpserver):
    monkeypatch.setenv("CRM_FETCH_ALLOW_PRIVATE", "1")
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    asked = _fake_dns(monkeypatch, {"site.test": ["127.0.0.1"]})
    got = signals_scan.fetch(f"http://site.test:{httpserver.port}/robots.txt")
    assert got is not None and got.status == 200
    assert asked == ["site.test"]
    request, _response = httpserver.log[0]
    assert request.headers["Host"] == f"site.test:{httpserver.port}"
    import hashlib

    assert got.sha256 == hashlib.sha256(b"User-agent: *\nAllow: /\n").hexdigest()


def test_names_resolving_to_private_addresses_are_refused(monkeypatch, httpserver):
    monkeypatch.delenv("CRM_FETCH_ALLOW_PRIVATE", raising=False)
    httpserver.expect_request("/x").respond_with_data("secret")
    for address in ("127.0.0.1", "10.1.2.3", "169.254.169.254", "192.168.0.1", "100.64.0.1"):
        _fake_dns(monkeypatch, {"inside.test": [address]})
        assert signals_scan.fetch(f"http://inside.test:{httpserver.port}/x") is None, address
    for url in ("ftp://example.com/x", "file:///etc/passwd", "http:///x", "gopher://x/"):
        assert signals_scan.fetch(url) is None
    assert httpserver.log == []


def test_redirects_are_followed_through_the_same_check(monkeypatch, httpserver):
    """With loopback allowed a redirect is followed; the hop connects through the same
    adapter, whose address rule the tests above exercise."""
    monkeypatch.setenv("CRM_FETCH_ALLOW_PRIVATE", "1")
    httpserver.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": "/new"}
    )
    httpserver.expect_request("/new").respond_with_data("moved here")
    got = signals_scan.fetch(httpserver.url_for("/old"))
    assert got is not None and got.status == 200 and got.text == "moved here"
    assert got.url.endswith("/new")


def test_evidence_keeps_the_url_and_the_hash_of_what_was_read(
    db, httpserver, allow_loopback, make_creator
):
    import hashlib

    robots = "User-agent: ClaudeBot\nDisallow: /\n"
    httpserver.expect_request("/robots.txt").respond_with_data(robots)
    creator = make_creator(sites=[httpserver.url_for("/")])
    db.flush()
    signals_scan.scan(db, [creator.id])
    found = db.query(SiteSignal).filter_by(creator_id=creator.id, source="robots").all()
    assert {s.url for s in found} == {httpserver.url_for("/robots.txt")}
    assert {s.sha256 for s in found} == {hashlib.sha256(robots.encode()).hexdigest()}


def test_content_usage_and_content_signal_lines_refuse_the_uses_they_name():
    refused = signals_scan.preference_refusals(
        "User-agent: *\nContent-Usage: train-ai=n, search=y\nContent-Signal: ai-input=no\n"
    )
    assert set(refused) == {"ai_training", "ai_generative_training", "ai_inference"}
    assert signals_scan.preference_refusals("Content-Usage: tdm=n")["data_mining"]
    assert signals_scan.preference_refusals("Content-Usage: train-genai=n").keys() == {
        "ai_generative_training"
    }
    assert signals_scan.preference_refusals("Content-Signal: ai-train=yes, search=yes") == {}
    assert signals_scan.preference_refusals("Content-Usage: train-ai=y") == {}


def test_preference_headers_and_lines_are_scanned(db, httpserver, allow_loopback, make_creator):
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nAllow: /\nContent-Signal: ai-train=no\n"
    )
    httpserver.expect_request("/home").respond_with_data(
        "<html></html>", headers={"Content-Usage": "tdm=n"}, content_type="text/html"
    )
    creator = make_creator(sites=[httpserver.url_for("/home")])
    db.flush()
    signals_scan.scan(db, [creator.id])
    found = sorted((s.source, s.use) for s in db.query(SiteSignal).filter_by(creator_id=creator.id))
    assert ("robots_pref", "ai_training") in found
    assert ("robots_pref", "ai_generative_training") in found
    assert ("header_pref", "data_mining") in found and ("header_pref", "ai_inference") in found
