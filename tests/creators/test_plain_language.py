"""The creator list and page show statuses and platforms in words."""

from __future__ import annotations

from tests.factories import DealFactory, NdaFactory
from tests.plain import assert_plain, visible_text


def test_creator_page_and_list_show_labels(client, login, db, make_creator):
    creator = make_creator(
        display_name="Tess Tok", status="do_not_contact", accounts=[("tiktok", "tess")]
    )
    NdaFactory(creator_id=creator.id, status="sent")
    DealFactory(creator_id=creator.id, kind="in_kind", title="Lights for a review")
    login("manager")
    page = visible_text(client.get(f"/creators/{creator.id}").get_data(as_text=True))
    assert_plain(page, shows=("Do not contact", "TikTok"), never=("do_not_contact", "tiktok"))
    section = client.get(f"/creators/{creator.id}?tab=agreements").get_data(as_text=True)
    assert_plain(
        visible_text(section),
        shows=("In kind", "Sent", "Active"),
        never=("in_kind", "do_not_contact"),
    )
    timeline = client.get(f"/creators/{creator.id}?tab=timeline").get_data(as_text=True)
    assert_plain(visible_text(timeline), shows=("NDA", "Deal"), never=("nda ·", " nda "))
    listing = visible_text(client.get("/creators/?owner=any").get_data(as_text=True))
    assert_plain(listing, shows=("Tess Tok", "Do not contact", "TikTok"), never=("do_not_contact",))
