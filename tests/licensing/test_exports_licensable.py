"""The standard-form exports (CAWG, XMP, TDMRep and its ODRL policy) say what the consent
check and the registry say: a use the work is not licensable for is never allowed."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest

from crm.audit.services import system_actor
from crm.licensing import services
from crm.licensing.models import USES
from crm.licensing.services import releases

PAST = date(2020, 1, 1)
ACTOR = system_actor("test")
PLUS = "{http://ns.useplus.org/ldf/xmp/1.0/}"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
CAWG = {"allowed": "allowed", "not_allowed": "notAllowed", "constrained": "constrained"}


@pytest.fixture
def commission(db, client, api, make_creator, make_work, make_consent):
    """A creator with a site who allows every use, and one work: a client commission
    without a re-licence clause."""
    creator = make_creator()
    _user, headers = api("manager")
    assert (
        client.patch(
            f"/api/v1/creators/{creator.id}",
            json={"sites": ["https://example.com/"]},
            headers=headers,
        ).status_code
        == 200
    )
    for use in USES:
        make_consent(creator, use=use, decision="allowed", effective_on=PAST)
    work = make_work(
        creator, rights="client", client_name="Harbour Magazine", url="https://example.com/a.jpg"
    )
    return creator, work


def _exports(client, headers, creator, work):
    cawg = client.get(f"/api/v1/works/{work.id}/cawg.json", headers=headers).get_json()
    xmp = client.get(f"/api/v1/works/{work.id}/xmp", headers=headers)
    root = ET.fromstring(xmp.data)  # noqa: S314 (our own document, under test)
    dmi = root.findtext(f"{RDF}RDF/{RDF}Description/{PLUS}DataMining")
    tdmrep = client.get(f"/api/v1/creators/{creator.id}/tdmrep.json", headers=headers).get_json()
    policy = client.get(
        f"/api/v1/creators/{creator.id}/tdm-policy.json", headers=headers
    ).get_json()
    return cawg["data"]["entries"], dmi.rsplit("/", 1)[1], tdmrep, policy


def _decisions(client, headers, creator, work):
    """What the registry and the consent check say per use."""
    registry = client.get(
        f"/api/v1/registry.json?creator_id={creator.id}", headers=headers
    ).get_json()
    entry = {i["work_id"]: i for i in registry["items"]}[work.id]["decisions"]
    checked = {}
    for use in USES:
        answer = client.post(
            "/api/v1/consent/check",
            json={"use": use, "items": [{"url": work.url}]},
            headers=headers,
        ).get_json()
        checked[use] = answer["items"][0]["decision"]
    assert checked == {use: entry[use]["decision"] for use in USES}
    return checked


def test_a_client_work_without_relicence_is_refused_in_every_export(client, api, db, commission):
    creator, work = commission
    _user, headers = api("viewer")
    decided = _decisions(client, headers, creator, work)
    assert set(decided.values()) == {"not_allowed"}
    cawg, dmi, tdmrep, policy = _exports(client, headers, creator, work)
    assert cawg == {f"cawg.{use}": {"use": "notAllowed"} for use in USES}
    assert dmi == "DMI-PROHIBITED"
    assert [e["tdm-reservation"] for e in tdmrep] == [1]
    assert "permission" not in policy
    assert len(policy["prohibition"]) == 4

    # The contract turns out to allow re-licensing: every export allows every use.
    services.update_work(db, ACTOR, work, {"relicense_allowed": True})
    db.commit()
    decided = _decisions(client, headers, creator, work)
    assert set(decided.values()) == {"allowed"}
    cawg, dmi, tdmrep, policy = _exports(client, headers, creator, work)
    assert cawg == {f"cawg.{use}": {"use": CAWG[decided[use]]} for use in USES}
    assert dmi == "DMI-ALLOWED"
    assert [e["tdm-reservation"] for e in tdmrep] == [0]
    assert "prohibition" not in policy and len(policy["permission"]) == 4


def test_people_without_a_release_for_training_are_refused_for_training_only(
    client, api, db, commission
):
    creator, work = commission
    services.update_work(
        db,
        ACTOR,
        work,
        {"rights": "creator", "people_present": True, "people_count": 1},
    )
    releases.create_release(
        db,
        ACTOR,
        kind="model",
        subject="Jane Doe",
        uses=["data_mining", "ai_inference"],
        work_ids=[work.id],
    )
    db.commit()
    _user, headers = api("viewer")
    decided = _decisions(client, headers, creator, work)
    assert decided == {
        "data_mining": "allowed",
        "ai_inference": "allowed",
        "ai_training": "not_allowed",
        "ai_generative_training": "not_allowed",
    }
    cawg, dmi, tdmrep, policy = _exports(client, headers, creator, work)
    assert cawg == {f"cawg.{use}": {"use": CAWG[decided[use]]} for use in USES}
    assert dmi == "DMI-PROHIBITED-AIMLTRAINING"
    assert [e["tdm-reservation"] for e in tdmrep] == [1]
    assert {p["action"] for p in policy["prohibition"]} == {
        "cawg:ai_training",
        "cawg:ai_generative_training",
    }
    shown = client.get(f"/api/v1/works/{work.id}", headers=headers).get_json()["decisions"]
    assert shown["ai_training"]["decision"] == "not_allowed"
    assert shown["ai_training"]["consent_decision"] == "allowed"
    assert shown["ai_training"]["reasons"][0].startswith("no model release for 1 person")
    assert "reasons" not in shown["data_mining"]

    releases.create_release(
        db, ACTOR, kind="model", subject="Jane Doe", uses=list(USES), work_ids=[work.id]
    )
    db.commit()
    assert set(_decisions(client, headers, creator, work).values()) == {"allowed"}
    cawg, dmi, tdmrep, _policy = _exports(client, headers, creator, work)
    assert {e["use"] for e in cawg.values()} == {"allowed"}
    assert dmi == "DMI-ALLOWED" and tdmrep[0]["tdm-reservation"] == 0


def test_a_conflict_is_still_about_the_consent_record(client, api, db, commission):
    """A creator's site refusing training contradicts our consent record even while the
    work is outside the licensable set: legal still has the record to settle."""
    from crm.licensing.models import SiteSignal
    from crm.licensing.signals_conflicts import conflicts

    creator, _work = commission
    db.add(
        SiteSignal(
            creator_id=creator.id,
            site="https://example.com/",
            source="robots",
            use="ai_training",
            decision="not_allowed",
            evidence="User-agent: GPTBot / Disallow: /",
        )
    )
    db.commit()
    found = conflicts(db, services.today())
    assert [(c["creator_id"], c["use"], c["recorded"]) for c in found] == [
        (creator.id, "ai_training", "allowed")
    ]
