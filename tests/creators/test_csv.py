"""CSV import and export: validation first, all or nothing, matching, round trip."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from crm.audit.services import system_actor
from crm.common.errors import Invalid
from crm.creators import csvio
from crm.creators.listing import CreatorFilters
from crm.creators.models import Account, Creator

HEADER = "display_name,email,country,status,owner_email,tags,accounts,notes\n"


def count(db, model=Creator) -> int:
    return db.scalar(select(func.count()).select_from(model))


def export(db, user=None, **filters) -> str:
    return "".join(csvio.export_lines(db, user or system_actor("t"), CreatorFilters(**filters)))


def test_import_creates_creators_with_accounts_and_tags(db, make_user):
    manager = make_user("manager", email="mgr@example.test")
    text = HEADER + (
        "Maya Chen,MAYA@example.com,gb,active,mgr@example.test,AI Art; #Tutorials,"
        "youtube:@MayaChen; instagram:maya.chen,First note\n"
        "Pixel Forge,,US,,,,twitch:pixelforge,\n"
    )
    report = csvio.import_creators(db, system_actor("t"), text)
    assert report.ok and report.written and (report.created, report.updated) == (2, 0)
    maya = db.scalars(select(Creator).where(Creator.display_name == "Maya Chen")).one()
    assert (maya.email, maya.country, maya.status, maya.owner_id) == (
        "maya@example.com",
        "GB",
        "active",
        manager.id,
    )
    assert maya.tag_names == ["ai art", "tutorials"]
    handles = set(db.scalars(select(Account.handle_key).where(Account.creator_id == maya.id)))
    assert handles == {"mayachen", "maya.chen"}
    pixel = db.scalars(select(Creator).where(Creator.display_name == "Pixel Forge")).one()
    assert pixel.status == "prospect" and pixel.owner_id is None


def test_every_row_is_checked_and_a_failed_import_writes_nothing(db, make_user, make_creator):
    make_creator(display_name="Holder", accounts=[("youtube", "taken")])
    before = (count(db), count(db, Account))
    text = HEADER + (
        "Good Row,,US,,,,youtube:fresh,\n"
        ",bad-email,XX,famous,nobody@example.test,,youtube:@Taken,\n"
        "Dup,,,,,,tiktok:same; myspace:x,\n"
        "Dup Two,,,,,,tiktok:SAME,\n"
    )
    report = csvio.import_creators(db, system_actor("t"), text)
    assert not report.ok and not report.written
    problems = {(e.row, e.field) for e in report.errors}
    assert {
        (3, "display_name"),
        (3, "email"),
        (3, "country"),
        (3, "status"),
        (3, "owner_email"),
        (4, "accounts"),
        (5, "accounts"),
    } <= problems
    assert any("also in row 4" in e.message for e in report.errors if e.row == 5)
    assert (count(db), count(db, Account)) == before


def test_a_handle_held_by_another_creator_names_the_holder(db, make_creator):
    holder = make_creator(display_name="Maya Chen", accounts=[("youtube", "maya")])
    other = make_creator(display_name="Other")
    text = f"id,display_name,accounts\n{other.id},Other,youtube:MAYA\n"
    report = csvio.import_creators(db, system_actor("t"), text)
    assert [(e.row, e.field) for e in report.errors] == [(2, "accounts")]
    assert "Maya Chen" in report.errors[0].message
    assert holder.display_name == "Maya Chen"


def test_a_look_alike_of_another_creators_handle_is_refused(db, make_creator, make_user):
    from crm.creators import services

    holder = make_creator(display_name="Maya Chen")
    services.add_account(
        db, make_user("admin"), holder, {"platform": "youtube", "handle": "paypal"}
    )
    text = "display_name,accounts\nCopycat,youtube:p\u0430ypal\n"
    report = csvio.import_creators(db, system_actor("t"), text)
    assert [(e.row, e.field) for e in report.errors] == [(2, "accounts")]
    assert "Maya Chen" in report.errors[0].message


def test_dry_run_reports_and_writes_nothing(db):
    report = csvio.import_creators(
        db, system_actor("t"), HEADER + "New One,,,,,,x:newone,\n", dry_run=True
    )
    assert report.ok and report.created == 1 and not report.written
    assert count(db) == 0


def test_existing_creators_are_matched_by_handle_and_updated(db, make_creator):
    maya = make_creator(display_name="Maya", status="prospect", accounts=[("youtube", "MayaC")])
    text = HEADER + "Maya Chen,,,active,,,youtube:@mayac; tiktok:maya.tt,\n"
    report = csvio.import_creators(db, system_actor("t"), text)
    assert report.ok and (report.created, report.updated) == (0, 1)
    assert count(db) == 1
    db.refresh(maya)
    assert (maya.display_name, maya.search_name, maya.status) == (
        "Maya Chen",
        "maya chen",
        "active",
    )
    platforms = set(db.scalars(select(Account.platform).where(Account.creator_id == maya.id)))
    assert platforms == {"youtube", "tiktok"}


def test_a_manager_cannot_reassign_owners_by_import(db, make_user, make_creator):
    manager, other = make_user("manager"), make_user("manager")
    creator = make_creator(display_name="Mine", owner=manager, accounts=[("x", "mine")])
    text = f"display_name,owner_email,accounts\nMine,{other.email},x:mine\n"
    report = csvio.import_creators(db, manager, text)
    assert [(e.row, e.field) for e in report.errors] == [(2, "owner_email")]
    # Unchanged owner, or a new creator owned by the importing manager, is fine.
    text = f"display_name,owner_email,accounts\nMine,{manager.email},x:mine\nNew,,x:new\n"
    assert csvio.import_creators(db, manager, text).ok
    new = db.scalars(select(Creator).where(Creator.display_name == "New")).one()
    assert new.owner_id == manager.id and creator.owner_id == manager.id


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x00\x01binary", "not a text CSV"),
        ("caf\xe9".encode("latin-1") + b",x\n", "UTF-8"),
        (b"name,email\nx,y\n", "display_name"),
        (b"display_name,followers\nx,1\n", "unknown columns: followers"),
    ],
)
def test_files_that_are_not_our_csv_are_refused_whole(db, data, message):
    with pytest.raises(Invalid) as exc:
        csvio.import_creators(db, system_actor("t"), data)
    assert message in exc.value.errors["file"][0]


def test_export_neutralises_formulas_and_import_restores_them(db, make_user, make_creator):
    make_creator(
        display_name='=HYPERLINK("http://evil")',
        legal_name="+1 Legal",
        notes="-5 and @mention",
        email="a@b.example",
        accounts=[("youtube", "formula")],
    )
    text = export(db)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][1].startswith("'=") and rows[1][2].startswith("'+")
    assert rows[1][9].startswith("'-")
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    report = csvio.import_creators(db, system_actor("t"), text)
    assert report.ok and report.updated == 1
    creator = db.scalars(select(Creator)).one()
    assert creator.display_name == '=HYPERLINK("http://evil")'
    assert creator.notes == "-5 and @mention"


def test_export_honours_filters(db, make_creator):
    make_creator(display_name="Active One", status="active")
    make_creator(display_name="Paused One", status="paused")
    text = export(db, status="paused")
    assert "Paused One" in text and "Active One" not in text


def test_export_then_import_round_trips_without_change_or_duplicates(db, make_user, make_creator):
    owner = make_user("manager")
    for n in range(30):
        make_creator(
            display_name=f"Creator {n}",
            owner=owner if n % 2 else None,
            tags=["ai art", f"t{n % 3}"],
            accounts=[("youtube", f"yt{n}"), ("tiktok", f"tt{n}")] if n % 5 else [],
            notes=f'Line one\nline, two "quoted" {n}' if n % 4 else "",
            country="GB" if n % 3 else None,
        )
    first = export(db)
    counts = (count(db), count(db, Account))
    report = csvio.import_creators(db, system_actor("t"), first)
    assert report.ok and (report.created, report.updated) == (0, 30)
    db.expire_all()
    assert export(db) == first
    assert (count(db), count(db, Account)) == counts


def test_import_uses_bulk_queries_not_one_per_row(db, count_queries):
    def rows(n):
        lines = [
            f"Bulk {i},b{i}@example.com,US,active,,tag{i % 7},youtube:bulk{i},\n" for i in range(n)
        ]
        return HEADER + "".join(lines)

    with count_queries() as small:
        assert csvio.import_creators(db, system_actor("t"), rows(50), dry_run=True).ok
    with count_queries() as large:
        assert csvio.import_creators(db, system_actor("t"), rows(1200), dry_run=True).ok
    # Validation: lookups are chunked (500 keys a query), never per row.
    assert large.count <= small.count + 4
    with count_queries() as write:
        assert csvio.import_creators(db, system_actor("t"), rows(1200)).written
    assert write.count < 40
    assert count(db) == 1200
