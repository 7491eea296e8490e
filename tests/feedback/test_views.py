"""Feedback pages as people see them: capture, board, note, triage, report, exports."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from crm.feedback.models import Feedback
from tests.conftest import post_form
from tests.feedback.conftest import at


def _form(creator, product, **kwargs):
    data = {
        "creator_id": str(creator.id),
        "product_id": str(product.id),
        "grant_id": "",
        "category": "accessibility",
        "severity": "high",
        "title": "Voice input for prompts",
        "body": "Typing is **hard** for him.",
        "reproduction": "Dictate a prompt",
        "duplicate_of": "",
    }
    data.update(kwargs)
    return data


def test_capture_from_the_creator_page_link_preselects_the_creator(client, login, creator):
    login("manager")
    page = client.get(f"/feedback/new?creator_id={creator.id}").get_data(as_text=True)
    assert (
        'name="creator" placeholder="Name, handle or email" type="text" value="Noor Haddad"' in page
    )
    assert f'<input type="hidden" name="creator_id" value="{creator.id}">' in page


def test_capture_from_a_grant_preselects_creator_product_and_grant(
    client, login, creator, product, make_grant
):
    grant = make_grant(creator, product, tier="1000 credits/month")
    login("manager")
    page = client.get(f"/feedback/new?grant_id={grant.id}").get_data(as_text=True)
    assert f'<option selected value="{product.id}">Lumen Video</option>' in page
    assert 'type="text" value="Noor Haddad"' in page
    assert f'<input type="hidden" name="creator_id" value="{creator.id}">' in page
    assert f'<option selected value="{grant.id}">' in page
    assert client.get("/feedback/new?grant_id=987654").status_code == 404


def test_capture_on_its_own_records_and_shows_the_note(client, login, db, creator, product):
    login("manager")
    response = post_form(client, "/feedback/new", _form(creator, product))
    assert response.status_code == 302
    note = db.scalar(select(Feedback).where(Feedback.title == "Voice input for prompts"))
    assert response.headers["Location"].endswith(f"/feedback/{note.id}")
    page = client.get(f"/feedback/{note.id}").get_data(as_text=True)
    assert "Typing is <strong>hard</strong> for him." in page
    assert "Dictate a prompt" in page and "Accessibility" in page


def test_unknown_product_in_the_form_is_shown_beside_the_field(client, login, db, creator):
    login("manager")

    class Missing:
        id = 987654

    response = post_form(client, "/feedback/new", _form(creator, Missing))
    assert response.status_code == 422
    assert "is not a known product" in response.get_data(as_text=True)
    assert db.scalar(select(Feedback)) is None


def test_bad_severity_in_the_form_is_refused(client, login, db, creator, product):
    login("manager")
    response = post_form(client, "/feedback/new", _form(creator, product, severity="urgent"))
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert db.scalar(select(Feedback)) is None


def test_similar_open_notes_are_shown_before_filing_and_can_be_linked(
    client, login, db, creator, product, make_note
):
    original = make_note(title="No voice input for long prompts")
    login("manager")
    first = post_form(client, "/feedback/new", _form(creator, product))
    page = first.get_data(as_text=True)
    assert first.status_code == 200
    assert "look similar" in page and f"#{original.id} No voice input for long prompts" in page
    assert db.scalar(select(Feedback).where(Feedback.id != original.id)) is None

    linked = post_form(
        client,
        "/feedback/new",
        _form(creator, product, reviewed_similar="1", duplicate_of=str(original.id)),
    )
    assert linked.status_code == 302
    note = db.scalar(select(Feedback).where(Feedback.id != original.id))
    assert note.duplicate_of_id == original.id
    assert f"#{note.id} Voice input for prompts" in client.get(f"/feedback/{original.id}").get_data(
        as_text=True
    )


def test_a_script_in_the_body_is_inert_on_the_note_page(client, login, make_note):
    note = make_note(
        title="<script>alert('t')</script>",
        body="Hello <script>alert(1)</script><img src=x onerror=alert(1)>",
    )
    login("viewer")
    page = client.get(f"/feedback/{note.id}").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "<img src=x" not in page and "onerror=alert" not in page
    assert "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;" in page


def test_board_shows_columns_and_filters(client, login, make_note, make_product):
    make_note(title="Export fails on 4K renders", severity="critical")
    make_note(title="Hands drift", status="triaged", category="bug")
    make_note(title="Elsewhere", product_id=make_product(name="Quill").id)
    login("viewer")
    page = client.get("/feedback/").get_data(as_text=True)
    for column in ("New", "Triaged", "Forwarded", "Resolved", "Won&#39;t fix"):
        assert column in page
    assert "Export fails on 4K renders" in page and "Elsewhere" in page
    narrowed = client.get("/feedback/?category=bug").get_data(as_text=True)
    assert "Hands drift" in narrowed and "Export fails" not in narrowed
    assert '<option value="bug" selected>Bug</option>' in narrowed  # the filter keeps its value
    assert "Elsewhere" not in client.get("/feedback/?severity=critical").get_data(as_text=True)
    bad = client.get("/feedback/?since=yesterday")
    assert bad.status_code == 422 and "since" in bad.get_data(as_text=True)


def test_viewer_reads_but_cannot_change(client, login, make_note, creator, product):
    note = make_note()
    login("viewer")
    board = client.get("/feedback/").get_data(as_text=True)
    assert "Record feedback" not in board and "Apply to selected" not in board
    assert "Change status" not in client.get(f"/feedback/{note.id}").get_data(as_text=True)
    assert post_form(client, "/feedback/new", _form(creator, product)).status_code == 403
    assert (
        post_form(client, f"/feedback/{note.id}/status", {"status": "triaged"}).status_code == 403
    )
    assert post_form(client, "/feedback/bulk-status", {"ids": note.id}).status_code == 403
    assert note.status == "new"


def test_status_change_allowed_and_refused(client, login, db, make_note):
    note = make_note()
    login("manager")
    response = post_form(
        client,
        f"/feedback/{note.id}/status",
        {"status": "forwarded", "forwarded_to": "Accessibility team"},
        follow_redirects=True,
    )
    assert "is now forwarded" in response.get_data(as_text=True)
    db.refresh(note)
    assert (note.status, note.forwarded_to) == ("forwarded", "Accessibility team")

    closed = make_note(status="resolved")
    response = post_form(
        client, f"/feedback/{closed.id}/status", {"status": "wont_fix"}, follow_redirects=True
    )
    assert "cannot move to won&#39;t fix" in response.get_data(as_text=True)
    db.refresh(closed)
    assert closed.status == "resolved"


def test_forwarding_without_a_team_is_refused(client, login, db, make_note):
    note = make_note()
    login("manager")
    response = post_form(
        client, f"/feedback/{note.id}/status", {"status": "forwarded"}, follow_redirects=True
    )
    assert "required when forwarding" in response.get_data(as_text=True)
    db.refresh(note)
    assert note.status == "new"


def test_bulk_status_form_moves_all_or_nothing(client, login, db, make_note):
    one, two = make_note(), make_note()
    closed = make_note(status="wont_fix")
    login("manager")
    refused = post_form(
        client,
        "/feedback/bulk-status",
        {"ids": [one.id, closed.id], "status": "resolved"},
        follow_redirects=True,
    )
    assert "Nothing was changed" in refused.get_data(as_text=True)
    db.refresh(one)
    assert one.status == "new"

    done = post_form(
        client,
        "/feedback/bulk-status",
        {"ids": [one.id, two.id], "status": "triaged"},
        follow_redirects=True,
    )
    assert "2 notes moved to triaged" in done.get_data(as_text=True)
    db.refresh(one)
    db.refresh(two)
    assert (one.status, two.status) == ("triaged", "triaged")


def test_edit_changes_fields_through_the_service(client, login, db, make_note, creator, product):
    note = make_note(title="Old title")
    login("manager")
    response = post_form(
        client, f"/feedback/{note.id}/edit", _form(creator, product, title="New title")
    )
    assert response.status_code == 302
    db.refresh(note)
    assert note.title == "New title" and note.category == "accessibility"


def _report_notes(make_note, make_creator):
    other = make_creator(display_name="Bea Brooks", search_name="bea brooks")
    make_note(category="bug", severity="critical", title="=HYPERLINK(evil)", at=at(2026, 3, 2))
    make_note(category="bug", severity="high", status="triaged", at=at(2026, 3, 3))
    make_note(creator_id=other.id, category="limitation", severity="low", at=at(2026, 3, 10))


def test_report_page_shows_the_numbers(client, login, product, make_note, make_creator):
    _report_notes(make_note, make_creator)
    login("viewer")
    page = client.get(f"/feedback/products/{product.id}/report").get_data(as_text=True)
    assert "<strong>3</strong> notes match" in page
    assert '<option value="critical">Critical</option>' in page  # filter choices are offered
    assert "2026-W10" in page and "2026-W11" in page
    assert "Bea Brooks" in page and "=HYPERLINK(evil)" in page  # open critical
    filtered = client.get(f"/feedback/products/{product.id}/report?category=limitation")
    assert "<strong>1</strong> note match" in filtered.get_data(as_text=True)
    assert client.get("/feedback/products/987654/report").status_code == 404
    assert "Lumen Video" in client.get("/feedback/report").get_data(as_text=True)


def test_csv_export_honours_filters_and_neutralises_formulas(
    client, login, product, make_note, make_creator
):
    _report_notes(make_note, make_creator)
    login("viewer")
    response = client.get(f"/feedback/products/{product.id}/report.csv?category=bug")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["category"] for r in rows] == ["Bug", "Bug"]  # words for people
    assert rows[0]["title"] == "'=HYPERLINK(evil)"
    everything = client.get(f"/feedback/products/{product.id}/report.csv").get_data(as_text=True)
    assert len(list(csv.DictReader(io.StringIO(everything)))) == 3


def test_json_export_honours_filters(client, login, product, make_note, make_creator):
    _report_notes(make_note, make_creator)
    login("viewer")
    data = client.get(f"/feedback/products/{product.id}/report.json?severity=critical").get_json()
    assert data["total"] == 1
    assert data["filters"] == {"product_id": product.id, "severity": "critical"}
    assert data["by_category_severity"]["bug"] == {"low": 0, "medium": 0, "high": 0, "critical": 1}
    all_data = client.get(f"/feedback/products/{product.id}/report.json").get_json()
    assert all_data["total"] == 3
    assert [w["count"] for w in all_data["weekly"]] == [2, 1]


def test_board_and_report_run_a_fixed_number_of_queries(
    client, login, count_queries, make_note, make_creator, make_product, product
):
    login("manager")
    client.get("/feedback/")  # warm up (first request loads the session etc.)

    def measure():
        with count_queries() as board:
            assert client.get("/feedback/").status_code == 200
        with count_queries() as report:
            assert client.get(f"/feedback/products/{product.id}/report").status_code == 200
        return board.count, report.count

    make_note(severity="critical")
    few = measure()
    for n in range(25):
        creator = make_creator()
        other = make_product()
        make_note(creator_id=creator.id, severity="critical", status=["new", "triaged"][n % 2])
        make_note(creator_id=creator.id, product_id=other.id, status="forwarded", forwarded_to="T")
    many = measure()
    assert few == many


def test_home_panel_lists_new_critical_feedback(client, login, make_note):
    make_note(title="Export fails on 4K renders", severity="critical")
    make_note(title="Minor typo", severity="low")
    login("viewer")
    page = client.get("/").get_data(as_text=True)
    assert "New critical feedback" in page
    assert "Export fails on 4K renders" in page and "Minor typo" not in page


def test_nav_has_feedback_for_every_role(client, login):
    login("viewer")
    assert 'href="/feedback/">Feedback' in client.get("/").get_data(as_text=True)


def test_creator_section_and_timeline(app, db, creator, make_note, make_user):
    from crm.common.registry import registry

    note = make_note(title="Voice input for prompts", category="accessibility")
    reg = registry(app)
    section = next(s for s in reg.creator_sections if s.name == "Feedback")
    provider = next(p for p in reg.timeline if p.name == "feedback")
    with app.test_request_context():
        data = section.build(db, creator, make_user("viewer"))
        assert [n.id for n in data["notes"]] == [note.id] and data["can_add"] is False
        assert section.build(db, creator, make_user("manager"))["can_add"] is True
        entries = provider.entries(db, creator, make_user("viewer"), 5)
    assert entries[0].kind == "feedback"
    assert entries[0].title == "Feedback on Lumen Video: Voice input for prompts"
    assert entries[0].url == f"/feedback/{note.id}"


def test_a_leftover_team_does_not_block_closing_a_forwarded_note(client, login, db, make_note):
    note = make_note(status="forwarded", forwarded_to="Voice team")
    login("manager")
    post_form(
        client, f"/feedback/{note.id}/status", {"status": "resolved", "forwarded_to": "Voice team"}
    )
    db.refresh(note)
    assert (note.status, note.forwarded_to) == ("resolved", "Voice team")


def test_edit_page_shows_the_current_values(client, login, make_note):
    note = make_note(title="Hands drift in long clips", severity="high")
    login("manager")
    page = client.get(f"/feedback/{note.id}/edit").get_data(as_text=True)
    assert 'value="Hands drift in long clips"' in page
    assert '<option selected value="high">High</option>' in page


def test_creator_section_template_renders_with_a_link_to_capture(app, db, creator, make_note):
    from flask import render_template

    from crm.feedback import hooks

    make_note(title="<b>Loud</b> title")
    with app.test_request_context():
        section = hooks.creator_section(db, creator, type("U", (), {"role": "manager"})())
        html = render_template("feedback/_creator_section.html", section=section, creator=creator)
    assert f'href="/feedback/new?creator_id={creator.id}"' in html
    assert "&lt;b&gt;Loud&lt;/b&gt; title" in html and "<b>Loud" not in html


def test_report_creator_filter_offers_the_creators_with_notes_on_the_product(
    client, login, product, make_note, make_creator, make_product, count_queries
):
    other_product = make_product(name="Other Cam")
    with_notes = make_creator(display_name="Has Notes", search_name="has notes")
    elsewhere = make_creator(display_name="Only Elsewhere", search_name="only elsewhere")
    chosen = make_creator(display_name="Chosen Nobody", search_name="chosen nobody")
    make_creator(display_name="No Notes", search_name="no notes")
    make_note(creator_id=with_notes.id)
    make_note(creator_id=elsewhere.id, product_id=other_product.id)
    login("viewer")
    url = f"/feedback/products/{product.id}/report"
    page = client.get(url).get_data(as_text=True)
    assert f'<option value="{with_notes.id}">Has Notes</option>' in page
    assert "Only Elsewhere" not in page and "No Notes" not in page

    with count_queries() as counter:
        filtered = client.get(f"{url}?creator_id={chosen.id}").get_data(as_text=True)
    assert f'<option value="{chosen.id}" selected>Chosen Nobody</option>' in filtered
    assert "Has Notes" in filtered
    assert counter.count <= 12
