"""Custom fields on creators: defined by admins, round-tripping through the API, the form,
the page, the list filter, the CSV export and the OpenAPI document; removal keeps history."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from crm.audit.models import AuditEvent
from crm.creators.models import Creator, CustomField
from tests.conftest import post_form

FIELDS = [
    {
        "entity": "creator",
        "key": "tier",
        "label": "Tier",
        "type": "choice",
        "choices": ["gold", "silver"],
        "required": False,
    },
    {
        "entity": "creator",
        "key": "niches",
        "label": "Niches",
        "type": "choices",
        "choices": ["art", "code", "music"],
    },
    {"entity": "creator", "key": "rate", "label": "Day rate", "type": "number"},
    {"entity": "creator", "key": "since", "label": "Partner since", "type": "date"},
    {"entity": "creator", "key": "press_kit", "label": "Press kit", "type": "url"},
    {"entity": "creator", "key": "pronouns", "label": "Pronouns", "type": "text"},
]


@pytest.fixture
def defined(client, api):
    _admin, headers = api("admin")
    for body in FIELDS:
        r = client.post("/api/v1/custom-fields", json=body, headers=headers)
        assert r.status_code == 201, r.get_json()
    return headers


VALUES = {
    "tier": "gold",
    "niches": ["code", "art"],
    "rate": 1200,
    "since": "2025-04-01",
    "press_kit": "https://example.com/kit",
    "pronouns": "she/her",
}


def test_definitions_are_listed_and_typed_in_openapi(client, defined):
    items = client.get("/api/v1/custom-fields", headers=defined).get_json()["items"]
    assert [i["key"] for i in items] == [f["key"] for f in FIELDS]
    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    cf = schemas["CustomFieldsCreator"]
    assert cf["additionalProperties"] is False
    assert cf["properties"]["tier"]["enum"] == ["gold", "silver", None]
    assert cf["properties"]["rate"]["type"] == ["number", "null"]
    assert cf["properties"]["since"]["format"] == "date"
    assert cf["properties"]["niches"]["items"] == {"enum": ["art", "code", "music"]}
    for name in ("CreatorOut", "CreatorIn", "CreatorPatch"):
        assert schemas[name]["properties"]["custom_fields"] == {
            "$ref": "#/components/schemas/CustomFieldsCreator"
        }


def test_values_round_trip_through_the_api_and_the_filters(client, db, defined, api):
    _m, headers = api("manager")
    r = client.post(
        "/api/v1/creators", json={"display_name": "Ada", "custom_fields": VALUES}, headers=headers
    )
    assert r.status_code == 201, r.get_json()
    created = r.get_json()
    assert created["custom_fields"] == VALUES | {"niches": ["art", "code"]}
    cid = created["id"]
    client.post(
        "/api/v1/creators",
        json={"display_name": "Bo", "custom_fields": {"tier": "silver", "rate": 50}},
        headers=headers,
    )
    r = client.patch(
        f"/api/v1/creators/{cid}",
        json={"custom_fields": {"pronouns": None, "rate": "1500.5"}},
        headers=headers,
    )
    assert r.status_code == 200
    after = r.get_json()["custom_fields"]
    assert "pronouns" not in after and after["rate"] == 1500.5 and after["tier"] == "gold"

    def names(**args):
        r = client.get(
            "/api/v1/creators", query_string={"owner_id": "any", **args}, headers=headers
        )
        assert r.status_code == 200, r.get_json()
        return sorted(i["display_name"] for i in r.get_json()["items"])

    assert names(**{"cf.tier": "gold"}) == ["Ada"]
    assert names(**{"cf.tier": "silver"}) == ["Bo"]
    assert names(**{"cf.rate": "50"}) == ["Bo"]
    assert names(**{"cf.niches": "code"}) == ["Ada"]
    assert names(**{"cf.since": "2025-04-01"}) == ["Ada"]
    assert (
        client.get(
            "/api/v1/creators", query_string={"cf.Bad Key": "x"}, headers=headers
        ).status_code
        == 422
    )
    events = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity == "creator", AuditEvent.entity_id == str(cid))
        .order_by(AuditEvent.id)
    ).all()
    assert events[-1].changes["custom_fields"][1]["rate"] == 1500.5


@pytest.mark.parametrize(
    "values, field",
    [
        ({"tier": "bronze"}, "custom_fields.tier"),
        ({"niches": ["dance"]}, "custom_fields.niches"),
        ({"rate": "lots"}, "custom_fields.rate"),
        ({"rate": True}, "custom_fields.rate"),
        ({"since": "2025-13-01"}, "custom_fields.since"),
        ({"press_kit": "javascript:alert(1)"}, "custom_fields.press_kit"),
        ({"press_kit": "http://[::1"}, "custom_fields.press_kit"),
        ({"pronouns": {"a": 1}}, "custom_fields.pronouns"),
        ({"unknown": "x"}, "custom_fields.unknown"),
    ],
)
def test_bad_values_are_422_and_nothing_is_written(client, db, defined, api, values, field):
    _m, headers = api("manager")
    before = db.scalar(select(func.count(Creator.id)))
    r = client.post(
        "/api/v1/creators", json={"display_name": "Cy", "custom_fields": values}, headers=headers
    )
    assert r.status_code == 422
    assert field in r.get_json()["errors"]
    assert db.scalar(select(func.count(Creator.id))) == before


def test_a_required_field_is_required(client, db, api):
    _a, admin = api("admin")
    client.post(
        "/api/v1/custom-fields",
        json={
            "entity": "creator",
            "key": "region",
            "label": "Region",
            "type": "text",
            "required": True,
        },
        headers=admin,
    )
    _m, headers = api("manager")
    r = client.post("/api/v1/creators", json={"display_name": "Di"}, headers=headers)
    assert r.status_code == 422 and "custom_fields.region" in r.get_json()["errors"]
    r = client.post(
        "/api/v1/creators",
        json={"display_name": "Di", "custom_fields": {"region": "EU"}},
        headers=headers,
    )
    assert r.status_code == 201
    r = client.patch(
        f"/api/v1/creators/{r.get_json()['id']}",
        json={"custom_fields": {"region": ""}},
        headers=headers,
    )
    assert r.status_code == 422


@pytest.mark.parametrize(
    "body",
    [
        {"entity": "account", "key": "x", "label": "X", "type": "text"},
        {"entity": "creator", "key": "Bad Key", "label": "X", "type": "text"},
        {"entity": "creator", "key": "x", "label": "", "type": "text"},
        {"entity": "creator", "key": "x", "label": "X", "type": "colour"},
        {"entity": "creator", "key": "x", "label": "X", "type": "choice"},
        {"entity": "creator", "key": "x", "label": "X", "type": "text", "choices": ["a"]},
        {"entity": "creator", "key": "x", "label": "X", "type": "choice", "choices": [1]},
        {"entity": "creator", "key": "x", "label": "X", "type": "text", "required": "yes"},
        {"entity": "creator", "key": "x", "label": "X", "type": "text", "id": 3},
        {"key": "x"},
    ],
)
def test_bad_definitions_are_4xx(client, db, api, body):
    _a, admin = api("admin")
    r = client.post("/api/v1/custom-fields", json=body, headers=admin)
    assert 400 <= r.status_code < 500
    assert db.scalar(select(func.count(CustomField.id))) == 0


def test_only_admins_define_fields_and_keys_are_unique(client, api):
    _m, manager = api("manager")
    body = {"entity": "creator", "key": "x", "label": "X", "type": "text"}
    assert client.post("/api/v1/custom-fields", json=body, headers=manager).status_code == 403
    _a, admin = api("admin")
    assert client.post("/api/v1/custom-fields", json=body, headers=admin).status_code == 201
    assert client.post("/api/v1/custom-fields", json=body, headers=admin).status_code == 409


def test_the_form_and_page_show_and_edit_values(client, db, defined, login, make_creator):
    login("manager")
    creator = make_creator(display_name="Eve")
    page = client.get(f"/creators/{creator.id}/edit").get_data(as_text=True)
    assert 'name="cf_tier"' in page and 'name="cf_niches"' in page
    data = {
        "display_name": "Eve",
        "status": "active",
        "cf_tier": "silver",
        "cf_niches": ["music", "art"],
        "cf_rate": "90",
        "cf_since": "2024-02-29",
        "cf_press_kit": "",
        "cf_pronouns": "they",
    }
    r = post_form(client, f"/creators/{creator.id}/edit", data)
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    db.expire_all()
    assert db.get(Creator, creator.id).custom_fields == {
        "tier": "silver",
        "niches": ["art", "music"],
        "rate": 90,
        "since": "2024-02-29",
        "pronouns": "they",
    }
    detail = client.get(f"/creators/{creator.id}?tab=details").get_data(as_text=True)
    assert "Partner since" in detail and "2024-02-29" in detail and "art, music" in detail
    # A bad value is shown beside its input, and nothing changes.
    r = post_form(client, f"/creators/{creator.id}/edit", data | {"cf_rate": "ninety"})
    assert r.status_code == 422
    assert "must be a number" in r.get_data(as_text=True)
    db.expire_all()
    assert db.get(Creator, creator.id).custom_fields["rate"] == 90
    # The edit form shows the stored values.
    page = client.get(f"/creators/{creator.id}/edit").get_data(as_text=True)
    assert 'value="2024-02-29"' in page and '<option selected value="silver">' in page


def test_the_csv_export_carries_the_fields(client, db, defined, login, make_creator):
    login("manager")
    make_creator(display_name="Flo", custom_fields={"tier": "gold", "niches": ["art", "code"]})
    text = client.get("/creators/export.csv?owner=any").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    row = next(r for r in rows if r["display_name"] == "Flo")
    assert row["cf.tier"] == "gold" and row["cf.niches"] == "art; code" and row["cf.rate"] == ""


def test_removing_a_field_keeps_its_values_in_the_audit_log(client, db, defined, api, make_creator):
    creator = make_creator(custom_fields={"tier": "gold", "rate": 5})
    field_id = db.scalar(select(CustomField.id).where(CustomField.key == "tier"))
    assert client.delete(f"/api/v1/custom-fields/{field_id}", headers=defined).status_code == 204
    db.expire_all()
    assert db.get(Creator, creator.id).custom_fields == {"rate": 5}
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "custom_field.remove"))
    assert event.changes["key"] == "tier"
    assert event.changes["values"] == {str(creator.id): "gold"}
    assert client.delete(f"/api/v1/custom-fields/{field_id}", headers=defined).status_code == 404


def test_the_csv_import_reads_and_checks_the_fields(client, db, defined, make_creator):
    from crm.audit.services import system_actor
    from crm.creators import csvio
    from crm.creators.listing import CreatorFilters

    existing = make_creator(display_name="Gil", custom_fields={"tier": "silver", "rate": 7})
    text = (
        "id,display_name,cf.tier,cf.niches,cf.since\n"
        f"{existing.id},Gil,gold,,\n"
        ",Hana,silver,art; music,2024-05-06\n"
    )
    report = csvio.import_creators(db, system_actor("t"), text)
    assert report.ok and report.written, report.errors
    db.expire_all()
    assert db.get(Creator, existing.id).custom_fields == {"tier": "gold", "rate": 7}
    hana = db.scalar(select(Creator).where(Creator.display_name == "Hana"))
    assert hana.custom_fields == {
        "tier": "silver",
        "niches": ["art", "music"],
        "since": "2024-05-06",
    }
    # What the export writes, the import reads back.
    exported = "".join(csvio.export_lines(db, system_actor("t"), CreatorFilters()))
    assert "cf.tier" in exported.splitlines()[0]
    bad = "display_name,cf.tier,cf.nope\nIvo,bronze,x\n"
    report = csvio.import_creators(db, system_actor("t"), bad)
    assert not report.written
    assert {(e.field, e.row) for e in report.errors} == {("cf.tier", 2), ("cf.nope", 2)}
    assert db.scalar(select(func.count(Creator.id)).where(Creator.display_name == "Ivo")) == 0


def test_the_import_preview_shows_custom_field_changes(client, db, defined, login, make_creator):
    gil = make_creator(display_name="Gil", custom_fields={"tier": "silver", "rate": 7})
    same = make_creator(display_name="Sam", custom_fields={"tier": "gold"})
    login("admin")
    data = (
        f"id,display_name,cf.tier,cf.niches\n{gil.id},Gil,gold,art; code\n{same.id},Sam,gold,\n"
    ).encode()
    page = post_form(
        client,
        "/creators/import",
        {"file": (io.BytesIO(data), "c.csv"), "action": "preview"},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "ready to import" in page
    assert "cf.tier: silver → gold" in page
    assert "cf.niches: art; code" in page
    assert "cf.rate" not in page  # not in the file, so unchanged
    from crm.audit.services import system_actor
    from crm.creators import csvio

    report = csvio.import_creators(db, system_actor("t"), data, dry_run=True)
    plans = {p.creator_id: p.changes for p in report.plan}
    assert plans[gil.id] == [("cf.niches", "", "art; code"), ("cf.tier", "silver", "gold")]
    assert plans[same.id] == [] and report.unchanged == 1
    db.expire_all()
    assert db.get(Creator, gil.id).custom_fields == {"tier": "silver", "rate": 7}


def test_the_list_page_filters_and_sorts_by_custom_fields(client, db, defined, login, make_creator):
    login("manager")
    make_creator(display_name="Jo", custom_fields={"tier": "gold", "rate": 300})
    make_creator(display_name="Kai", custom_fields={"tier": "silver", "rate": 40})
    make_creator(display_name="Lu", custom_fields={"rate": 1000})
    page = client.get("/creators/?owner=any").get_data(as_text=True)
    assert 'name="cf.tier"' in page and 'value="cf.rate"' in page
    page = client.get("/creators/?owner=any&cf.tier=gold").get_data(as_text=True)
    assert ">Jo<" in page and ">Kai<" not in page
    page = client.get("/creators/?owner=any&sort=cf.rate").get_data(as_text=True)
    assert page.index(">Kai<") < page.index(">Jo<") < page.index(">Lu<")
    assert client.get("/creators/?owner=any&sort=cf.nothing").status_code == 422
    r = client.get("/api/v1/creators?owner_id=any&sort=cf.rate&limit=2", headers=defined)
    first = r.get_json()
    assert [i["display_name"] for i in first["items"]] == ["Kai", "Jo"]
    r = client.get(
        f"/api/v1/creators?owner_id=any&sort=cf.rate&limit=2&cursor={first['next_cursor']}",
        headers=defined,
    )
    assert [i["display_name"] for i in r.get_json()["items"]] == ["Lu"]


def test_the_admin_page_defines_and_removes_fields(client, db, login):
    login("admin")
    assert client.get("/creators/custom-fields").status_code == 200
    data = {
        "entity": "creator",
        "key": "tier",
        "label": "Tier",
        "type": "choice",
        "choices_text": "gold, silver",
    }
    assert post_form(client, "/creators/custom-fields", data).status_code == 302
    field = db.scalar(select(CustomField))
    assert (field.key, field.choices) == ("tier", ["gold", "silver"])
    r = post_form(client, "/creators/custom-fields", data)
    assert r.status_code == 409
    r = post_form(client, "/creators/custom-fields", data | {"key": "Bad Key"})
    assert r.status_code == 422 and "lower-case" in r.get_data(as_text=True)
    field_id = field.id
    assert post_form(client, f"/creators/custom-fields/{field_id}/delete").status_code == 302
    assert db.scalar(select(func.count(CustomField.id))) == 0


def test_only_admins_see_the_admin_page(client, login):
    login("manager")
    assert client.get("/creators/custom-fields").status_code == 403


def test_a_saved_view_keeps_custom_field_filters(client, db, defined, login):
    from crm.creators.models import SavedView

    user = login("manager")
    page = client.get("/creators/?owner=any&cf.tier=gold").get_data(as_text=True)
    assert 'name="cf.tier" value="gold"' in page
    r = post_form(client, "/creators/views", {"name": "Gold", "owner": "any", "cf.tier": "gold"})
    assert r.status_code == 302
    view = db.scalar(select(SavedView).where(SavedView.user_id == user.id))
    assert view.query == {"owner": "any", "cf.tier": "gold"}
