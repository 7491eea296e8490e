"""The board picks a creator by name (any number of creators), keeps the id links working,
and shows categories and severities in words."""

from __future__ import annotations

from tests.plain import assert_plain, visible_text


def test_board_filters_creators_by_name_and_by_id(client, login, make_note, make_creator):
    other = make_creator(display_name="Bea Brooks", search_name="bea brooks")
    make_note(title="Noor's note", category="feature_request", severity="critical")
    make_note(title="Bea's note", creator_id=other.id)
    login("viewer")
    page = client.get("/feedback/").get_data(as_text=True)
    assert 'name="creator"' in page and 'name="creator_id"' not in page
    assert_plain(
        visible_text(page),
        shows=("Feature request", "Critical"),
        never=("feature_request", "wont_fix"),
    )
    by_name = visible_text(client.get("/feedback/?creator=brooks").get_data(as_text=True))
    assert "Bea's note" in by_name and "Noor's note" not in by_name
    by_id = client.get(f"/feedback/?creator_id={other.id}").get_data(as_text=True)
    assert "Bea's note" in visible_text(by_id) and "Noor's note" not in visible_text(by_id)
    assert 'value="Bea Brooks"' in by_id
    assert client.get("/feedback/?creator=" + "x" * 201).status_code == 422
