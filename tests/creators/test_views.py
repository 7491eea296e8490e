"""Creator pages as people see them."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import func, select

from crm.common.registry import CreatorSection, TimelineEntry, TimelineProvider, registry
from crm.creators.models import Account, Creator, Interaction, Representative, SavedView
from tests.conftest import post_form
from tests.creators.factories import InteractionFactory, RepresentativeFactory
from tests.factories import AccountFactory


def html(response) -> str:
    return response.get_data(as_text=True)


def _many_creators(db, make_creator, owner, n, start=0):
    for i in range(start, start + n):
        c = make_creator(display_name=f"Creator {i:03d}", owner=owner, tags=["a", f"t{i % 3}"])
        db.add(
            AccountFactory.build(
                creator_id=c.id, platform="youtube", handle=f"yt{i}", handle_key=f"yt{i}"
            )
        )
        db.add(
            AccountFactory.build(creator_id=c.id, platform="x", handle=f"x{i}", handle_key=f"x{i}")
        )
    db.flush()


def test_list_page_runs_a_fixed_number_of_queries(
    client, db, login, make_creator, make_user, count_queries
):
    user = login("manager")
    other = make_user("manager")
    _many_creators(db, make_creator, user, 10)
    with count_queries() as few:
        response = client.get("/creators/?owner=any")
    assert response.status_code == 200 and "Creator 009" in html(response)
    _many_creators(db, make_creator, other, 290, start=10)
    with count_queries() as many:
        response = client.get("/creators/?owner=any")
    assert response.status_code == 200 and "Next page" in html(response)
    assert many.count == few.count
    # session, creators, owners, tags, accounts, filter choices, views, the custom field
    # definitions (filters and sort), how many match (capped), and one statement for every
    # navigation badge together.
    assert many.count <= 10, many.statements


def test_creator_page_runs_a_fixed_number_of_queries(
    client, db, login, make_creator, count_queries
):
    user = login("manager")
    few = make_creator(display_name="Few", owner=user, accounts=[("youtube", "few")])
    db.add(InteractionFactory.build(creator_id=few.id, user_id=user.id))
    many = make_creator(display_name="Many", owner=user)
    for i in range(30):
        db.add(
            AccountFactory.build(
                creator_id=many.id, platform="other", handle=f"h{i}", handle_key=f"h{i}"
            )
        )
        db.add(InteractionFactory.build(creator_id=many.id, user_id=user.id))
        db.add(RepresentativeFactory.build(creator_id=many.id))
    db.flush()
    with count_queries() as a:
        assert client.get(f"/creators/{few.id}").status_code == 200
    with count_queries() as b:
        response = client.get(f"/creators/{many.id}")
    assert response.status_code == 200 and "h29" in html(response)
    # The header plus a bounded number per section and timeline provider of every domain:
    # one each for the custom fields' definitions and the portal's access and its timeline.
    assert a.count == b.count and b.count <= 29, b.statements


def test_managers_land_on_my_creators(client, login, make_creator, make_user):
    me = login("manager")
    make_creator(display_name="Mine Alone", owner=me)
    make_creator(display_name="Someone Elses", owner=make_user("manager"))
    page = html(client.get("/creators/"))
    assert "My creators" in page and "Mine Alone" in page and "Someone Elses" not in page
    page = html(client.get("/creators/?owner=any"))
    assert "Mine Alone" in page and "Someone Elses" in page


def test_list_search_and_bad_filter(client, login, make_creator):
    login("viewer")
    make_creator(display_name="Maya Chen", accounts=[("youtube", "mayayt")])
    make_creator(display_name="Pixel Forge")
    page = html(client.get("/creators/?q=@MAYAYT"))
    assert "Maya Chen" in page and "Pixel Forge" not in page
    response = client.get("/creators/?status=famous")
    assert response.status_code == 422 and "status" in html(response)


def test_creator_page_shows_header_sections_and_merged_timeline(
    app, client, db, login, make_creator
):
    user = login("viewer")
    creator = make_creator(
        display_name="Maya <b>Chen</b>",
        owner=user,
        tags=["ai art"],
        accounts=[("youtube", "mayayt")],
        status="negotiating",
    )
    db.get(Account, db.scalar(select(Account.id).where(Account.creator_id == creator.id)))
    db.add(RepresentativeFactory.build(creator_id=creator.id, name="Jordan Blake"))
    base = datetime(2026, 3, 1, tzinfo=UTC)
    db.add(InteractionFactory.build(creator_id=creator.id, occurred_at=base, summary="Call A"))
    db.add(
        InteractionFactory.build(
            creator_id=creator.id, occurred_at=base + timedelta(days=2), summary="Call C"
        )
    )
    db.flush()

    def deals(session, c, u, limit):
        return [TimelineEntry(base + timedelta(days=1), "deal", "Deal B signed")]

    reg = registry(app)
    provider = TimelineProvider("test-deals", deals)
    shown = CreatorSection(
        "test",
        "_test/section.html",
        lambda s, c, u: {"note": "from a section"},
        frozenset({"viewer"}),
    )
    hidden = CreatorSection(
        "hidden",
        "_test/section.html",
        lambda s, c, u: {"note": "for admins"},
        frozenset({"admin"}),
    )
    reg.timeline.append(provider)
    reg.creator_sections.extend([shown, hidden])
    loader = app.jinja_env.loader
    app.jinja_env.loader = ChoiceLoader(
        [
            DictLoader({"_test/section.html": "<p>{{ section.note }} about {{ creator.id }}</p>"}),
            loader,
        ]
    )
    try:
        page = html(client.get(f"/creators/{creator.id}"))
        timeline = html(client.get(f"/creators/{creator.id}?tab=timeline"))
        section = html(client.get(f"/creators/{creator.id}?tab=test"))
        not_for_viewers = client.get(f"/creators/{creator.id}?tab=hidden")
        no_such_tab = client.get(f"/creators/{creator.id}?tab=nope")
    finally:
        app.jinja_env.loader = loader
        reg.timeline.remove(provider)
        reg.creator_sections.remove(shown)
        reg.creator_sections.remove(hidden)
    assert "Maya &lt;b&gt;Chen&lt;/b&gt;" in page and "<b>Chen</b>" not in page
    assert "Negotiating" in page and "ai art" in page and "Jordan Blake" in page
    assert "YouTube" in page and "mayayt" in page
    # The overview links every tab the viewer may see; each tab shows its own part.
    assert f'href="/creators/{creator.id}?tab=timeline"' in page
    assert f'href="/creators/{creator.id}?tab=test"' in page and "?tab=hidden" not in page
    assert "Deal B signed" not in page and "from a section" not in page
    assert page.index("Call C") < page.index("Call A")  # the recent interactions
    assert timeline.index("Call C") < timeline.index("Deal B signed") < timeline.index("Call A")
    assert "Maya &lt;b&gt;Chen&lt;/b&gt;" in timeline and "ai art" in timeline  # the header
    assert f"from a section about {creator.id}" in section and "for admins" not in section
    assert not_for_viewers.status_code == 404 and no_such_tab.status_code == 404
    # A viewer sees no edit actions.
    assert "Record interaction" not in page and "/edit" not in page


def test_unknown_creator_is_404(client, login):
    login("viewer")
    assert client.get("/creators/999999").status_code == 404


def test_create_edit_archive_restore_through_the_forms(client, db, login):
    me = login("manager")
    response = post_form(
        client, "/creators/new", {"display_name": "X", "country": "XX", "status": "active"}
    )
    assert response.status_code == 422 and "ISO 3166" in html(response)
    response = post_form(
        client,
        "/creators/new",
        {"display_name": "Lena", "country": "de", "status": "active", "tags": "Photo, #Travel"},
    )
    assert response.status_code == 302
    creator = db.scalars(select(Creator).where(Creator.display_name == "Lena")).one()
    assert creator.owner_id == me.id and creator.tag_names == ["photo", "travel"]
    # A manager's form has no owner field; a forged one is ignored.
    assert 'name="owner_id"' not in html(client.get(f"/creators/{creator.id}/edit"))
    response = post_form(
        client,
        f"/creators/{creator.id}/edit",
        {"display_name": "Lena H", "status": "paused", "owner_id": "1"},
    )
    assert response.status_code == 302
    db.refresh(creator)
    assert creator.display_name == "Lena H" and creator.owner_id == me.id
    assert post_form(client, f"/creators/{creator.id}/archive").status_code == 302
    db.refresh(creator)
    assert creator.archived
    assert f'href="/creators/{creator.id}"' not in html(client.get("/creators/?owner=any"))
    assert post_form(client, f"/creators/{creator.id}/restore").status_code == 302
    db.refresh(creator)
    assert not creator.archived


def test_admin_reassigns_owner_in_the_form(client, db, login, make_user, make_creator):
    login("admin")
    manager = make_user("manager")
    creator = make_creator(display_name="Owned")
    page = html(client.get(f"/creators/{creator.id}/edit"))
    assert 'name="owner_id"' in page
    response = post_form(
        client,
        f"/creators/{creator.id}/edit",
        {"display_name": "Owned", "status": "active", "owner_id": str(manager.id)},
    )
    assert response.status_code == 302
    db.refresh(creator)
    assert creator.owner_id == manager.id


def test_accounts_representatives_interactions_forms(client, db, login, make_creator):
    login("manager")
    holder = make_creator(display_name="Holder Person", accounts=[("tiktok", "taken")])
    creator = make_creator(display_name="Target")
    response = post_form(
        client, f"/creators/{creator.id}/accounts/new", {"platform": "tiktok", "handle": "@TAKEN"}
    )
    assert response.status_code == 409 and "Holder Person" in html(response)
    response = post_form(
        client,
        f"/creators/{creator.id}/accounts/new",
        {"platform": "instagram", "handle": "@target.ig"},
    )
    assert response.status_code == 302
    account = db.scalars(select(Account).where(Account.creator_id == creator.id)).one()
    assert account.url == "https://www.instagram.com/target.ig/"
    other = db.scalar(select(Account.id).where(Account.creator_id == holder.id))
    assert post_form(client, f"/creators/{creator.id}/accounts/{other}/delete").status_code == 404
    response = post_form(
        client,
        f"/creators/{creator.id}/representatives/new",
        {"name": "Sam Patel", "email": "sam@agency.example"},
    )
    assert response.status_code == 302
    assert db.scalar(select(Representative.name).where(Representative.creator_id == creator.id))
    response = post_form(
        client,
        f"/creators/{creator.id}/interactions/new",
        {"kind": "call", "occurred_at": "2026-04-02T09:30", "summary": "Intro call"},
    )
    assert response.status_code == 302
    interaction = db.scalars(select(Interaction).where(Interaction.creator_id == creator.id)).one()
    assert interaction.occurred_at == datetime(2026, 4, 2, 9, 30, tzinfo=UTC)  # user tz is UTC
    db.refresh(creator)
    assert creator.last_interaction_at == interaction.occurred_at
    assert "Intro call" in html(client.get(f"/creators/{creator.id}"))


@pytest.mark.parametrize("role", ["viewer", "legal"])
def test_read_only_roles_cannot_write(client, login, make_creator, role):
    login(role)
    creator = make_creator(display_name="C")
    assert client.get("/creators/new").status_code == 403
    assert post_form(client, f"/creators/{creator.id}/archive").status_code == 403
    assert post_form(client, "/creators/import").status_code == 403
    assert client.get(f"/creators/{creator.id}").status_code == 200


def test_saved_views(client, db, login):
    me = login("viewer")
    response = post_form(
        client, "/creators/views", {"name": "Paused GB", "status": "paused", "country": "gb"}
    )
    assert response.status_code == 302
    view = db.scalars(select(SavedView).where(SavedView.user_id == me.id)).one()
    assert view.query["status"] == "paused" and view.query["country"] == "GB"
    page = html(client.get("/creators/"))
    assert "Paused GB" in page and "status=paused" in page
    assert post_form(client, f"/creators/views/{view.id}/delete").status_code == 302
    assert db.scalar(select(func.count()).select_from(SavedView)) == 0


def test_export_download_honours_filters(client, login, make_creator):
    login("viewer")
    make_creator(display_name="Active One", status="active")
    make_creator(display_name="=Paused One", status="paused")
    response = client.get("/creators/export.csv?status=paused")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = html(response)
    assert "'=Paused One" in body and "Active One" not in body


def test_import_page_previews_then_imports(client, db, login):
    login("manager")
    good = b"display_name,accounts\nNew Person,youtube:newperson\n"
    bad = b"display_name,country\n,XX\n"

    def upload(data, action):
        return post_form(
            client,
            "/creators/import",
            {"file": (io.BytesIO(data), "c.csv"), "action": action},
            content_type="multipart/form-data",
        )

    response = upload(bad, "import")
    assert response.status_code == 422
    assert "nothing was imported" in html(response) and "display_name" in html(response)
    response = upload(good, "preview")
    assert response.status_code == 200 and "ready to import" in html(response)
    assert db.scalar(select(func.count()).select_from(Creator)) == 0
    response = upload(good, "import")
    assert response.status_code == 302
    assert db.scalar(select(Creator.display_name)) == "New Person"
    response = upload(b"\x00\x01", "preview")
    assert response.status_code == 422 and "not a text CSV" in html(response)


def test_home_panel_lists_my_creators_without_recent_contact(client, db, login, make_creator):
    me = login("manager")
    stale = make_creator(display_name="Quiet One", owner=me, status="active")
    stale.last_interaction_at = datetime.now(UTC) - timedelta(days=45)
    fresh = make_creator(display_name="Chatty One", owner=me, status="active")
    fresh.last_interaction_at = datetime.now(UTC) - timedelta(days=2)
    make_creator(display_name="Ended One", owner=me, status="ended")
    db.flush()
    page = html(client.get("/"))
    assert "Quiet One" in page and "Chatty One" not in page and "Ended One" not in page


def test_nav_has_creators_for_every_role(client, login):
    login("viewer")
    assert 'href="/creators/"' in html(client.get("/"))


def test_every_form_page_renders_for_an_editor(client, db, login, make_creator):
    login("admin")
    creator = make_creator(display_name="Forms", accounts=[("youtube", "forms")])
    account_id = db.scalar(select(Account.id).where(Account.creator_id == creator.id))
    rep = RepresentativeFactory(creator_id=creator.id, name="Rep Person")
    pages = {
        "/creators/new": "Display name",
        f"/creators/{creator.id}/edit": "Forms",
        f"/creators/{creator.id}/accounts/new": "Handle",
        f"/creators/{creator.id}/accounts/{account_id}/edit": "forms",
        f"/creators/{creator.id}/representatives/new": "Agency",
        f"/creators/{creator.id}/representatives/{rep.id}/edit": "Rep Person",
        f"/creators/{creator.id}/interactions/new": "Summary",
        "/creators/import": "display_name",
    }
    for url, text in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in html(response), url
