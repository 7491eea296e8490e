"""Territory and term: a release counts for a licence only when it covers the licence's
territory and lasts as long as the licence; the consent check and the registry ask for the
whole world unless told a territory."""

from __future__ import annotations

from datetime import date

import pytest

from crm.audit.services import system_actor
from crm.common.errors import Conflict, Invalid
from crm.licensing import licences as lic
from crm.licensing.models import Release
from crm.licensing.services import manifests, releases, rights
from crm.licensing.services.territory import EVERYWHERE, read_territory

PAST = date(2020, 1, 1)
ACTOR = system_actor("test")


@pytest.fixture
def jane(db, make_creator, make_work, make_consent):
    """A creator allowing every use; a portrait of one person, Jane Doe, released for
    Germany only; and an own work showing nobody."""
    creator = make_creator()
    for use in ("data_mining", "ai_inference", "ai_training", "ai_generative_training"):
        make_consent(creator, use=use, decision="allowed", effective_on=PAST)
    portrait = make_work(creator, title="Portrait", people_present=True, people_count=1)
    own = make_work(creator, title="Own")
    release = releases.create_release(
        db,
        ACTOR,
        kind="model",
        subject="Jane Doe",
        uses=["data_mining", "ai_inference", "ai_training", "ai_generative_training"],
        territory="de",
        work_ids=[portrait.id],
    )
    return creator, portrait, own, release


def _licence(creator, works, **kw):
    return {
        "creator_id": creator.id,
        "title": "Regional set",
        "uses": ["ai_training"],
        "fee_model": "per_work",
        "rate": "1.00",
        "currency": "EUR",
        "starts_on": date(2024, 1, 1),
        "work_ids": [w.id for w in works],
    } | kw


def test_a_licence_needs_releases_covering_its_territory(db, jane):
    creator, portrait, own, release = jane
    assert release.territory == "DE"
    with pytest.raises(Conflict) as refused:
        lic.create_licence(db, ACTOR, **_licence(creator, [own, portrait], territory=["FR"]))
    assert refused.value.errors == {
        f"works.{portrait.id}": [
            "no model release for 1 person (model release for Jane Doe does not cover FR)"
        ]
    }
    with pytest.raises(Conflict) as worldwide:
        lic.create_licence(db, ACTOR, **_licence(creator, [portrait]))
    assert worldwide.value.errors[f"works.{portrait.id}"] == [
        "no model release for 1 person (model release for Jane Doe does not cover "
        "worldwide (only DE))"
    ]
    german = lic.create_licence(db, ACTOR, **_licence(creator, [own, portrait], territory="DE"))
    assert german.territory == "DE"
    assert lic.covered_work_ids(db, german, date(2025, 1, 1)) == sorted([own.id, portrait.id])
    # A change to a territory the release does not cover is checked against every work.
    with pytest.raises(Conflict):
        lic.update_licence(db, ACTOR, german, {"territory": "DE, FR"})


def test_eu_stands_for_its_members_and_bad_codes_are_refused(db, jane, make_work):
    creator, portrait, _own, _release = jane
    eu = releases.create_release(
        db,
        ACTOR,
        kind="model",
        subject="Jane Doe",
        uses=["ai_training"],
        territory="EU",
        work_ids=[portrait.id],
    )
    assert eu.territory == "EU"
    licence = lic.create_licence(db, ACTOR, **_licence(creator, [portrait], territory="FR IT"))
    assert licence.territory == "FR,IT"
    with pytest.raises(Invalid) as bad:
        lic.create_licence(db, ACTOR, **_licence(creator, [portrait], territory="Narnia"))
    assert "territory" in bad.value.errors
    with pytest.raises(Invalid) as bad_release:
        releases.create_release(
            db,
            ACTOR,
            kind="model",
            subject="X",
            uses=["ai_training"],
            territory=["FR", "ZZ"],
            work_ids=[portrait.id],
        )
    assert bad_release.value.errors["territory"][0].startswith("not ISO 3166")


def test_a_release_must_last_as_long_as_the_licence(db, jane):
    creator, portrait, _own, release = jane
    release.territory = "worldwide"
    release.expires_on = date(2026, 12, 31)
    db.flush()
    with pytest.raises(Conflict) as open_ended:
        lic.create_licence(db, ACTOR, **_licence(creator, [portrait]))
    assert open_ended.value.errors[f"works.{portrait.id}"] == [
        f"no model release for 1 person (release #{release.id} ends 2026-12-31, before the "
        "licence (open-ended))"
    ]
    with pytest.raises(Conflict) as longer:
        lic.create_licence(db, ACTOR, **_licence(creator, [portrait], ends_on=date(2027, 6, 30)))
    (reason,) = longer.value.errors[f"works.{portrait.id}"]
    assert "before the licence (ending 2027-06-30)" in reason
    licence = lic.create_licence(
        db, ACTOR, **_licence(creator, [portrait], ends_on=date(2026, 6, 30))
    )
    # Extending the term within the release is accepted; past it, refused.
    lic.update_licence(db, ACTOR, licence, {"ends_on": date(2026, 12, 31)})
    assert licence.ends_on == date(2026, 12, 31)
    with pytest.raises(Conflict):
        lic.update_licence(db, ACTOR, licence, {"ends_on": date(2027, 1, 31)})
    with pytest.raises(Conflict):
        lic.update_licence(db, ACTOR, licence, {"ends_on": None})


def test_free_text_territories_recorded_earlier_cover_nothing(db, jane):
    _creator, portrait, _own, release = jane
    release.territory = "Europe"
    db.flush()
    assert read_territory("Europe") is None
    found = rights.verdicts(
        db, [portrait], ["ai_training"], date(2025, 1, 1), rights.Demand(territory=EVERYWHERE)
    )[portrait.id]
    assert found.reasons == (
        "no model release for 1 person (model release for Jane Doe does not cover worldwide "
        "(its territory 'Europe' is not understood))",
    )
    # Without a territory asked, a release counts wherever it applies.
    assert rights.verdicts(db, [portrait], ["ai_training"], date(2025, 1, 1))[
        portrait.id
    ].licensable


def test_the_consent_check_and_registry_ask_for_the_world_unless_told(client, api, db, jane):
    creator, portrait, own, _release = jane
    _user, headers = api("viewer")
    body = {"use": "ai_training", "items": [{"url": portrait.url}, {"url": own.url}]}
    answer = client.post("/api/v1/consent/check", json=body, headers=headers).get_json()
    assert answer["territory"] == "worldwide"
    first = answer["items"][0]
    assert first["decision"] == "not_allowed" and first["consent_decision"] == "allowed"
    assert "model release for Jane Doe does not cover worldwide (only DE)" in first["reason"]
    assert answer["items"][1]["decision"] == "allowed"
    german = client.post(
        "/api/v1/consent/check", json=body | {"territory": "DE"}, headers=headers
    ).get_json()
    assert [i["decision"] for i in german["items"]] == ["allowed", "allowed"]
    bad = client.post("/api/v1/consent/check", json=body | {"territory": "Mars"}, headers=headers)
    assert bad.status_code == 422 and "territory" in bad.get_json()["errors"]

    registry = client.get(
        f"/api/v1/registry.json?creator_id={creator.id}", headers=headers
    ).get_json()
    entry = {i["work_id"]: i for i in registry["items"]}[portrait.id]
    assert entry["decisions"]["ai_training"]["decision"] == "not_allowed"
    regional = client.get(
        f"/api/v1/registry.json?creator_id={creator.id}&territory=DE", headers=headers
    ).get_json()
    assert regional["territory"] == "DE"
    entry = {i["work_id"]: i for i in regional["items"]}[portrait.id]
    assert entry["decisions"]["ai_training"] == {
        "decision": "allowed",
        "consent_id": entry["decisions"]["ai_training"]["consent_id"],
    }
    assert client.get("/api/v1/registry.json?territory=1,2", headers=headers).status_code == 422

    licensable = client.get(
        f"/api/v1/works/{portrait.id}/licensable?territory=FR", headers=headers
    ).get_json()
    assert licensable["territory"] == "FR" and licensable["licensable"] is False
    assert "does not cover FR" in licensable["reasons"][0]


def test_licence_territory_through_the_api(client, api, db, jane):
    creator, portrait, own, _release = jane
    _user, headers = api("manager")
    body = _licence(creator, [own, portrait], territory=["de"]) | {"starts_on": "2024-01-01"}
    made = client.post("/api/v1/licences", json=body, headers=headers)
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["territory"] == "DE"
    wider = client.patch(
        f"/api/v1/licences/{made.get_json()['id']}", json={"territory": "DE,AT"}, headers=headers
    )
    assert wider.status_code == 409
    assert "does not cover AT" in wider.get_json()["errors"][f"works.{portrait.id}"][0]
    for bad in ("Atlantis", 7, ["FR", 3], ["x" * 30], "FR," * 400):
        res = client.post("/api/v1/licences", json=body | {"territory": bad}, headers=headers)
        assert res.status_code == 422, (bad, res.status_code)


def test_manifests_apply_the_territory_and_name_no_person(db, jane):
    creator, portrait, own, release = jane
    licence = lic.create_licence(
        db,
        ACTOR,
        **_licence(creator, [], all_allowed_works=True, territory="DE") | {"work_ids": None},
    )
    january = manifests.manifest(db, licence, "2025-01", on=date(2025, 3, 1))
    assert [r["work_id"] for r in january.records] == sorted([own.id, portrait.id])
    # The release narrows to Austria: February drops the portrait, and says why.
    db.get(Release, release.id).territory = "AT"
    db.flush()
    february = manifests.manifest(db, licence, "2025-02", on=date(2025, 3, 1))
    assert [r["work_id"] for r in february.records] == [own.id]
    (removed,) = february.removed
    assert removed["work_id"] == portrait.id
    assert removed["reasons"] == [
        f"no model release for 1 person (release #{release.id} does not cover DE)"
    ]
    assert "Jane" not in str(february.removed)


def test_licensable_as_a_licence_would_judge_it(client, api, db, jane, make_creator):
    creator, portrait, own, _release = jane
    licence = lic.create_licence(db, ACTOR, **_licence(creator, [own], territory="DE"))
    french = lic.create_licence(db, ACTOR, **_licence(creator, [own], territory="FR"))
    _user, headers = api("viewer")
    url = f"/api/v1/works/{portrait.id}/licensable"
    ok = client.get(f"{url}?licence_id={licence.id}", headers=headers).get_json()
    assert ok["licensable"] is True and ok["uses"] == ["ai_training"] and ok["territory"] == "DE"
    no = client.get(f"{url}?licence_id={french.id}", headers=headers).get_json()
    assert no["licensable"] is False
    assert no["reasons"] == [
        "no model release for 1 person (model release for Jane Doe does not cover FR)"
    ]
    stranger = make_creator()
    theirs = lic.create_licence(
        db,
        ACTOR,
        **_licence(stranger, [], all_allowed_works=True) | {"work_ids": None},
    )
    for query in (
        f"licence_id={theirs.id}",
        f"licence_id={licence.id}&territory=FR",
        f"licence_id={licence.id}&use=ai_training",
        "licence_id=abc",
        "territory=Mars",
    ):
        assert client.get(f"{url}?{query}", headers=headers).status_code == 422, query
    assert client.get(f"{url}?licence_id=999999", headers=headers).status_code == 404
