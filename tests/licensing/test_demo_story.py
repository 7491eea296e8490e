"""The demo tells one story: each work belongs to a creator of that craft, on their site."""

from __future__ import annotations

from crm.licensing import demo


def test_works_belong_to_their_creators_craft_and_site(db, make_creator):
    others = [make_creator(display_name=n) for n in ("Maya Chen Creates", "Pixel Forge")]
    story = {name: make_creator(display_name=name) for name, *_ in demo.DEMO_CREATORS}
    context: dict = {"creators": others + list(story.values())}
    demo.load(db, context)
    kinds = {"Lena Hoffmann": "image", "Chloé Martin": "text", "Jonas Berg": "video"}
    by_id = {c.id: c for c in story.values()}
    assert {w.creator_id for w in context["works"]} == set(by_id)  # not Maya, not Pixel Forge
    for work in context["works"]:
        creator = by_id[work.creator_id]
        assert work.kind == kinds[creator.display_name], work.title
        site = creator.sites[0]
        if work.kind == "video":
            assert work.url.startswith("https://www.youtube.com/watch")
        else:
            assert work.url.startswith(site + "/"), (work.url, site)
