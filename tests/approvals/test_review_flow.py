"""The reviewer's flow: after a decision the next item, the revision form prefilled, and a
word-level diff."""

from __future__ import annotations

from crm.approvals import queries, services
from crm.approvals.services import RevisionInput
from tests.approvals.conftest import TODAY
from tests.conftest import post_form


def test_after_a_decision_the_reviewer_lands_on_the_next_item(client, login, world, db):
    first = world.submission(title="First")
    second = world.submission(title="Second")
    user = login("legal")
    own = world.submission(title="Mine", actor=world.admin)
    services.add_revision(db, world.admin, own, RevisionInput(body="#ad x"), today=TODAY)
    own.submitted_by = user.id  # the reviewer's own: never offered to them (R5)
    db.flush()
    r = post_form(client, f"/review/{first.id}/decision", {"revision": "1", "decision": "approve"})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/review/{second.id}")
    r = post_form(client, f"/review/{second.id}/decision", {"revision": "1", "decision": "approve"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/review/")
    page = client.get("/review/").get_data(as_text=True)
    assert "The queue is empty." in page


def test_next_for_reviewer_follows_the_queue_order(world, db):
    a = world.submission(title="A")
    b = world.submission(title="B")
    assert queries.next_for_reviewer(db, world.legal.id) == a.id
    services.decide(db, world.legal, a.id, 1, "approve")
    assert queries.next_for_reviewer(db, world.legal.id) == b.id
    assert queries.next_for_reviewer(db, world.manager.id) is None  # submitted them all


def test_the_revision_form_starts_from_the_latest_revision(client, login, world):
    sub = world.submission(
        "changes_requested", body="#ad Caption <i>kept</i>", media_url="https://cdn.example/v.mp4",
        ai_label=True,
    )  # fmt: skip
    login("manager")
    page = client.get(f"/submissions/{sub.id}").get_data(as_text=True)
    assert "#ad Caption &lt;i&gt;kept&lt;/i&gt;</textarea>" in page
    assert 'value="https://cdn.example/v.mp4"' in page
    assert '<option selected value="yes">' in page or 'value="yes" selected' in page


def test_word_diff_marks_words_and_keeps_whitespace():
    parts = queries.word_diff("Try the new Nova model\ntoday", "Try the Nova Pro model\ntoday")
    assert [(p.kind, p.text) for p in parts] == [
        ("same", "Try the "),
        ("del", "new "),
        ("same", "Nova "),
        ("add", "Pro "),
        ("same", "model\ntoday"),
    ]
    assert queries.word_diff(None, "x") == []
    assert queries.word_diff("same", "same") == []
    assert "".join(p.text for p in queries.word_diff("a b", "a c") if p.kind != "del") == "a c"


def test_the_diff_is_escaped_on_the_page(client, login, world, db):
    sub = world.submission("changes_requested", body="Hello")
    services.add_revision(
        db, world.manager, sub, RevisionInput(body="Hello <script>x</script>"), today=TODAY
    )
    login("legal")
    page = client.get(f"/review/{sub.id}").get_data(as_text=True)
    assert "<script>x</script>" not in page
    assert 'Hello <ins class="diff-word-add">&lt;script&gt;x&lt;/script&gt;</ins>' in page
