"""Consent pages and the consent receipt speak in words: uses, decisions, sources, kinds."""

from __future__ import annotations

from datetime import date

from tests.plain import assert_plain, visible_text

RAW = ("ai_generative_training", "not_allowed", "creator_request", "data_mining")


def test_creator_consent_page_shows_labels(
    client, login, db, make_creator, make_work, make_consent
):
    creator = make_creator(display_name="Iris Lens")
    work = make_work(creator, title="Lagos street", kind="video")
    make_consent(
        creator,
        use="ai_generative_training",
        decision="not_allowed",
        source="creator_request",
        effective_on=date(2020, 1, 1),
    )
    login("legal")
    page = visible_text(client.get(f"/licensing/creators/{creator.id}").get_data(as_text=True))
    assert_plain(
        page,
        shows=("Generative AI training", "Not allowed", "Creator's request", "Data mining"),
        never=RAW,
    )
    work_page = visible_text(client.get(f"/licensing/works/{work.id}").get_data(as_text=True))
    assert_plain(work_page, shows=("Generative AI training", "Video"), never=RAW)


def test_consent_timeline_entries_show_labels(app, db, make_creator, make_consent, make_user):
    from crm.licensing.views.section import timeline_entries

    creator = make_creator()
    make_consent(creator, use="ai_generative_training", decision="not_allowed",
                 source="creator_request")  # fmt: skip
    with app.test_request_context():
        entries = timeline_entries(db, creator, make_user("legal"), 10)
    text = " ".join(f"{e.title} {e.detail}" for e in entries)
    assert "Generative AI training: not allowed" in text
    assert "Source: Creator's request" in text
    for code in RAW:
        assert code not in text
