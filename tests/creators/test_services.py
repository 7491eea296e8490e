"""The creators domain's rules, without HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crm.common.errors import Conflict, Invalid, NotFound
from crm.creators import listing, services
from crm.creators.models import Account


def test_create_normalises_fields_and_defaults_owner_to_the_manager(db, make_user):
    manager = make_user("manager")
    creator = services.create_creator(
        db,
        manager,
        {
            "display_name": "  Maya Chen ",
            "email": "Maya@Example.COM",
            "country": "gb",
            "tags": [" #AI Art ", "ai   art", "Tutorials", ""],
        },
    )
    assert creator.display_name == "Maya Chen"
    assert creator.search_name == "maya chen"
    assert creator.email == "maya@example.com"
    assert creator.country == "GB"
    assert creator.status == "prospect"
    assert creator.tag_names == ["ai art", "tutorials"]
    assert creator.owner_id == manager.id


def test_create_reports_every_bad_field_at_once(db, make_user):
    with pytest.raises(Invalid) as exc:
        services.create_creator(
            db,
            make_user("admin"),
            {"display_name": "", "email": "not-an-email", "country": "XX", "status": "famous"},
        )
    assert set(exc.value.errors) == {"display_name", "email", "country", "status"}


@pytest.mark.parametrize("code", ["US", "GB", "DE", "JP", "BR", "ZA", "SS", "XK"])
def test_country_is_an_iso_3166_alpha_2_code(db, make_user, code):
    data = {"display_name": "C", "country": code}
    if code == "XK":  # Kosovo is user-assigned, not an official ISO 3166 code
        with pytest.raises(Invalid):
            services.create_creator(db, make_user("admin"), data)
    else:
        assert services.create_creator(db, make_user("admin"), data).country == code


def test_a_manager_cannot_assign_or_change_the_owner(db, make_user):
    manager, other = make_user("manager"), make_user("manager")
    with pytest.raises(Invalid) as exc:
        services.create_creator(db, manager, {"display_name": "C", "owner_id": other.id})
    assert "owner_id" in exc.value.errors
    creator = services.create_creator(db, manager, {"display_name": "C", "owner_id": manager.id})
    with pytest.raises(Invalid) as exc:
        services.update_creator(db, manager, creator, {"owner_id": other.id})
    assert exc.value.errors["owner_id"] == ["only an admin can assign or change the owner"]
    # Sending the current owner back unchanged is not a change.
    services.update_creator(db, manager, creator, {"owner_id": manager.id, "status": "active"})
    assert creator.owner_id == manager.id and creator.status == "active"


def test_an_admin_reassigns_owners_but_only_to_active_editors(db, make_user):
    admin, manager, viewer = make_user("admin"), make_user("manager"), make_user("viewer")
    creator = services.create_creator(db, admin, {"display_name": "C", "owner_id": manager.id})
    assert creator.owner_id == manager.id
    services.update_creator(db, admin, creator, {"owner_id": admin.id})
    assert creator.owner_id == admin.id
    with pytest.raises(Invalid):
        services.update_creator(db, admin, creator, {"owner_id": viewer.id})
    services.update_creator(db, admin, creator, {"owner_id": None})
    assert creator.owner_id is None


def test_update_changes_only_given_fields_and_records_the_diff(db, make_user):
    from sqlalchemy import select

    from crm.audit.models import AuditEvent

    admin = make_user("admin")
    creator = services.create_creator(
        db, admin, {"display_name": "Old", "email": "a@b.example", "tags": ["x"]}
    )
    services.update_creator(db, admin, creator, {"display_name": "New", "tags": ["y", "x"]})
    assert (creator.display_name, creator.search_name, creator.email) == (
        "New",
        "new",
        "a@b.example",
    )
    assert creator.tag_names == ["x", "y"]
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "creator.update")).one()
    assert event.changes["display_name"] == ["Old", "New"]


def test_archive_and_restore(db, make_user):
    admin = make_user("admin")
    creator = services.create_creator(db, admin, {"display_name": "Gone Soon"})
    services.archive_creator(db, admin, creator)
    assert creator.archived and creator.archived_at is not None
    page = listing.list_creators(db, admin, listing.CreatorFilters(q="gone soon"), None, 50)
    assert page.items == []
    archived = listing.CreatorFilters(q="gone soon", archived=True)
    assert listing.list_creators(db, admin, archived, None, 50).items == [creator]
    services.restore_creator(db, admin, creator)
    assert not creator.archived and creator.archived_at is None


def test_representatives_crud_and_validation(db, make_user):
    admin = make_user("admin")
    creator = services.create_creator(db, admin, {"display_name": "C"})
    with pytest.raises(Invalid) as exc:
        services.add_representative(db, admin, creator, {"name": "", "email": "nope"})
    assert set(exc.value.errors) == {"name", "email"}
    rep = services.add_representative(
        db, admin, creator, {"name": "Jordan", "agency": "Northstar", "phone": "+1 555 0100"}
    )
    services.update_representative(db, admin, rep, {"name": "Jordan Blake", "agency": ""})
    assert (rep.name, rep.agency) == ("Jordan Blake", None)
    other = services.create_creator(db, admin, {"display_name": "Other"})
    with pytest.raises(NotFound):
        services.get_representative(db, other, rep.id)
    services.delete_representative(db, admin, rep)
    with pytest.raises(NotFound):
        services.get_representative(db, creator, rep.id)


@pytest.mark.parametrize(
    ("platform", "url"),
    [
        ("youtube", "https://www.youtube.com/@MayaChen"),
        ("instagram", "https://www.instagram.com/MayaChen/"),
        ("tiktok", "https://www.tiktok.com/@MayaChen"),
        ("x", "https://x.com/MayaChen"),
        ("twitch", "https://www.twitch.tv/MayaChen"),
        ("linkedin", "https://www.linkedin.com/in/MayaChen"),
    ],
)
def test_profile_url_is_derived(db, make_user, platform, url):
    admin = make_user("admin")
    creator = services.create_creator(db, admin, {"display_name": "C"})
    account = services.add_account(
        db, admin, creator, {"platform": platform, "handle": "@MayaChen", "url": "https://x.test"}
    )
    assert account.handle == "MayaChen" and account.handle_key == "mayachen"
    assert account.url == url


def test_other_platforms_keep_the_given_url(db, make_user):
    admin = make_user("admin")
    creator = services.create_creator(db, admin, {"display_name": "C"})
    account = services.add_account(
        db, admin, creator, {"platform": "other", "handle": "maya", "url": "https://maya.art/"}
    )
    assert account.url == "https://maya.art/"
    with pytest.raises(Invalid) as exc:
        services.add_account(
            db, admin, creator, {"platform": "myspace", "handle": "a b", "url": "javascript:x"}
        )
    assert set(exc.value.errors) == {"platform", "handle", "url"}


def test_a_handle_belongs_to_one_creator_compared_normalised(db, make_user):
    admin = make_user("admin")
    maya = services.create_creator(db, admin, {"display_name": "Maya Chen"})
    other = services.create_creator(db, admin, {"display_name": "Someone Else"})
    services.add_account(db, admin, maya, {"platform": "youtube", "handle": "@MayaChen"})
    for handle in ("mayachen", "@MAYACHEN", " @MayaChen "):
        with pytest.raises(Conflict) as exc:
            services.add_account(db, admin, other, {"platform": "youtube", "handle": handle})
        assert "Maya Chen" in exc.value.detail
    # The same handle on another platform is another account.
    services.add_account(db, admin, other, {"platform": "tiktok", "handle": "mayachen"})
    # Renaming an account onto a held handle is refused too.
    mine = services.add_account(db, admin, other, {"platform": "youtube", "handle": "else"})
    with pytest.raises(Conflict, match="Maya Chen"):
        services.update_account(db, admin, mine, {"handle": "MAYACHEN"})


def test_deleting_an_account_recounts_followers(db, make_user):
    admin = make_user("admin")
    creator = services.create_creator(db, admin, {"display_name": "C"})
    a = services.add_account(db, admin, creator, {"platform": "youtube", "handle": "a"})
    b = services.add_account(db, admin, creator, {"platform": "x", "handle": "b"})
    a.followers, b.followers = 100, 50
    creator.followers_total = 150
    db.flush()
    services.delete_account(db, admin, a)
    assert creator.followers_total == 50
    assert db.get(Account, b.id) is not None


def test_recording_an_interaction_keeps_the_latest_time(db, make_user):
    admin = make_user("admin")
    creator = services.create_creator(db, admin, {"display_name": "C"})
    recent = datetime(2026, 5, 1, 10, tzinfo=UTC)
    services.record_interaction(
        db, admin, creator, kind="call", occurred_at=recent, summary="Intro call"
    )
    assert creator.last_interaction_at == recent
    services.record_interaction(
        db, admin, creator, kind="note", occurred_at=recent - timedelta(days=9), summary="Old"
    )
    assert creator.last_interaction_at == recent
    with pytest.raises(Invalid) as exc:
        services.record_interaction(
            db, admin, creator, kind="fax", occurred_at=datetime(2026, 1, 1), summary=" "
        )
    assert set(exc.value.errors) == {"kind", "occurred_at", "summary"}


def test_saved_views_belong_to_their_user(db, make_user):
    me, other = make_user("manager"), make_user("manager")
    view = services.save_view(db, me, "Active YouTube", {"status": "active", "cursor": "x"})
    assert view.query == {"status": "active"}
    again = services.save_view(db, me, "Active YouTube", {"platform": "youtube"})
    assert again.id == view.id and again.query == {"platform": "youtube"}
    assert services.saved_views(db, other) == []
    with pytest.raises(NotFound):
        services.delete_view(db, other, view.id)
    with pytest.raises(Invalid):
        services.save_view(db, me, "  ", {})
    services.delete_view(db, me, view.id)
    assert services.saved_views(db, me) == []
