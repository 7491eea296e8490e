"""The audit log page reads as sentences: who did what to which record, each change as
"field: before → after" in words; the API keeps the stored codes."""

from __future__ import annotations

from crm.audit.reading import action_words, change_lines
from crm.audit.services import record
from tests.plain import assert_plain, visible_text


def test_changes_read_field_before_after_with_labels(client, login, db, creator, make_user):
    actor = make_user("manager", name="Mira Manager", email="mira@audit.test")
    record(
        db,
        actor,
        "nda.update",
        "nda",
        7,
        {"status": ["draft", "sent"], "expires_on": [None, "2026-12-31"]},
    )
    record(
        db,
        actor,
        "creator.update",
        "creator",
        creator.id,
        {"status": ["prospect", "do_not_contact"]},
    )
    record(
        db,
        actor,
        "consent.create",
        "consent",
        3,
        {"use": "ai_generative_training", "decision": "not_allowed", "source": "creator_request"},
    )
    db.flush()
    login("admin")
    html = client.get("/audit/").get_data(as_text=True)
    text = visible_text(html)
    assert_plain(
        text,
        shows=(
            "NDA updated",
            "NDA #7",
            "Status: Draft → Sent",
            "Expires on: (empty) → 2026-12-31",
            "Status: Prospect → Do not contact",
            "Use: Generative AI training",
            "Decision: Not allowed",
            "Source: Creator's request",
            "Consent created",
        ),
        never=(
            '{"status"',
            "do_not_contact",
            "ai_generative_training",
            "not_allowed",
            "nda.update",
        ),
    )


def test_the_api_keeps_the_codes(client, db, api):
    record(db, None, "nda.update", "nda", 8, {"status": ["draft", "sent"]})
    db.flush()
    _user, headers = api("admin")
    items = client.get("/api/v1/audit?entity=nda", headers=headers).get_json()["items"]
    assert items[0]["action"] == "nda.update"
    assert items[0]["changes"] == {"status": ["draft", "sent"]}


def test_a_list_recorded_alone_is_a_value_and_a_pair_of_lists_a_change(db):
    created = record(
        db, None, "release.create", "release", 1, {"uses": ["ai_training", "data_mining"]}
    )
    changed = record(
        db,
        None,
        "release.update",
        "release",
        1,
        {"uses": [["ai_training"], ["ai_training", "data_mining"]]},
    )
    [line] = change_lines(created, None)
    assert (line.field, line.before, line.after) == ("Uses", None, "AI training, Data mining")
    [line] = change_lines(changed, None)
    assert (line.before, line.after) == ("AI training", "AI training, Data mining")


def test_action_words():
    assert action_words("nda.update") == "NDA updated"
    assert action_words("login.success") == "Sign-in succeeded"
    assert action_words("user.role_change") == "User role changed"
    assert action_words("something.new_thing") == "Something new thing"


def test_who_is_a_select_by_name_and_the_id_still_filters(client, login, db, make_user):
    mira = make_user("manager", name="Mira Manager", email="mira@audit.test")
    other = make_user("manager", name="Otto Other", email="otto@audit.test")
    record(db, mira, "creator.update", "creator", 1, {"notes": ["a", "b"]})
    record(db, other, "creator.update", "creator", 2, {"notes": ["c", "d"]})
    db.flush()
    login("legal")
    html = client.get("/audit/").get_data(as_text=True)
    assert "Actor id" not in html
    assert f'<option value="{mira.id}">Mira Manager (mira@audit.test)</option>' in html
    only = visible_text(client.get(f"/audit/?actor_id={mira.id}").get_data(as_text=True))
    assert "Creator #1" in only and "Creator #2" not in only
    picked = client.get(f"/audit/?actor_id={mira.id}&entity=creator").get_data(as_text=True)
    assert f'<option value="{mira.id}" selected>' in picked
    assert '<option value="creator" selected>Creator</option>' in picked
