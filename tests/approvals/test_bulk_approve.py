"""Approving the ticked submissions of the review queue: each a decision of its own, those
with a failed check left out, R5 unchanged (legal only, not one's own, latest revision)."""

from __future__ import annotations

from sqlalchemy import select

from crm.approvals import services
from crm.approvals.models import Decision, Submission
from crm.approvals.services import RevisionInput
from crm.audit.models import AuditEvent
from tests.approvals.conftest import TODAY
from tests.conftest import log_in, post_form


def _fresh(db, sub) -> Submission:
    db.expire_all()
    return db.get(Submission, sub.id)


def test_approve_selected_refuses_failed_checks_stale_and_own(client, db, world):
    clean1 = world.submission()
    clean2 = world.submission()
    flagged = world.submission(body="#ad Zephyr is coming")
    assert flagged.failed_checks > 0
    own = world.submission()
    own.submitted_by = world.legal.id
    stale = world.submission()
    # A second revision arrives after the reviewer loaded the queue with revision 1.
    services.add_revision(db, world.manager, stale, RevisionInput(body="#ad v2"), today=TODAY)
    db.flush()
    log_in(client, world.legal)
    page = client.get("/review/").get_data(as_text=True)
    assert f'value="{clean1.id}:1"' in page and 'id="approve-selected"' in page
    items = [f"{s.id}:1" for s in (clean1, clean2, flagged, own)] + [f"{stale.id}:1"]
    r = post_form(client, "/review/approve", {"items": items})
    assert r.status_code == 303
    assert _fresh(db, clean1).status == _fresh(db, clean2).status == "approved"
    for sub in (flagged, own, stale):
        assert _fresh(db, sub).status == "in_review"
    decisions = db.scalars(select(Decision).order_by(Decision.id)).all()
    assert [(d.submission_id, d.revision_number, d.reviewer_id) for d in decisions] == [
        (clean1.id, 1, world.legal.id),
        (clean2.id, 1, world.legal.id),
    ]
    audits = db.scalars(select(AuditEvent).where(AuditEvent.action == "decision.approve")).all()
    assert sorted(a.changes["submission_id"] for a in audits) == sorted([clean1.id, clean2.id])
    text = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Approved: 2." in text and "Not approved: 3" in text
    assert "failed check" in text and "you submitted" in text.lower()
    assert "Revision 1 is no longer under review" in text


def test_only_legal_may_approve_in_bulk(client, db, world, login):
    sub = world.submission()
    login("admin")
    assert post_form(client, "/review/approve", {"items": [f"{sub.id}:1"]}).status_code == 403
    assert _fresh(db, sub).status == "in_review"


def test_malformed_selections_write_nothing(client, db, world):
    sub = world.submission()
    log_in(client, world.legal)
    for items in ([], ["x"], [f"{sub.id}"], [f"{sub.id}:-1"], ["9" * 40 + ":1"]):
        r = post_form(client, "/review/approve", {"items": items})
        assert r.status_code == 303, items
    assert _fresh(db, sub).status == "in_review"
    assert db.scalars(select(Decision)).all() == []
    assert client.post("/review/approve", data={"items": [f"{sub.id}:1"]}).status_code == 400
