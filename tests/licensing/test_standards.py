"""Consent in standard forms: CAWG assertion, XMP sidecar, TDMRep and its ODRL policy."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest

from crm.licensing import standards

PAST = date(2020, 1, 1)
PLUS = "{http://ns.useplus.org/ldf/xmp/1.0/}"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"


def test_cawg_assertion_follows_the_effective_decisions(
    client, api, make_creator, make_work, make_consent
):
    _u, headers = api("viewer")
    creator = make_creator()
    work = make_work(creator)
    make_consent(creator, use="ai_training", decision="allowed", effective_on=PAST)
    make_consent(creator, use="data_mining", decision="allowed", effective_on=PAST)
    make_consent(
        creator,
        work=work,
        use="ai_inference",
        decision="constrained",
        constraint="credit the creator",
        effective_on=PAST,
    )
    res = client.get(f"/api/v1/works/{work.id}/cawg.json", headers=headers)
    assert res.status_code == 200
    assert res.json == {
        "label": "cawg.training-mining",
        "data": {
            "entries": {
                "cawg.data_mining": {"use": "allowed"},
                "cawg.ai_inference": {
                    "use": "constrained",
                    "constraint_info": "credit the creator",
                },
                "cawg.ai_training": {"use": "allowed"},
                "cawg.ai_generative_training": {"use": "notAllowed"},
            }
        },
    }
    assert client.get("/api/v1/works/999999/cawg.json", headers=headers).status_code == 404


def _xmp(client, headers, work_id):
    res = client.get(f"/api/v1/works/{work_id}/xmp", headers=headers)
    assert res.status_code == 200
    assert res.mimetype == "application/rdf+xml"
    root = ET.fromstring(res.data)  # noqa: S314 (our own document, under test)
    desc = root.find(f"{RDF}RDF/{RDF}Description")
    assert desc is not None
    constraints = desc.find(f"{PLUS}OtherConstraints/{RDF}Alt/{RDF}li")
    return desc.findtext(f"{PLUS}DataMining"), (
        constraints.text if constraints is not None else None
    )


@pytest.mark.parametrize(
    ("decisions", "expected"),
    [
        ({}, "DMI-PROHIBITED"),
        (
            {"data_mining": "allowed", "ai_inference": "allowed"},
            "DMI-PROHIBITED-AIMLTRAINING",
        ),
        (
            {"data_mining": "allowed", "ai_inference": "allowed", "ai_training": "allowed"},
            "DMI-PROHIBITED-GENAIMLTRAINING",
        ),
        (
            {
                "data_mining": "allowed",
                "ai_inference": "allowed",
                "ai_training": "allowed",
                "ai_generative_training": "allowed",
            },
            "DMI-ALLOWED",
        ),
    ],
)
def test_xmp_data_mining_value(
    client, api, make_creator, make_work, make_consent, decisions, expected
):
    _u, headers = api("viewer")
    creator = make_creator()
    work = make_work(creator)
    for use, decision in decisions.items():
        make_consent(creator, use=use, decision=decision, effective_on=PAST)
    value, constraints = _xmp(client, headers, work.id)
    assert value == "http://ns.useplus.org/ldf/vocab/" + expected
    assert constraints is None


def test_xmp_constraints_are_escaped_and_listed(client, api, make_creator, make_work, make_consent):
    _u, headers = api("viewer")
    creator = make_creator()
    work = make_work(creator)
    for use in ("data_mining", "ai_inference", "ai_training"):
        make_consent(creator, use=use, decision="allowed", effective_on=PAST)
    make_consent(
        creator,
        use="ai_generative_training",
        decision="constrained",
        constraint="<no> style & likeness",
        effective_on=PAST,
    )
    value, constraints = _xmp(client, headers, work.id)
    assert value == standards.DMI_SEE_CONSTRAINT
    assert constraints == "ai_generative_training: constrained: <no> style & likeness"


def test_tdmrep_per_site_and_the_policy_it_links(
    client, api, make_creator, make_work, make_consent
):
    _u, headers = api("manager")
    creator = make_creator()
    res = client.patch(
        f"/api/v1/creators/{creator.id}",
        json={"sites": ["https://example.com/", "https://blog.example.org/me"]},
        headers=headers,
    )
    assert res.status_code == 200, res.json
    assert res.json["sites"] == ["https://example.com/", "https://blog.example.org/me"]
    make_consent(creator, use="data_mining", decision="allowed", effective_on=PAST)
    make_consent(
        creator, use="ai_training", decision="constrained", constraint="pay", effective_on=PAST
    )
    res = client.get(f"/api/v1/creators/{creator.id}/tdmrep.json", headers=headers)
    assert res.status_code == 200
    policy_url = f"http://localhost/api/v1/creators/{creator.id}/tdm-policy.json"
    assert res.json == [
        {"location": "/*", "tdm-reservation": 1, "tdm-policy": policy_url},
        {"location": "/me/*", "tdm-reservation": 1, "tdm-policy": policy_url},
    ]
    policy = client.get(policy_url, headers=headers)
    assert policy.status_code == 200
    assert policy.mimetype == "application/ld+json"
    body = policy.json
    assert body["uid"] == policy_url and body["@type"] == "Offer"
    assert [p["action"] for p in body["permission"]] == ["tdm:mine", "cawg:ai_training"]
    assert body["permission"][1]["duty"][0]["comment"] == "pay"
    assert {p["action"] for p in body["prohibition"]} == {
        "cawg:ai_inference",
        "cawg:ai_generative_training",
    }


def test_sites_must_be_http_urls(client, api, make_creator):
    _u, headers = api("manager")
    creator = make_creator()
    for bad in (["ftp://example.com"], ["javascript:alert(1)"], "https://x.com", [3]):
        res = client.patch(f"/api/v1/creators/{creator.id}", json={"sites": bad}, headers=headers)
        assert res.status_code == 422, bad
    res = client.post(
        "/api/v1/creators",
        json={"display_name": "Site Owner", "sites": ["http://owner.example.com"]},
        headers=headers,
    )
    assert res.status_code == 201 and res.json["sites"] == ["http://owner.example.com"]


def test_registry_links_each_work_to_its_exports(client, api, make_creator, make_work):
    _u, headers = api("viewer")
    creator = make_creator()
    work = make_work(creator)
    res = client.get("/api/v1/registry.json", headers=headers)
    item = next(i for i in res.json["items"] if i["work_id"] == work.id)
    assert item["standards"]["cawg"].endswith(f"/api/v1/works/{work.id}/cawg.json")
    assert item["standards"]["xmp"].endswith(f"/api/v1/works/{work.id}/xmp")
    assert item["standards"]["tdmrep"].endswith(f"/api/v1/creators/{creator.id}/tdmrep.json")
