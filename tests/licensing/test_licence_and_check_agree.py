"""The licence refusal and the consent check give the same verdict and the same reasons,
work by work, before and after the missing release is attached; a territory-limited
licence's Croissant manifest validates and lists exactly the works licensable there."""

from __future__ import annotations

from datetime import date

import mlcroissant as mlc
import pytest

from crm.audit.services import system_actor
from crm.licensing import licences as lic
from crm.licensing.models import USES, ManifestPeriod
from crm.licensing.services import releases

PAST = date(2020, 1, 1)
ACTOR = system_actor("test")
MLCROISSANT_WARNINGS = pytest.mark.filterwarnings(
    "ignore:ConjunctiveGraph is deprecated:DeprecationWarning"
)


@pytest.fixture
def works(db, make_creator, make_work, make_consent):
    creator = make_creator()
    for use in USES:
        make_consent(creator, use=use, decision="allowed", effective_on=PAST)
    own = make_work(creator, title="Own")
    client = make_work(creator, title="Commission", rights="client", client_name="Harbour")
    portrait = make_work(creator, title="Portrait", people_present=True, people_count=1)
    return creator, own, client, portrait


def _body(creator, works, **kw):
    return {
        "creator_id": creator.id,
        "title": "Set",
        "uses": ["ai_training"],
        "fee_model": "per_work",
        "rate": "1.00",
        "currency": "USD",
        "starts_on": "2024-01-01",
        "work_ids": [w.id for w in works],
    } | kw


def _checked(client, headers, works, territory=None):
    body = {"use": "ai_training", "items": [{"url": w.url} for w in works]}
    if territory:
        body["territory"] = territory
    answer = client.post("/api/v1/consent/check", json=body, headers=headers).get_json()
    return {i["work_id"]: i for i in answer["items"]}


def test_the_licence_and_the_consent_check_give_the_same_reasons(client, api, db, works):
    creator, own, commission, portrait = works
    _user, headers = api("manager")
    for territory in (None, "FR"):
        extra = {"territory": territory} if territory else {}
        refused = client.post(
            "/api/v1/licences",
            json=_body(creator, [own, commission, portrait], **extra),
            headers=headers,
        )
        assert refused.status_code == 409
        errors = refused.get_json()["errors"]
        checked = _checked(client, headers, [own, commission, portrait], territory)
        for w in (own, commission, portrait):
            answer = checked[w.id]
            assert answer.get("licensable_reasons", []) == errors.get(f"works.{w.id}", [])
            assert (answer["decision"] == "allowed") == (f"works.{w.id}" not in errors)
        assert errors[f"works.{commission.id}"] == ["client-owned, no re-licence clause"]
        assert errors[f"works.{portrait.id}"] == ["no model release for 1 person"]

    releases.create_release(
        db,
        ACTOR,
        kind="model",
        subject="Jane Doe",
        uses=["ai_training"],
        territory="FR",
        work_ids=[portrait.id],
    )
    # Released for France: a French licence takes the portrait, a worldwide one does not,
    # and the consent check says the same for each territory.
    french = client.post(
        "/api/v1/licences", json=_body(creator, [own, portrait], territory="FR"), headers=headers
    )
    assert french.status_code == 201, french.get_json()
    assert _checked(client, headers, [portrait], "FR")[portrait.id]["decision"] == "allowed"
    worldwide = client.post("/api/v1/licences", json=_body(creator, [portrait]), headers=headers)
    assert worldwide.status_code == 409
    reasons = worldwide.get_json()["errors"][f"works.{portrait.id}"]
    assert _checked(client, headers, [portrait])[portrait.id]["licensable_reasons"] == reasons


@MLCROISSANT_WARNINGS
def test_a_regional_manifest_validates_and_lists_exactly_what_it_may(client, api, db, works):
    creator, own, _commission, portrait = works
    release = releases.create_release(
        db,
        ACTOR,
        kind="model",
        subject="Jane Doe",
        uses=["ai_training"],
        territory="EU",
        work_ids=[portrait.id],
    )
    regional = lic.create_licence(
        db,
        ACTOR,
        **_body(creator, [], all_allowed_works=True, territory="DE")
        | {"work_ids": None, "starts_on": date(2024, 1, 1)},
    )
    worldwide = lic.create_licence(
        db,
        ACTOR,
        **_body(creator, [], all_allowed_works=True)
        | {"work_ids": None, "starts_on": date(2024, 1, 1)},
    )
    _user, headers = api("viewer")

    def records(licence, period, record_set="works"):
        doc = client.get(
            f"/api/v1/licences/{licence.id}/croissant.json?period={period}", headers=headers
        ).get_json()
        if not any(rs["@id"] == record_set for rs in doc["recordSet"]):
            return doc, []
        found = mlc.Dataset(jsonld=doc).records(record_set)  # validates the document
        return doc, [
            {k.split("/", 1)[1]: (v.decode() if isinstance(v, bytes) else v) for k, v in r.items()}
            for r in found
        ]

    january, listed = records(regional, "2025-01")
    assert {(r["work_id"], r["sha256"]) for r in listed} == {
        (own.id, own.sha256),
        (portrait.id, portrait.sha256),
    }
    assert "territory DE" in january["license"]
    _doc, listed = records(worldwide, "2025-01")
    assert {r["work_id"] for r in listed} == {own.id}

    releases.revoke_release(db, ACTOR, release, date(2025, 1, 10))
    again, _listed = records(regional, "2025-01")
    assert again == january
    assert db.query(ManifestPeriod).filter_by(licence_id=regional.id).count() == 1
    _doc, removals = records(regional, "2025-02", "removals")
    assert [r["work_id"] for r in removals] == [portrait.id]
    assert "Jane" not in str(removals)
