"""R3, R4, R5 and R6 in the service layer."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from crm.approvals import services
from crm.approvals.models import Decision, RevisionCheck
from crm.approvals.services import RevisionInput
from crm.audit.models import AuditEvent
from crm.common.errors import Conflict, Forbidden, Invalid
from tests.approvals.conftest import PLANNED, TODAY
from tests.factories import DealFactory, GrantFactory


def codes(db, sub, number=None):
    from crm.approvals.models import Revision

    rev = db.scalar(
        select(Revision).where(
            Revision.submission_id == sub.id, Revision.number == (number or sub.latest_revision)
        )
    )
    return sorted(db.scalars(select(RevisionCheck.code).where(RevisionCheck.revision_id == rev.id)))


# --------------------------------------------------------------------------- R3


@pytest.mark.parametrize(
    ("status", "starts", "ends", "connected"),
    [
        ("active", date(2026, 3, 1), date(2026, 3, 20), True),  # ends on the planned day
        ("signed", date(2026, 3, 20), None, True),  # starts on the planned day, open end
        ("active", None, None, True),  # open dates
        ("active", date(2026, 3, 21), None, False),  # starts the day after
        ("active", date(2026, 1, 1), date(2026, 3, 19), False),  # ended the day before
        ("proposed", None, None, False),
        ("completed", None, None, False),
    ],
)
def test_material_connection_from_a_deal(world, status, starts, ends, connected):
    world.db.add(
        DealFactory.build(
            creator_id=world.creator.id, status=status, starts_on=starts, ends_on=ends
        )
    )
    world.db.flush()
    sub = world.submission(body="Loving my new studio lights")
    assert ("disclosure_missing" in codes(world.db, sub)) is connected


@pytest.mark.parametrize(
    ("status", "starts", "ends", "connected"),
    [
        ("active", date(2026, 3, 20), date(2026, 3, 20), True),
        ("active", date(2026, 3, 21), date(2026, 4, 1), False),
        ("suspended", date(2026, 3, 1), date(2026, 4, 1), False),
    ],
)
def test_material_connection_from_a_grant(world, status, starts, ends, connected):
    world.db.add(
        GrantFactory.build(
            creator_id=world.creator.id,
            product_id=world.nova.id,
            status=status,
            starts_on=starts,
            ends_on=ends,
        )
    )
    world.db.flush()
    sub = world.submission(body="Loving my new studio lights")
    assert ("disclosure_missing" in codes(world.db, sub)) is connected


def test_checks_run_on_every_revision_and_are_stored(world):
    world.db.add(DealFactory.build(creator_id=world.creator.id, status="active"))
    world.db.flush()
    sub = world.submission(body="#spon Trying ZP-9 today. Guaranteed results!")
    # Naming one of our products makes it AI-made content: the platform's AI label is asked.
    assert codes(world.db, sub) == [
        "ai_label_platform",
        "banned_claim",
        "disclosure_missing",
        "disclosure_vague",
        "unreleased_product",
    ]
    assert sub.failed_checks == 5
    services.add_revision(
        world.db, world.manager, sub, RevisionInput(body="#ad A quiet studio day"), today=TODAY
    )
    assert codes(world.db, sub) == []
    assert sub.failed_checks == 0
    assert len(codes(world.db, sub, 1)) == 5  # the first revision keeps its flags


def test_alias_inside_a_word_is_not_a_leak(world):
    sub = world.submission(body="#ad My ZP-90 tripod and Zephyrs of wind")
    assert codes(world.db, sub) == []


def test_settings_change_the_checks(world):
    services.save_settings(
        world.db,
        world.admin,
        disclosure_markers=["#werbung"],
        vague_tags=["#ad"],
        banned_claims=["best ever"],
    )
    world.db.add(DealFactory.build(creator_id=world.creator.id, status="active"))
    world.db.flush()
    sub = world.submission(body="#ad The best ever lights")
    assert codes(world.db, sub) == ["banned_claim", "disclosure_missing", "disclosure_vague"]


def test_settings_validation_and_admin_only(world):
    with pytest.raises(Forbidden):
        services.save_settings(
            world.db, world.manager, disclosure_markers=["#ad"], vague_tags=[], banned_claims=[]
        )
    with pytest.raises(Invalid) as exc:
        services.save_settings(
            world.db, world.admin, disclosure_markers=["  "], vague_tags=[], banned_claims=[]
        )
    assert "disclosure_markers" in exc.value.errors


# --------------------------------------------------------------------------- R5


def test_only_legal_decides(world):
    sub = world.submission()
    for actor in (world.manager, world.admin):
        with pytest.raises(Forbidden):
            services.decide(world.db, actor, sub.id, 1, "approve")


def test_nobody_decides_on_a_submission_they_submitted_a_revision_of(world):
    sub = world.submission()
    other = world.legal2
    other.role = "manager"
    services.add_revision(world.db, other, sub, RevisionInput(body="#ad v2"), today=TODAY)
    other.role = "legal"  # later moved to legal
    world.db.flush()
    with pytest.raises(Forbidden, match="you submitted"):
        services.decide(world.db, other, sub.id, 2, "approve")
    services.decide(world.db, world.legal, sub.id, 2, "approve")


def test_a_decision_on_a_stale_revision_is_refused(world):
    sub = world.submission()
    services.add_revision(world.db, world.manager, sub, RevisionInput(body="#ad v2"), today=TODAY)
    with pytest.raises(Conflict, match="Revision 1 is no longer under review"):
        services.decide(world.db, world.legal, sub.id, 1, "approve")
    assert world.db.scalar(select(Decision).where(Decision.submission_id == sub.id)) is None


def test_a_second_decision_on_the_same_revision_is_refused(world):
    sub = world.submission()
    services.decide(world.db, world.legal, sub.id, 1, "approve")
    with pytest.raises(Conflict):
        services.decide(world.db, world.legal2, sub.id, 1, "reject", "No.")


def test_decision_binds_to_the_revision_and_its_hash(world):
    sub = world.submission(media_url="https://cdn.example.com/a.mp4")
    decision = services.decide(world.db, world.legal, sub.id, 1, "approve")
    expected = services.content_hash(
        "#ad Hello from my studio", "https://cdn.example.com/a.mp4", None
    )
    assert (decision.revision_number, decision.content_hash) == (1, expected)
    assert services.content_hash("a", "b", None) != services.content_hash("ab", "", None)


def test_comment_is_required_except_to_approve(world):
    sub = world.submission()
    for decision in ("request_changes", "reject"):
        with pytest.raises(Invalid) as exc:
            services.decide(world.db, world.legal, sub.id, 1, decision, "  ")
        assert "comment" in exc.value.errors
    with pytest.raises(Invalid):
        services.decide(world.db, world.legal, sub.id, 1, "maybe", "hmm")
    services.decide(world.db, world.legal, sub.id, 1, "approve", "")


def test_new_revision_after_approval_returns_to_review_and_blocks_publish(world):
    sub = world.submission("approved")
    services.add_revision(world.db, world.manager, sub, RevisionInput(body="#ad v2"), today=TODAY)
    assert sub.status == "in_review"
    with pytest.raises(Conflict):
        services.publish(world.db, world.manager, sub, "https://example.com/x", today=TODAY)
    services.decide(world.db, world.legal, sub.id, 2, "approve")
    services.publish(world.db, world.manager, sub, "https://example.com/x", today=TODAY)
    assert sub.status == "published" and sub.published_url == "https://example.com/x"


def test_every_decision_sends_decision_recorded(world):
    from crm.approvals.signals import decision_recorded

    calls = []

    def receiver(submission, *, session, actor, decision):
        calls.append((session, submission, actor, decision))

    decision_recorded.connect(receiver)
    try:
        sub = world.submission()
        decision = services.decide(world.db, world.legal, sub.id, 1, "request_changes", "Fix.")
        assert calls == [(world.db, sub, world.legal, decision)]
        sub2 = world.submission()
        approval = services.decide(world.db, world.legal, sub2.id, 1, "approve")
    finally:
        decision_recorded.disconnect(receiver)
    assert calls[1] == (world.db, sub2, world.legal, approval)
    assert approval.decision == "approve" and len(calls) == 2


def test_withdraw_is_for_managers(world):
    sub = world.submission()
    with pytest.raises(Forbidden):
        services.withdraw(world.db, world.legal, sub)
    services.withdraw(world.db, world.manager, sub, "Campaign cancelled")
    assert sub.status == "withdrawn"


def test_decisions_are_audited(world):
    sub = world.submission()
    decision = services.decide(world.db, world.legal, sub.id, 1, "reject", "Misleading.")
    event = world.db.scalar(
        select(AuditEvent).where(
            AuditEvent.entity == "decision", AuditEvent.entity_id == str(decision.id)
        )
    )
    assert event.action == "decision.reject" and event.actor_id == world.legal.id


def test_bad_input_is_reported_per_field(world):
    with pytest.raises(Invalid) as exc:
        services.create_submission(
            world.db,
            world.manager,
            creator_id=world.creator.id,
            platform="myspace",
            title="",
            planned_for=datetime(2026, 3, 1, 12, 0),
            revision=RevisionInput(body="", media_url="javascript:alert(1)"),
        )
    assert set(exc.value.errors) >= {"platform", "title", "planned_for", "media_url"}


# --------------------------------------------------------------------------- R4


def _embargoed(world, public_on):
    world.secret.public_on = public_on
    world.db.flush()
    return world.submission("approved", body="#ad First look at Zephyr")


@pytest.mark.parametrize(
    ("today", "allowed"),
    [
        (date(2026, 4, 30), False),  # the day before the release
        (date(2026, 5, 1), True),  # the release day
        (date(2026, 5, 2), True),
    ],
)
def test_embargo_around_the_release_day(world, today, allowed):
    sub = _embargoed(world, date(2026, 5, 1))
    if allowed:
        services.publish(world.db, world.manager, sub, "https://example.com/p", today=today)
        assert sub.status == "published"
    else:
        with pytest.raises(Conflict, match=r"Embargo.*Zephyr is public on 2026-05-01"):
            services.publish(world.db, world.manager, sub, "https://example.com/p", today=today)
        assert sub.status == "approved"


def test_embargo_without_a_public_date(world):
    sub = _embargoed(world, None)
    with pytest.raises(Conflict, match="no public date"):
        services.publish(world.db, world.manager, sub, "https://example.com/p", today=TODAY)


def test_planned_before_release_is_flagged(world):
    world.secret.public_on = date(2026, 3, 21)
    world.db.flush()
    sub = world.submission(
        body="#ad Zephyr!", planned_for=PLANNED, ai_label=True
    )  # planned 2026-03-20
    assert codes(world.db, sub) == ["embargo", "unreleased_product"]
    sub2 = world.submission(
        body="#ad Zephyr!", planned_for=PLANNED + timedelta(days=1), ai_label=True
    )
    assert codes(world.db, sub2) == ["unreleased_product"]


def test_release_moved_later_returns_approved_submissions_to_review(world):
    early = world.submission("approved", body="#ad Nova is great")  # planned 2026-03-20
    late = world.submission(
        "approved", body="#ad Nova is great", planned_for=datetime(2026, 7, 1, tzinfo=UTC)
    )
    unrelated = world.submission("approved", body="#ad Lights")
    published = world.submission("published", body="#ad Nova Pro")
    old = world.nova.public_on
    world.nova.public_on = date(2026, 4, 1)
    moved = services.on_product_release_moved(
        world.db, world.nova, old, date(2026, 4, 1), today=TODAY
    )
    assert moved == [early]
    assert early.status == "in_review"
    assert (late.status, unrelated.status, published.status) == ("approved",) * 2 + ("published",)
    assert "embargo" in codes(world.db, early)
    # The same revision can now be decided again (a new review round).
    services.decide(world.db, world.legal2, early.id, 1, "approve")
    assert early.status == "approved"


def test_release_moved_earlier_changes_nothing(world):
    sub = world.submission("approved", body="#ad Nova")
    assert (
        services.on_product_release_moved(world.db, world.nova, date(2026, 5, 1), date(2026, 4, 1))
        == []
    )
    assert sub.status == "approved"
