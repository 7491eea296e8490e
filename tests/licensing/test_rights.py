"""Rights and releases: the licensable set in licences, the consent check, the registry,
the works filters and the frozen Croissant manifests."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date

import mlcroissant as mlc
import pytest

from crm.audit.services import system_actor
from crm.common.errors import Conflict, Invalid
from crm.licensing import licences as lic
from crm.licensing import services
from crm.licensing.models import ManifestPeriod
from crm.licensing.services import manifests, releases, rights

FAR_PAST = date(2020, 1, 1)
ACTOR = system_actor("test")


def _licence_body(creator, works, uses=("ai_training",)):
    return {
        "creator_id": creator.id,
        "title": "Training set",
        "uses": list(uses),
        "fee_model": "per_work",
        "rate": "1.00",
        "currency": "USD",
        "starts_on": "2024-01-01",
        "work_ids": [w.id for w in works],
    }


@pytest.fixture
def archive(db, make_creator, make_work, make_consent):
    """A creator who allows training for everything: an own work, a client commission, a
    street portrait of two people, and a shop front (property)."""
    creator = make_creator()
    make_consent(creator, decision="allowed", effective_on=FAR_PAST)
    own = make_work(creator, title="Own", kind="image")
    client = make_work(creator, title="Commission", rights="client", client_name="Harbour Magazine")
    portrait = make_work(creator, title="Portrait", people_present=True, people_count=2)
    shop = make_work(creator, title="Shop front", property_present=True)
    return creator, own, client, portrait, shop


def _release(db, work_ids, kind="model", uses=("ai_training",), **kw):
    return releases.create_release(
        db,
        ACTOR,
        kind=kind,
        subject=kw.pop("subject", "A person"),
        uses=list(uses),
        work_ids=work_ids,
        **kw,
    )


# --- the rule in licences --------------------------------------------------------------------


def test_licence_refused_for_a_client_work_and_for_people_without_release(db, archive):
    creator, own, client, portrait, _shop = archive
    with pytest.raises(Conflict) as refused:
        lic.create_licence(
            db,
            ACTOR,
            **_licence_body(creator, [own, client, portrait]) | {"starts_on": date(2024, 1, 1)},
        )
    errors = refused.value.errors
    assert errors[f"works.{client.id}"] == ["client-owned, no re-licence clause"]
    assert errors[f"works.{portrait.id}"] == ["no model release for 2 people"]
    assert f"works.{own.id}" not in errors

    _release(db, [portrait.id], subject="First")
    with pytest.raises(Conflict) as partly:
        lic.create_licence(
            db, ACTOR, **_licence_body(creator, [portrait]) | {"starts_on": date(2024, 1, 1)}
        )
    assert partly.value.errors[f"works.{portrait.id}"] == ["model releases for 1 of 2 people shown"]

    _release(db, [portrait.id], subject="Second")
    licence = lic.create_licence(
        db, ACTOR, **_licence_body(creator, [own, portrait]) | {"starts_on": date(2024, 1, 1)}
    )
    assert sorted(w.id for w in licence.works) == sorted([own.id, portrait.id])


def test_a_release_must_cover_the_licence_uses_and_be_in_force(db, archive):
    _creator, _own, _client, _portrait, shop = archive
    narrow = _release(db, [shop.id], kind="property", uses=["data_mining"], subject="Corner shop")
    found = rights.verdicts(db, [shop], ["ai_training"], date(2025, 1, 1))[shop.id]
    assert found.reasons == (
        f"no property release for property shown (release #{narrow.id} does not cover ai_training)",
    )
    expired = _release(
        db, [shop.id], kind="property", expires_on=date(2024, 12, 31), subject="Corner shop"
    )
    found = rights.verdicts(db, [shop], ["ai_training"], date(2025, 1, 1))[shop.id]
    assert f"release #{expired.id} expired 2024-12-31" in found.reasons[0]
    assert rights.verdicts(db, [shop], ["ai_training"], date(2024, 6, 1))[shop.id].licensable


def test_client_work_with_a_relicence_clause_and_unknown_rights(db, make_creator, make_work):
    creator = make_creator()
    allowed = make_work(creator, rights="client", client_name="Acme", relicense_allowed=True)
    unknown = make_work(creator, rights="unknown")
    found = rights.verdicts(db, [allowed, unknown], ["ai_training"], date(2025, 1, 1))
    assert found[allowed.id].licensable
    assert found[unknown.id].reasons == ("rights unknown",)


def test_licence_refusal_through_the_api_and_the_form(client, api, login, db, archive):
    creator, own, client_work, portrait, _shop = archive
    _user, headers = api("manager")
    body = _licence_body(creator, [own, client_work, portrait])
    refused = client.post("/api/v1/licences", json=body, headers=headers)
    assert refused.status_code == 409
    problem = refused.get_json()
    assert problem["errors"][f"works.{client_work.id}"] == ["client-owned, no re-licence clause"]
    assert "no model release for 2 people" in problem["detail"]

    manager = login("manager")
    assert manager
    page = client.post(
        f"/licensing/creators/{creator.id}/licences",
        data={
            "csrf_token": _csrf(client, f"/licensing/creators/{creator.id}/licences/new"),
            "title": "Form licence",
            "uses": ["ai_training"],
            "fee_model": "flat",
            "rate": "10.00",
            "currency": "USD",
            "starts_on": "2024-01-01",
            "work_ids": [str(client_work.id)],
        },
    )
    assert page.status_code == 409
    assert "client-owned, no re-licence clause" in page.get_data(as_text=True)


def _csrf(client, url):
    import re

    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)[1]


# --- the consent check, the registry and /licensable -------------------------------------


def test_consent_check_and_registry_report_the_same_verdict(client, api, db, archive):
    creator, own, client_work, portrait, _shop = archive
    _user, headers = api("viewer")
    items = [{"url": w.url} for w in (own, client_work, portrait)]
    answers = client.post(
        "/api/v1/consent/check", json={"use": "ai_training", "items": items}, headers=headers
    ).get_json()["items"]
    assert [a["decision"] for a in answers] == ["allowed", "not_allowed", "not_allowed"]
    assert answers[1]["consent_decision"] == "allowed"
    assert answers[1]["licensable_reasons"] == ["client-owned, no re-licence clause"]
    assert answers[1]["reason"] == "not licensable: client-owned, no re-licence clause"
    assert answers[2]["licensable_reasons"] == ["no model release for 2 people"]
    assert answers[0]["licensable"] is True and answers[0]["why"]["consent_id"]

    registry = client.get(
        f"/api/v1/registry.json?creator_id={creator.id}", headers=headers
    ).get_json()
    by_id = {i["work_id"]: i for i in registry["items"]}
    assert by_id[own.id]["decisions"]["ai_training"]["decision"] == "allowed"
    entry = by_id[client_work.id]["decisions"]["ai_training"]
    assert entry["decision"] == "not_allowed" and entry["consent_decision"] == "allowed"
    assert entry["reasons"] == ["client-owned, no re-licence clause"]
    assert by_id[client_work.id]["licensable"] is False

    verdict = client.get(f"/api/v1/works/{portrait.id}/licensable", headers=headers).get_json()
    assert verdict == {
        "work_id": portrait.id,
        "uses": [],
        "as_of": verdict["as_of"],
        "licensable": False,
        "reasons": ["no model release for 2 people"],
    }
    _release(db, [portrait.id], subject="One")
    _release(db, [portrait.id], subject="Two")
    assert client.get(f"/api/v1/works/{portrait.id}/licensable", headers=headers).get_json()[
        "licensable"
    ]
    narrow = client.get(
        f"/api/v1/works/{portrait.id}/licensable?use=ai_inference", headers=headers
    ).get_json()
    assert narrow["licensable"] is False and "does not cover ai_inference" in narrow["reasons"][0]
    answer = client.post(
        "/api/v1/consent/check",
        json={"use": "ai_training", "items": [{"url": portrait.url}]},
        headers=headers,
    ).get_json()["items"][0]
    assert answer["decision"] == "allowed" and answer["licensable"] is True


# --- releases and works through the API ----------------------------------------------------


def test_releases_api_create_list_show_revoke(client, api, db, archive):
    creator, own, _client, portrait, _shop = archive
    _user, headers = api("legal")
    body = {
        "kind": "model",
        "subject": "Ngozi A.",
        "uses": ["ai_training", "ai_generative_training"],
        "territory": "EU",
        "expires_on": "2030-12-31",
        "work_ids": [portrait.id, own.id],
    }
    made = client.post("/api/v1/releases", json=body, headers=headers)
    assert made.status_code == 201, made.get_json()
    release = made.get_json()
    assert release["work_ids"] == sorted([portrait.id, own.id])
    assert release["creator_id"] == creator.id and release["territory"] == "EU"
    listed = client.get(f"/api/v1/releases?work_id={portrait.id}", headers=headers).get_json()
    assert [r["id"] for r in listed["items"]] == [release["id"]]
    _viewer, vheaders = api("viewer")
    shown = client.get(f"/api/v1/releases/{release['id']}", headers=vheaders).get_json()
    assert "has_document" not in shown
    assert client.post("/api/v1/releases", json=body, headers=vheaders).status_code == 403
    revoked = client.post(f"/api/v1/releases/{release['id']}/revoke", json={}, headers=headers)
    assert revoked.status_code == 200 and revoked.get_json()["revoked_on"]
    again = client.post(f"/api/v1/releases/{release['id']}/revoke", json={}, headers=headers)
    assert again.status_code == 409


def test_works_rights_fields_and_filters_in_the_api(client, api, db, make_creator):
    creator = make_creator()
    _user, headers = api("manager")
    items = [
        {
            "creator_id": creator.id,
            "kind": "video",
            "title": f"Interview {n}",
            "url": f"https://v.example.com/i/{n}",
            "rights": "creator",
            "rights_evidence": "Own channel",
            "tags": ["Interview", "clear audio"],
            "language": "en",
            "duration_s": 1800 * (n + 1),
            "width": 1920,
            "height": 1080,
            "people_present": True,
        }
        for n in range(3)
    ] + [
        {
            "creator_id": creator.id,
            "kind": "video",
            "title": "B-roll",
            "url": "https://v.example.com/b",
            "rights": "shared",
            "co_holders": ["Second shooter"],
            "language": "fr",
            "duration_s": 60,
        }
    ]
    made = client.post("/api/v1/works", json=items, headers=headers)
    assert made.status_code == 201, made.get_json()
    first = made.get_json()["items"][0]
    assert first["tags"] == ["clear-audio", "interview"] and first["rights"] == "creator"
    assert first["rights_evidence"] == "Own channel"

    def ids(query):
        response = client.get(f"/api/v1/works?creator_id={creator.id}&{query}", headers=headers)
        assert response.status_code == 200, response.get_json()
        return [w["title"] for w in response.get_json()["items"]]

    assert ids("tag=interview&tag=clear-audio&min_duration_s=3600") == [
        "Interview 1",
        "Interview 2",
    ]
    assert ids("language=FR") == ["B-roll"]
    assert ids("rights=shared") == ["B-roll"]
    assert ids("people_present=false") == ["B-roll"]
    patched = client.patch(
        f"/api/v1/works/{first['id']}",
        json={"rights": "client", "client_name": "Acme", "relicense_allowed": True},
        headers=headers,
    )
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["client_name"] == "Acme"
    assert patched.get_json()["tags"] == ["clear-audio", "interview"]
    _viewer, vheaders = api("viewer")
    seen = client.get(f"/api/v1/works/{first['id']}", headers=vheaders).get_json()
    assert "rights_evidence" not in seen and seen["relicense_allowed"] is True


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"rights": "mine"}, "rights"),
        ({"rights": "client"}, "client_name"),
        ({"rights": "shared"}, "co_holders"),
        ({"language": "english!"}, "language"),
        ({"duration_s": -1}, "duration_s"),
        ({"duration_s": "long"}, "duration_s"),
        ({"width": 0}, "width"),
        ({"width": "wide"}, "width"),
        ({"tags": "not-a-list"}, "tags"),
        ({"tags": ["x" * 61]}, "tags"),
        ({"people_count": 0}, "people_count"),
        ({"people_present": "perhaps"}, "people_present"),
        ({"relicense_allowed": [1]}, "relicense_allowed"),
        ({"description": "d" * 2001}, "description"),
    ],
)
def test_bad_work_fields_are_422(client, api, db, make_creator, fields, field):
    creator = make_creator()
    _user, headers = api("manager")
    body = {"creator_id": creator.id, "kind": "image", "title": "T", "url": "https://x.example/1"}
    response = client.post("/api/v1/works", json=body | fields, headers=headers)
    assert response.status_code == 422, response.get_json()
    assert any(k == field or k.startswith(field) for k in response.get_json()["errors"])


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("post", "/api/v1/releases", {}),
        ("post", "/api/v1/releases", []),
        ("post", "/api/v1/releases", {"kind": "model"}),
        (
            "post",
            "/api/v1/releases",
            {"kind": "x", "subject": "", "uses": ["y"], "work_ids": [999999]},
        ),
        (
            "post",
            "/api/v1/releases",
            {"kind": "model", "subject": "A", "uses": ["ai_training"], "work_ids": ["a"]},
        ),
        (
            "post",
            "/api/v1/releases",
            {"kind": "model", "subject": "A", "uses": ["ai_training"], "work_ids": [2**70]},
        ),
        (
            "post",
            "/api/v1/releases",
            {
                "kind": "model",
                "subject": "A",
                "uses": ["ai_training"],
                "work_ids": [1],
                "expires_on": "soon",
            },
        ),
        ("post", "/api/v1/releases", "not json"),
        ("post", "/api/v1/releases/1/revoke", {"revoked_on": "yesterday"}),
        ("get", "/api/v1/releases?creator_id=abc", None),
        ("get", "/api/v1/releases?kind=both", None),
        ("get", "/api/v1/releases?cursor=%00%00", None),
        ("get", "/api/v1/works/{work}/licensable?use=everything", None),
        ("get", "/api/v1/works/{work}/licensable?as_of=2026-02-30", None),
        ("get", "/api/v1/works/999999/licensable", None),
        ("get", "/api/v1/licences/{licence}/croissant.json?period=someday", None),
        ("get", "/api/v1/licences/{licence}/manifest.csv?period=2026-13", None),
        ("get", "/api/v1/licences/{licence}/croissant.json?period=2099-01", None),
        ("get", "/api/v1/licences/999999/manifest.csv", None),
        ("get", "/api/v1/works?people_present=maybe", None),
        ("get", "/api/v1/works?min_duration_s=abc", None),
        ("get", "/api/v1/works?min_duration_s=nan", None),
        ("get", "/api/v1/works?rights=mine", None),
        ("get", "/api/v1/works?tag=" + "t" * 61, None),
    ],
)
def test_malformed_input_to_the_new_routes_is_4xx(client, api, db, archive, method, url, body):
    creator, own, *_rest = archive
    licence = lic.create_licence(
        db, ACTOR, **_licence_body(creator, [own]) | {"starts_on": date(2024, 1, 1)}
    )
    _user, headers = api("manager")
    url = url.format(work=own.id, licence=licence.id)
    if method == "get":
        response = client.get(url, headers=headers)
    elif isinstance(body, str):
        response = client.post(
            url, data=body, headers=headers | {"Content-Type": "application/json"}
        )
    else:
        response = client.post(url, json=body, headers=headers)
    assert 400 <= response.status_code < 500, (response.status_code, response.get_data()[:300])


def test_bulk_rights_by_kind_and_date(db, make_creator, make_work):
    creator = make_creator()
    old = make_work(creator, kind="image", rights="unknown", created_on=date(2019, 1, 1))
    new = make_work(creator, kind="image", rights="unknown", created_on=date(2024, 1, 1))
    text = make_work(creator, kind="text", rights="unknown", created_on=date(2019, 1, 1))
    changed = services.set_rights_in_bulk(
        db,
        ACTOR,
        creator.id,
        kind="image",
        created_to=date(2020, 12, 31),
        changes={"rights": "client", "client_name": "Agency", "relicense_allowed": "true"},
    )
    assert changed == 1
    assert (old.rights, old.client_name, old.relicense_allowed) == ("client", "Agency", True)
    assert new.rights == "unknown" and text.rights == "unknown"
    with pytest.raises(Invalid) as bad:
        services.set_rights_in_bulk(db, ACTOR, creator.id, kind="image", changes={"rights": "?"})
    assert "rights" in bad.value.errors


def test_works_totals_count_hours_fully_released(db, make_creator, make_work):
    creator = make_creator()
    for n, seconds in enumerate((3600, 5400, 1800)):
        make_work(creator, kind="video", duration_s=seconds, title=f"Talk {n}")
    make_work(creator, kind="image")
    stmt = services.list_works_stmt(creator.id, "video")
    assert services.works_totals(db, stmt) == {"works": 3, "duration_s": 10800.0}


# --- Croissant manifests ---------------------------------------------------------------------


def _manifest_licence(db, archive):
    creator, _own, _client_work, portrait, _shop = archive
    _release(db, [portrait.id], subject="One")
    _release(db, [portrait.id], subject="Two")
    return lic.create_licence(
        db,
        ACTOR,
        creator_id=creator.id,
        title="All allowed",
        uses=["ai_training"],
        fee_model="flat",
        rate="100.00",
        currency="USD",
        starts_on=date(2024, 1, 1),
        all_allowed_works=True,
    )


# rdflib (under mlcroissant) warns of its own deprecated class.
MLCROISSANT_WARNINGS = pytest.mark.filterwarnings(
    "ignore:ConjunctiveGraph is deprecated:DeprecationWarning"
)


def _records(doc, record_set="works"):
    dataset = mlc.Dataset(jsonld=doc)
    return [
        {k.split("/", 1)[1]: (v.decode() if isinstance(v, bytes) else v) for k, v in r.items()}
        for r in dataset.records(record_set)
    ]


@MLCROISSANT_WARNINGS
def test_croissant_lists_exactly_the_licensable_works(client, api, db, archive):
    _creator, own, _client_work, portrait, _shop = archive
    licence = _manifest_licence(db, archive)
    _user, headers = api("viewer")
    response = client.get(
        f"/api/v1/licences/{licence.id}/croissant.json?period=2025-01", headers=headers
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/ld+json"
    doc = response.get_json()
    assert doc["@type"] == "sc:Dataset" and doc["conformsTo"].endswith("croissant/1.0")
    assert doc["isLiveDataset"] is False
    records = _records(doc)  # mlcroissant validates the document before reading it
    assert {(r["work_id"], r["sha256"]) for r in records} == {
        (own.id, own.sha256),
        (portrait.id, portrait.sha256),
    }
    portrait_record = next(r for r in records if r["work_id"] == portrait.id)
    assert portrait_record["decision_ai_training"] == "allowed"
    assert len(json.loads(portrait_record["releases"])) == 2
    assert "subject" not in json.loads(portrait_record["releases"])[0]  # no person's name

    csv_response = client.get(doc["distribution"][0]["contentUrl"], headers=headers)
    assert csv_response.status_code == 200
    assert hashlib.sha256(csv_response.data).hexdigest() == doc["distribution"][0]["sha256"]
    rows = list(csv.DictReader(io.StringIO(csv_response.get_data(as_text=True))))
    assert [(r["status"], int(r["work_id"]), r["sha256"]) for r in rows] == [
        ("included", own.id, own.sha256),
        ("included", portrait.id, portrait.sha256),
    ]


@MLCROISSANT_WARNINGS
def test_a_revocation_is_a_removal_in_the_next_period_never_an_edit(
    client, api, db, archive, make_consent
):
    creator, own, _client, portrait, _shop = archive
    licence = _manifest_licence(db, archive)
    _user, headers = api("manager")
    january = client.get(
        f"/api/v1/licences/{licence.id}/croissant.json?period=2025-01", headers=headers
    ).get_json()
    assert db.query(ManifestPeriod).filter_by(licence_id=licence.id).count() == 1

    # Revoked back to mid-January: January is frozen, so only February shows it.
    consent = make_consent(creator, work=own, decision="allowed", effective_on=FAR_PAST)
    services.revoke_consent(db, ACTOR, consent, date(2025, 1, 15))
    make_consent(creator, work=own, decision="not_allowed", effective_on=date(2025, 1, 15))
    release = releases.list_releases_stmt(work_id=portrait.id)
    for r in db.scalars(release):
        releases.revoke_release(db, ACTOR, r, date(2025, 1, 20))

    again = client.get(
        f"/api/v1/licences/{licence.id}/croissant.json?period=2025-01", headers=headers
    ).get_json()
    assert again == january
    february = client.get(
        f"/api/v1/licences/{licence.id}/croissant.json?period=2025-02", headers=headers
    ).get_json()
    assert not any(rs["@id"] == "works" for rs in february["recordSet"])
    removals = _records(february, "removals")
    assert {r["work_id"] for r in removals} == {own.id, portrait.id}
    reasons = {r["work_id"]: json.loads(r["reasons"]) for r in removals}
    assert reasons[own.id] == ["consent: ai_training not allowed"]
    assert reasons[portrait.id][0].startswith("no model release for 2 people")
    assert all(r["removed_since"] == "2025-01" for r in removals)
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(
                    f"/api/v1/licences/{licence.id}/manifest.csv?period=2025-02", headers=headers
                ).get_data(as_text=True)
            )
        )
    )
    assert sorted((r["status"], int(r["work_id"])) for r in rows) == [
        ("removed", own.id),
        ("removed", portrait.id),
    ]


def test_a_payout_freezes_its_period_and_a_running_period_stays_live(db, archive):
    licence = _manifest_licence(db, archive)
    payout = lic.compute_payout(db, ACTOR, licence, "2025-03")
    stored = db.query(ManifestPeriod).filter_by(licence_id=licence.id, period="2025-03").one()
    assert stored.frozen_by == "payout"
    assert sorted(r["work_id"] for r in stored.records) == sorted(payout.work_ids)
    today = services.today()
    live = manifests.manifest(db, licence, today.strftime("%Y-%m"))
    assert live.frozen is False
    assert db.query(ManifestPeriod).filter_by(period=today.strftime("%Y-%m")).count() == 0


def test_csv_import_takes_the_rights_columns(db, make_creator):
    creator = make_creator()
    text = (
        "creator_id,kind,title,url,rights,co_holders,people_present,tags,duration_s\r\n"
        f"{creator.id},video,Duet,https://v.example/duet,shared,Ana;Bo,true,music;live,95.5\r\n"
        f"{creator.id},image,Odd,https://v.example/odd,shared,,maybe,,\r\n"
    )
    with pytest.raises(Invalid) as bad:
        services.import_works_csv(db, ACTOR, text)
    assert bad.value.errors["line 3"] == [
        "co_holders name the other holders of shared rights",
        "people_present must be true or false",
    ]
    good = text.splitlines()[0] + "\r\n" + text.splitlines()[1] + "\r\n"
    (work,) = services.import_works_csv(db, ACTOR, good)
    assert (work.rights, work.co_holders, work.people_present, work.tags, work.duration_s) == (
        "shared",
        ["Ana", "Bo"],
        True,
        ["live", "music"],
        95.5,
    )


def test_rights_and_release_changes_reach_the_change_feed(db, archive):
    from crm.licensing.models import RegistryChange

    _creator, own, client_work, portrait, _shop = archive
    services.update_work(db, ACTOR, client_work, {"relicense_allowed": True})
    services.update_work(db, ACTOR, own, {"title": "Renamed"})  # not a rights change
    release = _release(db, [portrait.id])
    releases.revoke_release(db, ACTOR, release, date(2026, 1, 1))
    rows = [
        (c.work_id, c.data.get("change"))
        for c in db.query(RegistryChange)
        .filter(RegistryChange.event == "rights.changed")
        .order_by(RegistryChange.id)
    ]
    assert rows == [
        (client_work.id, "work"),
        (portrait.id, "release.create"),
        (portrait.id, "release.revoke"),
    ]
