"""NDA content (terms, the document) reaches editors and legal only: not the creator page's
NDA section, the home panel, nor an audit entry shown to anyone else."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crm.agreements import sections
from crm.audit.services import record, shown_changes
from crm.common.timeutil import org_today
from tests.factories import NdaFactory

TERMS = "Sealed clause of the NDA"


@pytest.fixture
def nda(db, creator, product):
    return NdaFactory(
        creator_id=creator.id,
        products=[product],
        terms=TERMS,
        expires_on=org_today() + timedelta(days=5),
    )


@pytest.mark.parametrize("role", ["admin", "manager", "legal", "viewer"])
def test_the_creator_section_and_home_panel_carry_no_nda_content(
    app, db, creator, nda, make_user, role
):
    user = make_user(role)
    with app.test_request_context():
        section = sections.creator_section(db, creator, user)
        panel = sections.home_panel(db, user)
    for shown in (section["ndas"], panel["ndas"]):
        assert [n.id for n in shown] == [nda.id]
        assert not any(hasattr(n, "terms") or hasattr(n, "document_name") for n in shown)
    assert panel["ndas"][0].creator.id == creator.id


def test_audit_entries_of_an_nda_leave_its_content_out_for_a_viewer(db, nda, make_user):
    event = record(
        db,
        None,
        "nda.update",
        "nda",
        nda.id,
        {"terms": ["", TERMS], "document_name": [None, "x.pdf"], "status": ["draft", "sent"]},
    )
    viewer, legal = make_user("viewer"), make_user("legal")
    assert shown_changes(event, viewer) == {"status": ["draft", "sent"]}
    assert shown_changes(event, legal)["terms"] == ["", TERMS]
    other = record(db, None, "deal.update", "deal", 1, {"terms": ["a", "b"]})
    assert shown_changes(other, viewer) == {"terms": ["a", "b"]}  # not an NDA


def test_the_audit_page_and_api_show_legal_the_terms(client, login, db, nda, api):
    record(db, None, "nda.update", "nda", nda.id, {"terms": ["", TERMS]})
    db.flush()
    login("legal")
    assert TERMS in client.get("/audit/?entity=nda").get_data(as_text=True)
    _user, headers = api("admin")
    body = client.get("/api/v1/audit?entity=nda", headers=headers).get_json()
    assert any(e["changes"].get("terms") == ["", TERMS] for e in body["items"])
