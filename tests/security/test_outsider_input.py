"""Input an outsider may send, on the shared parsers: never a 500, always a clear refusal."""

from __future__ import annotations

import base64
import json
from datetime import date

import pytest

from crm.api.base import MAX_JSON_DEPTH, json_depth
from crm.common.ids import parse_id, parse_int


def cursor(value) -> str:
    raw = json.dumps(value).encode() if not isinstance(value, bytes) else value
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


BAD_CURSORS = [
    [None],
    [{}],
    [10**30],
    [True, 1],
    [1.5, 1],
    [[1], 1],
    [None, None],
    [{}, {}],
    [{"dt": 5}, 1],
    [{"dt": "0001-01-01T00:00:00+01:00"}, 1],
    [{"dt": "2026-01-01T00:00:00"}, 1],
    [{"d": "2026-01-01", "dt": "x"}, 1],
    ["x", 10**30],
    [1, "x"],
    b"[" * 5000,
]
API_LISTS = [
    "/api/v1/creators",
    "/api/v1/submissions",
    "/api/v1/feedback",
    "/api/v1/reminders",
    "/api/v1/works",
    "/api/v1/consents",
    "/api/v1/licences",
    "/api/v1/ndas",
]
PAGES = ["/audit/", "/creators/", "/submissions/", "/licensing/", "/submissions/queue"]


@pytest.mark.parametrize("value", BAD_CURSORS, ids=repr)
def test_api_lists_refuse_cursors_of_the_wrong_shape(client, api, value):
    _user, headers = api("admin")
    for url in API_LISTS:
        response = client.get(url, headers=headers, query_string={"cursor": cursor(value)})
        assert response.status_code in (400, 404, 422), (url, response.status_code)


@pytest.mark.parametrize("value", BAD_CURSORS, ids=repr)
def test_pages_refuse_cursors_of_the_wrong_shape(client, login, value):
    login("admin")
    for url in PAGES:
        response = client.get(url, query_string={"cursor": cursor(value)})
        assert response.status_code < 500, (url, response.status_code)


@pytest.mark.parametrize("raw", ["²", "①", "١٢", "１２", "1_2", "99999999999999999999999", "-0x1"])
def test_ids_in_other_digits_are_refused_everywhere(client, api, login, raw):
    _user, headers = api("admin")
    response = client.get("/api/v1/submissions", headers=headers, query_string={"creator_id": raw})
    assert response.status_code == 422
    login("admin")
    for url, name in [
        ("/creators/", "owner"),
        ("/creators/export.csv", "owner"),
        ("/submissions/", "creator_id"),
        ("/submissions/new", "creator_id"),
        ("/submissions/new", "deal_id"),
    ]:
        response = client.get(url, query_string={name: raw})
        assert response.status_code < 500, (url, name, response.status_code)
    assert parse_id(raw) is None and parse_int(raw) is None


def test_integer_body_fields_take_ascii_digits_only(client, api):
    _user, headers = api("admin")
    for raw in ["1_2", "١٢"]:
        response = client.post(
            "/api/v1/submissions", headers=headers, json={"creator_id": raw, "title": "x"}
        )
        assert response.status_code == 422
        assert "creator_id" in response.get_json()["errors"]


def test_json_depth_counts_brackets_outside_strings():
    assert json_depth(b'{"a": [1, {"b": "]]]"}]}') == 3
    assert json_depth(b'["\\"[[[["]') == 1
    assert json_depth(b"[" * 100_000) == MAX_JSON_DEPTH + 1
    assert json_depth(b"[" * 100_000 + b"]" * 100_000) == MAX_JSON_DEPTH + 1
    assert json_depth(json.dumps({"items": [{"url": "x"}] * 10_000}).encode()) == 3


def test_json_depth_by_passes_is_the_depth_the_scan_counts():
    import random

    from crm.api.base import _scanned_depth

    rnd = random.Random(5)
    alphabet = b'[]{}"\\a,:'
    for _ in range(20_000):
        text = bytes(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40)))
        for limit in (3, MAX_JSON_DEPTH):
            assert json_depth(text, limit) == _scanned_depth(text, limit), text
    nested = b"[" * 70 + b'"]"' + b"]" * 70
    assert json_depth(nested) == _scanned_depth(nested, MAX_JSON_DEPTH) == MAX_JSON_DEPTH + 1


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 50_000])
def test_deeply_nested_bodies_are_a_400_problem(client, api, app, depth):
    _user, headers = api("admin")
    body = "[" * depth + "]" * depth
    posts = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        and "POST" in (rule.methods or ())
        and not rule.arguments
    ]
    assert posts
    for url in posts:
        response = client.post(
            url, headers={**headers, "Content-Type": "application/json"}, data=body
        )
        assert response.status_code == 400, (url, response.status_code)
        assert response.content_type.startswith("application/problem+json")
        assert "nested too deeply" in response.get_json()["detail"]


HUGE_FIELD = "x" * 200_000  # past csv.field_size_limit() (131,072)


def test_metrics_history_import_reports_a_huge_field(db, make_user):
    from crm.common.errors import Invalid
    from crm.metrics import services

    admin = make_user("admin")
    text = f"date,account_id,followers\n2026-01-01,1,{HUGE_FIELD}\n"
    with pytest.raises(Invalid) as refused:
        services.import_history_csv(db, admin, text, today=date(2026, 2, 1))
    assert "line" in str(refused.value.errors)


def test_works_import_reports_a_huge_field(db, make_user):
    from crm.common.errors import Invalid
    from crm.licensing import services

    admin = make_user("admin")
    text = f"creator_id,kind,title,url\n1,video,{HUGE_FIELD},https://example.com\n"
    with pytest.raises(Invalid) as refused:
        services.import_works_csv(db, admin, text)
    assert "not valid CSV" in str(refused.value.errors)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("clip\r\nX-Evil: 1.mp4", "clipX-Evil: 1.mp4"),
        ("invoice\u202egpj.exe", "invoicegpj.mp4"),
        ("../../etc/passwd", "passwd.mp4"),
        ("\x00\x1b", "media.mp4"),
        ("photo.PNG", "photo.mp4"),
        ("", "media.mp4"),
        ("a" * 500 + ".jpg", "a" * 196 + ".mp4"),
    ],
)
def test_upload_names_lose_control_and_bidi_characters_and_take_the_detected_type(raw, expected):
    from crm.common.filenames import upload_name

    assert upload_name(raw, "mp4", "media") == expected


def test_names_stored_before_cleaning_still_download():
    from werkzeug.datastructures import Headers

    from crm.common.filenames import download_name

    name = download_name("a\r\nb\u202e.png", "fallback.png")
    Headers().add("Content-Disposition", "attachment", filename=name)
    assert name == "ab.png"
    assert download_name("\r\n", "fallback.png") == "fallback.png"


def test_viewers_get_no_nda_terms_nor_document_flag(client, api, login, db, creator):
    from crm.agreements.models import Nda

    nda = Nda(creator_id=creator.id, status="draft", terms="SECRET-TERMS-42")
    db.add(nda)
    db.flush()
    _user, headers = api("viewer")
    for url in (f"/api/v1/ndas/{nda.id}", "/api/v1/ndas"):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        assert "SECRET-TERMS-42" not in text and "has_document" not in text
    login("viewer")
    page = client.get(f"/ndas/{nda.id}")
    assert page.status_code in (200, 404)
    assert "SECRET-TERMS-42" not in page.get_data(as_text=True)
    _user, headers = api("legal")
    assert client.get(f"/api/v1/ndas/{nda.id}", headers=headers).get_json()["terms"]
