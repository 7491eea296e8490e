"""Submission pages, the review queue and their messages speak in words, not codes."""

from __future__ import annotations

from tests.conftest import post_form
from tests.plain import assert_plain, visible_text

RAW = ("in_review", "changes_requested", "request_changes", "tiktok")


def test_review_queue_and_review_page_show_labels(client, login, world):
    sub = world.submission(platform="tiktok", title="Dance clip")
    login("legal")
    queue = visible_text(client.get("/review/").get_data(as_text=True))
    assert_plain(queue, shows=("Dance clip", "TikTok"), never=RAW)
    review = visible_text(client.get(f"/review/{sub.id}").get_data(as_text=True))
    assert_plain(review, shows=("In review", "TikTok"), never=RAW)


def test_submission_page_history_and_list_show_labels(client, login, world):
    sub = world.submission("changes_requested", platform="tiktok")
    login("manager")
    page = visible_text(client.get(f"/submissions/{sub.id}").get_data(as_text=True))
    assert_plain(page, shows=("Changes requested", "Submitted for review", "TikTok"), never=RAW)
    listing = visible_text(client.get("/submissions/").get_data(as_text=True))
    assert_plain(listing, shows=("Changes requested", "In review"), never=RAW)


def test_a_new_revision_says_the_submission_is_now_in_review(client, login, world):
    sub = world.submission("changes_requested")
    login("manager")
    done = post_form(
        client, f"/submissions/{sub.id}/revisions", {"body": "#ad Take two"}, follow_redirects=True
    )
    text = visible_text(done.get_data(as_text=True))
    assert "Revision 2 added; the submission is now in review." in text
    assert "in_review" not in text


def test_a_refused_action_names_the_state_in_words(client, login, world):
    sub = world.submission("changes_requested")
    login("manager")
    again = post_form(client, f"/submissions/{sub.id}/publish", {"published_url": "https://e.example/p"},
                      follow_redirects=True)  # fmt: skip
    text = visible_text(again.get_data(as_text=True))
    assert "A submission that is changes requested cannot be published." in text
    assert "changes_requested" not in text


def test_queue_finds_a_creator_by_name_and_keeps_the_id(client, login, world, db):
    from tests.factories import CreatorFactory

    other = CreatorFactory(display_name="Zed Zebra")
    world.submission(title="Mine")
    world.submission(title="Theirs", creator_id=other.id)
    login("legal")
    page = client.get("/review/").get_data(as_text=True)
    assert "Creator id" not in page and 'name="creator"' in page
    by_name = visible_text(client.get("/review/?creator=zebra").get_data(as_text=True))
    assert "Theirs" in by_name and "Mine" not in by_name
    by_id = client.get(f"/review/?creator_id={other.id}").get_data(as_text=True)
    assert "Theirs" in visible_text(by_id) and "Mine" not in visible_text(by_id)
    assert 'value="Zed Zebra"' in by_id  # the id shows as the name in the box
    assert client.get("/review/?creator=" + "x" * 201).status_code == 422
