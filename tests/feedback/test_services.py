"""Feedback rules without HTTP: capture, validation, triage, filters, similar notes, report."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.common.errors import Conflict, Invalid
from crm.feedback import services
from crm.feedback.models import Feedback
from crm.feedback.rendering import render_markdown
from tests.feedback.conftest import at


def _create(db, actor, creator, product, **kwargs):
    values = {
        "creator_id": creator.id,
        "product_id": product.id,
        "category": "accessibility",
        "severity": "high",
        "title": "Voice input for prompts",
        "body": "Typing is hard for him.",
        "reproduction": "Write a long prompt with an on-screen keyboard.",
    }
    values.update(kwargs)
    return services.create_feedback(db, actor, **values)


# ---------------------------------------------------------------- capture and validation


def test_create_records_the_note_as_new_with_an_audit_event(db, make_user, creator, product):
    manager = make_user("manager")
    note = _create(db, manager, creator, product)
    stored = db.get(Feedback, note.id)
    assert stored.status == "new"
    assert stored.category == "accessibility" and stored.severity == "high"
    assert stored.created_by_id == manager.id
    assert stored.reproduction.startswith("Write a long prompt")
    event = db.scalar(select(AuditEvent).where(AuditEvent.entity == "feedback"))
    assert event.action == "feedback.create" and event.entity_id == str(note.id)
    assert event.actor_id == manager.id


def test_create_with_a_grant_of_the_same_creator_and_product(
    db, make_user, creator, product, make_grant
):
    grant = make_grant(creator, product)
    note = _create(db, make_user(), creator, product, grant_id=grant.id)
    assert note.grant_id == grant.id


def test_unknown_product_is_a_field_error(db, make_user, creator):
    with pytest.raises(Invalid) as exc:
        _create(db, make_user(), creator, type("P", (), {"id": 987654})())
    assert exc.value.errors == {"product_id": ["is not a known product"]}
    assert db.scalar(select(Feedback)) is None


def test_bad_severity_and_category_and_empty_title_are_reported_together(
    db, make_user, creator, product
):
    with pytest.raises(Invalid) as exc:
        _create(db, make_user(), creator, product, severity="urgent", category="rant", title=" ")
    assert set(exc.value.errors) == {"severity", "category", "title"}
    assert "low, medium, high, critical" in exc.value.errors["severity"][0]


def test_unknown_creator_is_a_field_error(db, make_user, product):
    with pytest.raises(Invalid) as exc:
        _create(db, make_user(), type("C", (), {"id": 555555})(), product)
    assert "creator_id" in exc.value.errors


def test_grant_must_belong_to_the_creator_and_the_product(
    db, make_user, creator, product, make_creator, make_product, make_grant
):
    someone_else = make_creator()
    other_product = make_product()
    foreign = make_grant(someone_else, product)
    with pytest.raises(Invalid) as exc:
        _create(db, make_user(), creator, product, grant_id=foreign.id)
    assert exc.value.errors["grant_id"] == ["belongs to another creator"]
    wrong_product = make_grant(creator, other_product)
    with pytest.raises(Invalid) as exc:
        _create(db, make_user(), creator, product, grant_id=wrong_product.id)
    assert exc.value.errors["grant_id"] == ["is for another product"]
    with pytest.raises(Invalid) as exc:
        _create(db, make_user(), creator, product, grant_id=424242)
    assert exc.value.errors["grant_id"] == ["is not a known grant"]


def test_duplicate_of_must_exist_and_be_about_the_same_product(
    db, make_user, creator, product, make_product, make_note
):
    other = make_note(product_id=make_product().id)
    with pytest.raises(Invalid) as exc:
        _create(db, make_user(), creator, product, duplicate_of_id=other.id)
    assert exc.value.errors["duplicate_of"] == ["is about another product"]
    original = make_note()
    note = _create(db, make_user(), creator, product, duplicate_of_id=original.id)
    assert note.duplicate_of_id == original.id


# ---------------------------------------------------------------- triage


def test_allowed_transitions_walk_a_note_through_triage(db, make_user, make_note):
    manager = make_user()
    note = make_note()
    services.change_status(db, manager, note, "triaged")
    assert note.status == "triaged"
    services.change_status(db, manager, note, "forwarded", "  Video quality team ")
    assert (note.status, note.forwarded_to) == ("forwarded", "Video quality team")
    services.change_status(db, manager, note, "resolved")
    assert note.status == "resolved"
    services.change_status(db, manager, note, "triaged")  # reopened
    assert note.status == "triaged"
    actions = db.scalars(
        select(AuditEvent.changes).where(AuditEvent.action == "feedback.status")
    ).all()
    assert {"status": ["new", "triaged"]} in actions
    assert {"status": ["triaged", "forwarded"], "forwarded_to": [None, "Video quality team"]} in (
        actions
    )


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("triaged", "new"),
        ("resolved", "forwarded"),
        ("resolved", "wont_fix"),
        ("wont_fix", "resolved"),
        ("forwarded", "new"),
    ],
)
def test_refused_transitions_leave_the_note_unchanged(db, make_user, make_note, start, target):
    note = make_note(status=start)
    with pytest.raises(Conflict) as exc:
        services.change_status(db, make_user(), note, target, "Some team")
    words = "won't fix" if target == "wont_fix" else target
    assert f"cannot move to {words}" in exc.value.detail
    assert note.status == start


def test_forwarding_needs_the_team(db, make_user, make_note):
    note = make_note()
    with pytest.raises(Invalid) as exc:
        services.change_status(db, make_user(), note, "forwarded", "")
    assert "forwarded_to" in exc.value.errors
    assert note.status == "new"


def test_bulk_change_is_all_or_nothing(db, make_user, make_note):
    manager = make_user()
    fresh = make_note()
    closed = make_note(status="resolved")
    with pytest.raises(Conflict) as exc:
        services.bulk_change_status(db, manager, [fresh.id, closed.id], "forwarded", "Safety")
    assert f"#{closed.id} is resolved" in exc.value.detail
    assert (fresh.status, closed.status) == ("new", "resolved")

    other = make_note()
    moved = services.bulk_change_status(db, manager, [fresh.id, other.id], "forwarded", "Safety")
    assert {n.status for n in moved} == {"forwarded"}
    assert {n.forwarded_to for n in moved} == {"Safety"}


def test_bulk_change_refuses_unknown_ids_and_a_missing_team(db, make_user, make_note):
    note = make_note()
    with pytest.raises(Invalid) as exc:
        services.bulk_change_status(db, make_user(), [note.id, 99999], "triaged")
    assert "99999" in exc.value.errors["ids"][0]
    with pytest.raises(Invalid) as exc:
        services.bulk_change_status(db, make_user(), [note.id], "forwarded", " ")
    assert "forwarded_to" in exc.value.errors
    assert note.status == "new"


# ---------------------------------------------------------------- filters


def test_filters_narrow_the_list(db, make_note, make_creator, make_product, creator, product):
    other_creator = make_creator()
    other_product = make_product()
    bug = make_note(category="bug", severity="critical", at=at(2026, 3, 2))
    make_note(category="limitation", severity="low", status="triaged", at=at(2026, 3, 10))
    theirs = make_note(creator_id=other_creator.id, at=at(2026, 3, 20))
    elsewhere = make_note(product_id=other_product.id, at=at(2026, 4, 1))

    def ids(**kwargs):
        page = services.list_feedback(db, services.Filters(**kwargs))
        return [n.id for n in page.items]

    assert ids(category="bug") == [bug.id]
    assert ids(severity="critical") == [bug.id]
    assert len(ids(status="new")) == 3
    assert ids(creator_id=other_creator.id) == [theirs.id]
    assert ids(product_id=other_product.id) == [elsewhere.id]
    assert len(ids(product_id=product.id)) == 3
    assert ids(since=date(2026, 3, 11), until=date(2026, 3, 31)) == [theirs.id]
    assert ids(until=date(2026, 3, 2)) == [bug.id]  # the whole last day counts


def test_parse_filters_reports_bad_values():
    with pytest.raises(Invalid) as exc:
        services.parse_filters(
            {"severity": "urgent", "since": "last week", "product_id": "abc", "status": "done"}
        )
    assert set(exc.value.errors) == {"severity", "since", "product_id", "status"}


def test_board_groups_by_status_with_totals(db, make_note):
    for _ in range(3):
        make_note()
    make_note(status="forwarded", forwarded_to="Team")
    board = services.board(db, services.Filters(), per_column=2)
    columns = {status: (notes, total) for status, notes, total in board.columns}
    assert list(columns) == ["new", "triaged", "forwarded", "resolved", "wont_fix"]
    assert len(columns["new"][0]) == 2 and columns["new"][1] == 3
    assert columns["forwarded"][1] == 1 and columns["triaged"] == ([], 0)


# ---------------------------------------------------------------- similar notes


def test_similar_notes_share_title_words_of_open_notes_of_the_product(db, make_note, make_product):
    best = make_note(title="4K export produces an empty file")
    weaker = make_note(title="Export dialog is slow", status="triaged")
    make_note(title="Hands drift in long clips")  # nothing shared
    make_note(title="4K export empty file", status="resolved")  # closed
    make_note(title="4K export empty file", product_id=make_product().id)  # other product
    make_note(title="Exporting is ok")  # "exporting" is not the word "export"
    found = services.similar_notes(db, best.product_id, "Export fails on 4K: empty files")
    assert [s.note.id for s in found] == [best.id, weaker.id]
    assert found[0].score == 4
    assert found[0].shared == ["4k", "empty", "export", "file"]
    assert found[1].shared == ["export"]


def test_similar_notes_ignore_stopwords_and_keep_the_top_five(db, make_note, product):
    for n in range(7):
        make_note(title=f"Voice input idea {n}")
    assert services.similar_notes(db, product.id, "It is not the one for you") == []
    found = services.similar_notes(db, product.id, "voice input")
    assert len(found) == 5
    assert all(s.score == 2 for s in found)


def test_title_words_trim_plurals_and_stopwords():
    assert services.title_words("The voices are not working with models") == {"voice", "working"}


# ---------------------------------------------------------------- markdown


def test_markdown_is_rendered_and_scripts_are_inert():
    html = str(
        render_markdown(
            "**Loud** <script>alert(1)</script> <img src=x onerror=alert(1)> "
            "[x](javascript:alert(2)) <a href='https://example.com' onclick='evil()'>ok</a>"
        )
    )
    assert "<strong>Loud</strong>" in html
    assert "<script" not in html and "alert(1)" not in html
    assert "<img" not in html and "onerror" not in html
    assert "javascript:" not in html and "onclick" not in html
    assert 'href="https://example.com"' in html


# ---------------------------------------------------------------- report


@pytest.fixture
def known_notes(db, make_note, make_creator, make_product, creator):
    b = make_creator(display_name="Bea Brooks", search_name="bea brooks")
    c = make_creator(display_name="Cal Chen", search_name="cal chen")
    a = creator.id
    notes = {
        1: make_note(category="bug", severity="critical", at=at(2026, 3, 2)),
        2: make_note(category="bug", severity="critical", status="resolved", at=at(2026, 3, 4)),
        3: make_note(
            creator_id=b.id, category="bug", severity="high", status="triaged", at=at(2026, 3, 8)
        ),
        4: make_note(creator_id=b.id, category="limitation", severity="medium", at=at(2026, 3, 9)),
        5: make_note(
            creator_id=a,
            category="accessibility",
            severity="high",
            status="forwarded",
            forwarded_to="Accessibility",
            at=at(2026, 3, 23),
        ),
        6: make_note(
            creator_id=c.id,
            category="safety",
            severity="critical",
            status="triaged",
            at=at(2026, 3, 24),
        ),
        7: make_note(category="praise", severity="low", status="resolved", at=at(2026, 3, 25)),
    }
    # Another product's note never counts in this report.
    notes[8] = make_note(
        product_id=make_product().id, category="bug", severity="critical", at=at(2026, 3, 3)
    )
    return notes, {"a": creator, "b": b, "c": c}


def test_report_numbers_match_the_known_notes(db, product, known_notes):
    notes, people = known_notes
    report = services.product_report(db, product.id, services.Filters())
    assert report.total == 7
    assert report.matrix["bug"] == {"low": 0, "medium": 0, "high": 1, "critical": 2}
    assert report.matrix["limitation"] == {"low": 0, "medium": 1, "high": 0, "critical": 0}
    assert report.matrix["accessibility"]["high"] == 1
    assert report.matrix["safety"]["critical"] == 1
    assert report.matrix["praise"]["low"] == 1
    assert report.matrix["feature_request"] == {"low": 0, "medium": 0, "high": 0, "critical": 0}
    assert report.severity_totals == {"low": 1, "medium": 1, "high": 2, "critical": 3}
    assert [(w, c) for w, _monday, c in report.weekly] == [
        ("2026-W10", 3),
        ("2026-W11", 1),
        ("2026-W12", 0),
        ("2026-W13", 3),
    ]
    assert report.weekly[0][1] == date(2026, 3, 2)
    assert report.top_creators == [
        (people["a"].id, "Noor Haddad", 4),
        (people["b"].id, "Bea Brooks", 2),
        (people["c"].id, "Cal Chen", 1),
    ]
    assert [n.id for n in report.open_critical] == [notes[6].id, notes[1].id]


def test_report_honours_filters(db, product, known_notes):
    notes, people = known_notes
    bugs = services.product_report(db, product.id, services.Filters(category="bug"))
    assert bugs.total == 3
    assert [(w, c) for w, _m, c in bugs.weekly] == [("2026-W10", 3)]
    assert bugs.top_creators == [
        (people["a"].id, "Noor Haddad", 2),
        (people["b"].id, "Bea Brooks", 1),
    ]
    assert [n.id for n in bugs.open_critical] == [notes[1].id]

    later = services.product_report(
        db, product.id, services.Filters(since=date(2026, 3, 9), until=date(2026, 3, 31))
    )
    assert later.total == 4
    assert [(w, c) for w, _m, c in later.weekly] == [
        ("2026-W11", 1),
        ("2026-W12", 0),
        ("2026-W13", 3),
        ("2026-W14", 0),
    ]
    low = services.product_report(db, product.id, services.Filters(severity="low"))
    assert low.total == 1 and low.open_critical == []


def test_report_json_shape(db, product, known_notes):
    data = services.product_report(db, product.id, services.Filters()).as_json()
    assert data["total"] == 7
    assert data["by_category_severity"]["bug"]["critical"] == 2
    assert data["weekly"][2] == {"week": "2026-W12", "starts_on": "2026-03-16", "count": 0}
