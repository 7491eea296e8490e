"""Input the fuzzers found the API mishandling: huge ids and numbers, and the spec's shapes."""

from __future__ import annotations

import pytest

from crm.api.openapi import build_spec
from crm.common.ids import parse_id

HUGE = "99999999999999999999999"
PAST_INTEGER = str(2**31)  # ids are INTEGER columns: PostgreSQL refuses this one


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
@pytest.mark.parametrize("number", [HUGE, PAST_INTEGER])
def test_an_id_past_the_database_range_is_404_for_every_method(client, api, method, number):
    _user, headers = api("admin")
    response = getattr(client, method)(f"/api/v1/creators/{number}", headers=headers, json={})
    assert response.status_code == 404
    assert response.content_type.startswith("application/problem+json")


@pytest.mark.parametrize("number", [HUGE, PAST_INTEGER])
def test_a_body_integer_past_the_database_range_is_422(client, api, number):
    _user, headers = api("manager")
    body = {"creator_id": int(number), "decision": "granted", "use": "ads", "source": "email"}
    response = client.post("/api/v1/consents", headers=headers, json=body)
    assert response.status_code == 422
    assert "creator_id" in response.get_json()["errors"]


def test_a_count_kept_in_a_bigint_may_pass_the_integer_range(app):
    from crm.metrics.api import SnapshotIn

    snapshot = SnapshotIn.model_validate({"captured_on": "2026-01-01", "views": 5 * 10**9})
    assert snapshot.views == 5 * 10**9


@pytest.mark.parametrize("number", [HUGE, PAST_INTEGER])
def test_a_query_integer_past_the_database_range_is_422(client, api, number):
    _user, headers = api("admin")
    response = client.get(f"/api/v1/audit?actor_id={number}", headers=headers)
    assert response.status_code == 422


def test_a_deleted_account_is_documented_without_a_body(app):
    spec = build_spec(app)
    response = spec["paths"]["/api/v1/accounts/{account_id}"]["delete"]["responses"]["204"]
    assert "content" not in response


def test_models_of_the_same_name_do_not_share_a_schema(app):
    """The consent revoke body is not the grant revoke body; check results keep their shape."""
    spec = build_spec(app)
    paths = spec["paths"]
    consent = paths["/api/v1/consents/{consent_id}/revoke"]["post"]["requestBody"]
    grant = paths["/api/v1/grants/{grant_id}/revoke"]["post"]["requestBody"]
    ref_of = lambda body: body["content"]["application/json"]["schema"]["$ref"]  # noqa: E731
    assert ref_of(consent) != ref_of(grant)
    schemas = spec["components"]["schemas"]
    assert "revoked_on" in schemas[ref_of(consent).rsplit("/", 1)[1]]["properties"]
    assert schemas[ref_of(grant).rsplit("/", 1)[1]]["required"] == ["reason"]


def test_two_api_models_with_one_name_are_refused(app):
    from pydantic import BaseModel

    from crm.api.openapi import _schema_ref

    def model(field):
        return type("Twin", (BaseModel,), {"__annotations__": {field: str}})

    components: dict = {}
    _schema_ref(model("a"), components)
    with pytest.raises(ValueError, match="Twin"):
        _schema_ref(model("b"), components)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", 12),
        (" 7 ", 7),
        ("²", None),
        ("１２", None),
        ("-1", None),
        ("", None),
        (None, None),
        (HUGE, None),
        ("9" * 60_000, None),
        ("0" * 60_000 + "1", None),
        ("12a", None),
        ("999999999999999999", None),
        ("2147483647", 2147483647),
        ("2147483648", None),
        ("0002147483647", 2147483647),
    ],
)
def test_parse_id(raw, expected):
    assert parse_id(raw) == expected
