"""A consent's scope written in one value: the consent form and the API share one parser."""

from __future__ import annotations

from datetime import date

import pytest

from crm.common.errors import FieldErrors, Invalid
from crm.licensing import services


@pytest.mark.parametrize(
    ("scope", "parsed"),
    [("all", (None, None)), ("kind:image", (None, "image")), ("work:12", (12, None))],
)
def test_scope_values_the_form_writes(scope, parsed):
    errors = FieldErrors()
    assert services.parse_scope(scope, errors) == parsed
    assert not errors


@pytest.mark.parametrize(
    "scope", ["", "kind:", "work:", "work:x", "work:-1", "everything", "all:1"]
)
def test_other_scope_values_are_refused_on_the_scope_field(scope):
    errors = FieldErrors()
    assert services.parse_scope(scope, errors) == (None, None)
    assert list(errors.errors) == ["scope"]


def _consent(**scope):
    return {
        "decision": "allowed",
        "source": "contract",
        "effective_on": date(2024, 1, 1),
        **scope,
    }


def test_record_consents_one_per_use_with_the_parsed_scope(db, make_creator, make_work, make_user):
    creator = make_creator()
    work = make_work(creator)
    actor = make_user("legal")
    made = services.record_consents(
        db,
        actor,
        creator_id=creator.id,
        uses=["ai_training", "data_mining"],
        **_consent(scope=f"work:{work.id}"),
    )
    assert [(c.use, c.work_id, c.kind) for c in made] == [
        ("ai_training", work.id, None),
        ("data_mining", work.id, None),
    ]
    other = make_work(make_creator())
    with pytest.raises(Invalid) as refused:
        services.record_consents(
            db,
            actor,
            creator_id=creator.id,
            uses=["ai_training"],
            **_consent(scope=f"work:{other.id}"),
        )
    assert "work_id" in refused.value.errors


def test_scope_and_work_id_together_are_refused(db, make_creator, make_work, make_user):
    creator = make_creator()
    work = make_work(creator)
    with pytest.raises(Invalid) as refused:
        services.create_consent(
            db,
            make_user("legal"),
            creator_id=creator.id,
            use="ai_training",
            **_consent(scope="all", work_id=work.id),
        )
    assert "scope" in refused.value.errors


def test_the_api_takes_the_same_scope_value(client, api, db, make_creator, make_work):
    _user, headers = api("legal")
    creator = make_creator()
    body = {
        "creator_id": creator.id,
        "use": "ai_training",
        "decision": "allowed",
        "source": "contract",
        "effective_on": "2024-01-01",
    }
    made = client.post("/api/v1/consents", json={**body, "scope": "kind:image"}, headers=headers)
    assert made.status_code == 201, made.get_json()
    assert (made.get_json()["scope"], made.get_json()["kind"]) == ("kind", "image")
    bad = client.post("/api/v1/consents", json={**body, "scope": "work:abc"}, headers=headers)
    assert bad.status_code == 422 and "scope" in bad.get_json()["errors"]
