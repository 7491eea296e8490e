"""The creator page's summary header and section links; channels on the new-creator form; a
pasted profile address parsed into platform and handle."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.common.errors import FieldErrors
from crm.creators import services
from crm.creators.models import Account, Creator
from tests.conftest import post_form
from tests.reminders.factories import ReminderFactory


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("https://www.youtube.com/@MayaMakes", ("youtube", "MayaMakes")),
        ("youtube.com/@maya.makes", ("youtube", "maya.makes")),
        ("https://m.youtube.com/c/MayaMakes/videos", ("youtube", "MayaMakes")),
        ("https://www.instagram.com/maya.art/", ("instagram", "maya.art")),
        ("instagram.com/maya.art?hl=en", ("instagram", "maya.art")),
        ("https://www.tiktok.com/@mayabeats", ("tiktok", "mayabeats")),
        ("https://twitter.com/maya_codes", ("x", "maya_codes")),
        ("https://x.com/maya_codes/status/1", ("x", "maya_codes")),
        ("https://www.twitch.tv/mayaplays", ("twitch", "mayaplays")),
        ("https://www.linkedin.com/in/maya-chen/", ("linkedin", "maya-chen")),
        ("maya", None),
        ("https://example.com/maya", None),
        ("https://www.youtube.com/", None),
        ("", None),
        ("not a url at all", None),
    ],
)
def test_profile_addresses(text, parsed):
    assert services.parse_profile_url(text) == parsed


def test_a_pasted_address_in_the_handle_sets_the_platform():
    errors = FieldErrors()
    values = services.clean_account(
        {"platform": "", "handle": "https://www.tiktok.com/@mayabeats"}, errors
    )
    assert not errors and (values["platform"], values["handle"]) == ("tiktok", "mayabeats")
    errors = FieldErrors()
    services.clean_account(
        {"platform": "youtube", "handle": "https://www.tiktok.com/@mayabeats"}, errors
    )
    assert "is a tiktok address, but the platform is youtube" in errors.errors["handle"][0]


def test_new_creator_form_adds_channels(client, db, login):
    login("manager")
    r = post_form(client, "/creators/new", {
        "display_name": "Maya Makes", "status": "prospect",
        "channels": "https://www.youtube.com/@MayaMakes\ninstagram:maya.art\n\n",
    })  # fmt: skip
    assert r.status_code == 302
    creator = db.scalar(select(Creator).where(Creator.display_name == "Maya Makes"))
    handles = set(db.execute(
        select(Account.platform, Account.handle).where(Account.creator_id == creator.id)
    ).all())  # fmt: skip
    assert handles == {("youtube", "MayaMakes"), ("instagram", "maya.art")}


@pytest.mark.parametrize(
    ("channels", "message"),
    [
        ("just words", "line 1: paste a profile address or write platform:handle"),
        ("myspace:maya", "line 1 (myspace:maya): must be one of"),
        ("youtube:bad handle!", "line 1 (youtube:bad handle!): may hold letters"),
        ("youtube:taken", "taken on youtube already belongs to Someone Else."),
        ("\n".join(f"x:h{i}" for i in range(21)), "at most 20 channels at once"),
    ],
)
def test_bad_channels_keep_the_form_and_write_nothing(
    client, db, login, make_account, make_creator, channels, message
):
    make_account("youtube", creator=make_creator(display_name="Someone Else"), handle="taken")
    before = db.scalar(select(func.count()).select_from(Creator))
    login("manager")
    r = post_form(
        client, "/creators/new", {"display_name": "New One", "status": "prospect",
                                  "channels": channels},
    )  # fmt: skip
    body = r.get_data(as_text=True)
    assert r.status_code == 422
    assert message in body.replace("&#39;", "'").replace("&#34;", '"')
    assert 'value="New One"' in body
    assert db.scalar(select(func.count()).select_from(Creator)) == before


def test_the_edit_form_has_no_channels_box(client, login, make_creator):
    creator = make_creator()
    login("manager")
    body = client.get(f"/creators/{creator.id}/edit").get_data(as_text=True)
    assert 'name="channels"' not in body
    assert 'name="channels"' in client.get("/creators/new").get_data(as_text=True)


def test_the_summary_header_and_section_links(client, db, login, make_creator, make_account):
    user = login("manager")
    creator = make_creator(display_name="maya chen creates", status="active", owner=user)
    make_account("youtube", creator=creator, handle="mc", followers=1200)
    make_account("instagram", creator=creator, handle="mc.art", followers=300)
    creator.followers_total = 1500
    ReminderFactory(title="Send the brief", due_on=services_today(), assignee_id=user.id,
                    creator_id=creator.id)  # fmt: skip
    db.flush()
    body = client.get(f"/creators/{creator.id}").get_data(as_text=True)
    assert '<div class="creator-avatar tone-success" aria-hidden="true">MC</div>' in body
    assert "1,500 followers" in body
    assert "YouTube · 1,200" in body and "Instagram · 300" in body
    assert user.name in body
    assert "Send the brief" in body
    for anchor in ("overview", "agreements", "tasks", "timeline"):
        assert f'href="#{anchor}"' in body, anchor
        assert f'id="{anchor}"' in body, anchor


def services_today():
    from crm.common.timeutil import org_today

    return org_today()
