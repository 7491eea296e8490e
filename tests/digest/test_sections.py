"""The digest sections other domains register (R8): the user's tasks (reminders), the review
queue (approvals, legal only), new feedback by product and severity (feedback) and the
submissions published over the week (approvals) — content per role against known data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from crm.approvals.models import Submission
from crm.common.registry import registry
from crm.digest.sections import sections_for
from crm.digest.services import compose
from tests.conftest import TEST_ZONE
from tests.factories import CreatorFactory, GrantFactory, ProductFactory, UserFactory
from tests.feedback.factories import FeedbackFactory
from tests.reminders.factories import ReminderFactory

WEEK = "2026-W47"  # Monday 2026-11-16; the week before is 2026-11-09 to 2026-11-15
# Times are on the organisation's calendar, as the digest's weeks are.
MONDAY_8AM = datetime(2026, 11, 16, 8, 0, tzinfo=TEST_ZONE)
ROLES = ("admin", "manager", "manager2", "legal", "viewer")


def at(day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=TEST_ZONE)


@pytest.fixture
def people(db):
    users = {}
    for role in ROLES:
        user = UserFactory.build(
            role="manager" if role == "manager2" else role,
            name=f"{role.title()} Person",
            email=f"{role}@sections.test",
        )
        db.add(user)
        users[role] = user
    db.flush()
    return users


@pytest.fixture
def creators(db, people):
    alpha = CreatorFactory.build(display_name="Alpha Arts", owner_id=people["manager"].id)
    beta = CreatorFactory.build(display_name="Beta Builds", owner_id=people["manager2"].id)
    gone = CreatorFactory.build(
        display_name="Gone Gallery", owner_id=people["manager"].id, archived=True
    )
    db.add_all([alpha, beta, gone])
    db.flush()
    return {"alpha": alpha, "beta": beta, "gone": gone}


def digest(app, db, user, week=WEEK):
    with app.app_context():
        return compose(app, db, user, week)


def section_text(email, heading: str) -> list[str]:
    """The lines of one section of the plain-text digest (from its heading to the blank line)."""
    lines = email.text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    end = lines.index("", start)
    return lines[start:end]


def submission(db, creator, title, status, **values) -> Submission:
    row = Submission(
        creator_id=creator.id,
        platform=values.pop("platform", "instagram"),
        title=title,
        planned_for=values.pop("planned_for", at(30)),
        status=status,
        **values,
    )
    db.add(row)
    db.flush()
    return row


# --- registration ---------------------------------------------------------------------------


def test_each_domain_registers_its_sections_once(app, app_config, people):
    from crm import create_app
    from crm.db import get_db

    again = create_app(app_config)  # every domain's register(app) runs again
    get_db(again).engine.dispose()
    for each in (app, again):
        names = [s.name for s in registry(each).digest_sections]
        for name in (
            "reminders",
            "review_queue",
            "new_feedback",
            "published_submissions",
            "consent_conflicts",
        ):
            assert names.count(name) == 1
    assert [s.name for s in sections_for(people["legal"], app)] == [
        "reminders",
        "review_queue",
        "expiring_agreements",
        "new_feedback",
        "audience_movers",
        "published_submissions",
        "consent_conflicts",
    ]
    for role in ("manager", "viewer"):
        assert "consent_conflicts" not in [s.name for s in sections_for(people[role], app)]
    for role in ("admin", "manager", "viewer"):
        assert "review_queue" not in [s.name for s in sections_for(people[role], app)]
    by_name = {s.name: s for s in registry(app).digest_sections}
    assert (by_name["reminders"].order, by_name["review_queue"].order) == (10, 20)
    assert (by_name["new_feedback"].order, by_name["published_submissions"].order) == (40, 60)


# --- reminders ---------------------------------------------------------------------------------


@pytest.fixture
def reminders(db, people, creators):
    manager = people["manager"].id

    def add(title, due_on, assignee=manager, **values):
        db.add(ReminderFactory.build(title=title, due_on=due_on, assignee_id=assignee, **values))

    add("Renew the contract", date(2026, 11, 10), creator_id=creators["alpha"].id)
    add("Call Alpha Arts back", date(2026, 11, 15), creator_id=creators["alpha"].id)
    add("Send the brief", date(2026, 11, 18))
    add("Chase the invoice", date(2026, 11, 12), snoozed_until=date(2026, 11, 19))
    add("Snoozed for longer", date(2026, 11, 12), snoozed_until=date(2026, 11, 30))
    add("Next week's job", date(2026, 11, 24))
    add("Already done", date(2026, 11, 10), status="done")
    add("Dismissed one", date(2026, 11, 11), status="dismissed")
    add("Someone else's", date(2026, 11, 10), assignee=people["manager2"].id)
    add("The viewer's own", date(2026, 11, 20), assignee=people["viewer"].id)
    db.flush()


def test_reminders_overdue_first_then_this_week(app, db, people, reminders):
    email = digest(app, db, people["manager"])
    assert email.sections == ["reminders"]
    assert section_text(email, "YOUR TASKS") == [
        "YOUR TASKS: 2 OVERDUE, 2 DUE THIS WEEK",
        "Overdue:",
        "- Renew the contract (Alpha Arts): due 2026-11-10, 6 days overdue",
        "- Call Alpha Arts back: due 2026-11-15, 1 day overdue",
        "Due this week:",
        "- Send the brief: due Wednesday 2026-11-18",
        "- Chase the invoice: due 2026-11-12, snoozed until Thursday 2026-11-19",
        "All your tasks: http://crm.test/tasks/",
    ]
    assert 'href="http://crm.test/tasks/"' in email.html
    assert "Your tasks: 2 overdue, 2 due this week" in email.html
    for absent in ("Snoozed for longer", "Next week", "Already done", "Dismissed", "Someone"):
        assert absent not in email.text


def test_reminders_are_each_users_own_whatever_the_role(app, db, people, reminders):
    viewer = digest(app, db, people["viewer"])
    assert section_text(viewer, "YOUR TASKS") == [
        "YOUR TASKS: 0 OVERDUE, 1 DUE THIS WEEK",
        "Due this week:",
        "- The viewer's own: due Friday 2026-11-20",
        "All your tasks: http://crm.test/tasks/",
    ]
    other = digest(app, db, people["manager2"])
    assert section_text(other, "YOUR TASKS")[:3] == [
        "YOUR TASKS: 1 OVERDUE, 0 DUE THIS WEEK",
        "Overdue:",
        "- Someone else's: due 2026-11-10, 6 days overdue",
    ]
    # No reminder of their own: the section is left out (and so is the whole digest).
    assert digest(app, db, people["admin"]) is None
    assert digest(app, db, people["legal"]) is None


def test_long_reminder_lists_are_capped_with_a_count(app, db, people, count_queries):
    user = people["admin"]
    db.add(ReminderFactory.build(title="Overdue 0", due_on=date(2026, 11, 1), assignee_id=user.id))
    db.flush()
    with count_queries() as few:
        digest(app, db, user)
    for n in range(1, 13):
        db.add(
            ReminderFactory.build(
                title=f"Overdue {n}", due_on=date(2026, 11, 1), assignee_id=user.id
            )
        )
    db.flush()
    with count_queries() as many:
        email = digest(app, db, user)
    lines = section_text(email, "YOUR TASKS")
    assert lines[0] == "YOUR TASKS: 13 OVERDUE, 0 DUE THIS WEEK"
    assert len([line for line in lines if line.startswith("- Overdue")]) == 10
    assert "  ... and 3 more overdue" in lines
    assert many.count == few.count


# --- the review queue (legal) ------------------------------------------------------------------


@pytest.fixture
def queue(db, creators):
    alpha, beta = creators["alpha"], creators["beta"]
    submission(db, alpha, "Spring teaser", "in_review", in_review_since=at(10, 8), failed_checks=2)
    submission(db, beta, "Studio tour", "in_review", in_review_since=at(13, 8), platform="youtube")
    submission(
        db, alpha, "Late night post", "in_review", in_review_since=at(15, 20), failed_checks=1
    )
    submission(db, alpha, "Still a draft", "draft")
    submission(db, beta, "Already approved", "approved", in_review_since=at(1, 8))


def test_legal_sees_the_review_queue_oldest_first(app, db, people, queue):
    with time_machine.travel(MONDAY_8AM, tick=False):
        email = digest(app, db, people["legal"])
    assert email.sections == ["review_queue"]
    lines = section_text(email, "REVIEW QUEUE")
    assert lines[0] == "REVIEW QUEUE: 3 WAITING FOR A DECISION (2 WITH FAILED CHECKS)"
    assert lines[1] == "Waiting longest:"
    items = [line for line in lines if line.startswith("- ")]
    assert items == [
        "- Spring teaser by Alpha Arts (Instagram): waiting 6 days (since 2026-11-10), "
        "2 failed checks",
        "- Studio tour by Beta Builds (YouTube): waiting 3 days (since 2026-11-13), "
        "no failed checks",
        "- Late night post by Alpha Arts (Instagram): waiting 12 hours (since 2026-11-15), "
        "1 failed check",
    ]
    assert lines[-1] == "Open the review queue: http://crm.test/review/"
    assert any(line.startswith("  http://crm.test/review/") for line in lines)
    assert "Review queue: 3 waiting for a decision (2 with failed checks)" in email.html
    assert 'href="http://crm.test/review/"' in email.html
    assert "Still a draft" not in email.text and "Already approved" not in email.text


def test_only_legal_gets_the_review_queue(app, db, people, queue):
    with time_machine.travel(MONDAY_8AM, tick=False):
        for role in ("admin", "manager", "manager2", "viewer"):
            email = digest(app, db, people[role])
            assert email is None, role  # nothing else to report: no digest at all


def test_the_queue_lists_the_oldest_five_and_counts_the_rest(app, db, people, creators):
    for n in range(7):
        submission(db, creators["alpha"], f"Post {n}", "in_review", in_review_since=at(2 + n, 9))
    with time_machine.travel(MONDAY_8AM, tick=False):
        lines = section_text(digest(app, db, people["legal"]), "REVIEW QUEUE")
    items = [line for line in lines if line.startswith("- ")]
    assert [item.split(" by ")[0] for item in items] == [f"- Post {n}" for n in range(5)]
    assert "  ... and 2 more in the queue" in lines


def test_an_empty_queue_is_left_out(app, db, people, creators):
    submission(db, creators["alpha"], "Draft", "draft")
    assert digest(app, db, people["legal"]) is None


# --- published submissions -----------------------------------------------------------------------


@pytest.fixture
def published(db, creators):
    alpha, beta, gone = creators["alpha"], creators["beta"], creators["gone"]
    url = "https://example.com/p/"
    submission(
        db, alpha, "Week opener", "published", published_at=at(9, 0), published_url=url + "1"
    )
    submission(
        db, beta, "Unboxing", "published", published_at=at(15, 23, 59), published_url=url + "2"
    )
    submission(db, alpha, "Too early", "published", published_at=at(8, 23, 59))
    submission(db, alpha, "This week already", "published", published_at=at(16, 0))
    submission(db, gone, "Archived creator's", "published", published_at=at(12))
    submission(db, beta, "Approved, not out", "approved")


def test_published_over_the_previous_week_for_everyone(app, db, people, published):
    for role in ("admin", "legal", "viewer"):
        email = digest(app, db, people[role])
        assert email.sections == ["published_submissions"], role
        lines = section_text(email, "PUBLISHED")
        assert lines[0] == "PUBLISHED 2026-11-09 TO 2026-11-15: 2 SUBMISSIONS"
        assert [line for line in lines if line.startswith("- ")] == [
            "- Week opener by Alpha Arts (Instagram), published 2026-11-09",
            "- Unboxing by Beta Builds (Instagram), published 2026-11-15",
        ]
        assert "  Post: https://example.com/p/1" in lines
        assert any(line.startswith("  http://crm.test/submissions/") for line in lines)
        assert 'href="https://example.com/p/2"' in email.html


def test_managers_hear_about_their_own_creators_publications(app, db, people, published):
    mine = section_text(digest(app, db, people["manager"]), "PUBLISHED")
    assert mine[:2] == [
        "PUBLISHED 2026-11-09 TO 2026-11-15: 1 SUBMISSION",
        "- Week opener by Alpha Arts (Instagram), published 2026-11-09",
    ]
    theirs = section_text(digest(app, db, people["manager2"]), "PUBLISHED")
    assert theirs[:2] == [
        "PUBLISHED 2026-11-09 TO 2026-11-15: 1 SUBMISSION",
        "- Unboxing by Beta Builds (Instagram), published 2026-11-15",
    ]


def test_the_week_is_the_organisations(app, db, people, creators, monkeypatch):
    monkeypatch.setitem(app.config, "CRM_TIMEZONE", "America/New_York")
    alpha = creators["alpha"]
    # 2026-11-16 03:00 UTC is still Sunday evening in New York: last week there.
    sunday_night = datetime(2026, 11, 16, 3, tzinfo=UTC)
    submission(db, alpha, "Sunday night", "published", published_at=sunday_night)
    # 2026-11-09 04:00 UTC is Sunday 2026-11-08 in New York: the week before.
    too_early = datetime(2026, 11, 9, 4, tzinfo=UTC)
    submission(db, alpha, "Too early there", "published", published_at=too_early)
    lines = section_text(digest(app, db, people["admin"]), "PUBLISHED")
    assert lines[:2] == [
        "PUBLISHED 2026-11-09 TO 2026-11-15: 1 SUBMISSION",
        "- Sunday night by Alpha Arts (Instagram), published 2026-11-15",
    ]


def test_no_publications_no_section(app, db, people, creators):
    submission(db, creators["alpha"], "Next week", "published", published_at=at(17))
    assert digest(app, db, people["admin"]) is None


# --- new feedback ------------------------------------------------------------------------------


@pytest.fixture
def feedback(db, creators):
    nimbus = ProductFactory.build(name="Nimbus")
    zephyr = ProductFactory.build(name="Zephyr")
    db.add_all([nimbus, zephyr])
    db.flush()
    alpha, beta, gone = creators["alpha"], creators["beta"], creators["gone"]

    def note(creator, product, severity, title, created_at, **values):
        db.add(
            FeedbackFactory.build(
                creator_id=creator.id,
                product_id=product.id,
                severity=severity,
                title=title,
                created_at=created_at,
                **values,
            )
        )

    note(alpha, nimbus, "critical", "Crashes on long prompts", at(10))
    note(beta, nimbus, "critical", "Loses the seed", at(14), status="resolved")
    note(alpha, nimbus, "low", "Typo in the UI", at(11))
    note(beta, zephyr, "medium", "Slow renders", at(12))
    note(beta, zephyr, "high", "Colour banding", at(15, 23, 59))
    note(alpha, nimbus, "critical", "Last week's news", at(8, 23, 59))
    note(alpha, zephyr, "critical", "This week's news", at(16, 0))
    note(gone, nimbus, "critical", "From an archived creator", at(12))
    db.flush()
    return {"nimbus": nimbus, "zephyr": zephyr}


def test_new_feedback_by_product_and_severity(app, db, people, feedback):
    nimbus = feedback["nimbus"].id
    for role in ("admin", "legal", "viewer"):
        email = digest(app, db, people[role])
        assert email.sections == ["new_feedback"], role
        lines = section_text(email, "NEW FEEDBACK")
        assert [line for line in lines if not line.startswith("  http")] == [
            "NEW FEEDBACK 2026-11-09 TO 2026-11-15: 5 NOTES",
            "- Nimbus: 3 (2 critical, 1 low)",
            "- Zephyr: 2 (1 high, 1 medium)",
            "Critical:",
            "- Crashes on long prompts (Nimbus, from Alpha Arts)",
            "- Loses the seed (Nimbus, from Beta Builds)",
            "The feedback board for that week: "
            "http://crm.test/feedback/?since=2026-11-09&until=2026-11-15",
        ]
        assert (
            f"  http://crm.test/feedback/products/{nimbus}/report?since=2026-11-09&until=2026-11-15"
            in lines
        )
        for absent in ("Last week's news", "This week's news", "archived"):
            assert absent not in email.text
        assert '<th scope="row"' in email.html and "2 critical" in email.html


def test_managers_get_the_feedback_of_their_creators(app, db, people, feedback):
    lines = section_text(digest(app, db, people["manager"]), "NEW FEEDBACK")
    assert [line for line in lines if not line.startswith("  http")][:4] == [
        "NEW FEEDBACK 2026-11-09 TO 2026-11-15: 2 NOTES",
        "- Nimbus: 2 (1 critical, 1 low)",
        "Critical:",
        "- Crashes on long prompts (Nimbus, from Alpha Arts)",
    ]
    other = section_text(digest(app, db, people["manager2"]), "NEW FEEDBACK")
    assert [line for line in other if line.startswith("- ")] == [
        "- Zephyr: 2 (1 high, 1 medium)",  # the most talked-about product first
        "- Nimbus: 1 (1 critical)",
        "- Loses the seed (Nimbus, from Beta Builds)",
    ]


def test_a_quiet_week_has_no_feedback_section(app, db, people, creators):
    product = ProductFactory(name="Quiet")
    db.add(
        FeedbackFactory.build(
            creator_id=creators["alpha"].id, product_id=product.id, created_at=at(3)
        )
    )
    db.flush()
    assert digest(app, db, people["viewer"]) is None


def test_titles_are_escaped_in_the_html(app, db, people, creators):
    product = ProductFactory(name="<b>Nimbus</b>")
    db.add(
        FeedbackFactory.build(
            creator_id=creators["alpha"].id,
            product_id=product.id,
            severity="critical",
            title="<script>alert(1)</script>",
            created_at=at(10),
        )
    )
    submission(db, creators["alpha"], '"><img src=x onerror=1>', "published", published_at=at(10))
    db.flush()
    html = digest(app, db, people["admin"]).html
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>Nimbus" not in html and "<img src=x" not in html


# --- all together ----------------------------------------------------------------------------


@pytest.fixture
def everything(db, people, creators, reminders, queue, published, feedback):
    db.add(
        GrantFactory.build(
            creator_id=creators["beta"].id,
            product_id=feedback["nimbus"].id,
            ends_on=date(2026, 11, 26),
            monthly_value_minor=20000,
            currency="USD",
        )
    )
    for user in people.values():
        db.add(
            ReminderFactory.build(
                title="Weekly check", due_on=date(2026, 11, 17), assignee_id=user.id
            )
        )
    db.flush()


def test_the_viewer_gets_every_section_but_the_queue_and_never_money(app, db, people, everything):
    with time_machine.travel(MONDAY_8AM, tick=False):
        email = digest(app, db, people["viewer"])
        legal = digest(app, db, people["legal"])
    assert email.sections == [
        "reminders",
        "expiring_agreements",
        "new_feedback",
        "published_submissions",
    ]
    for body in (email.text, email.html):
        assert "USD" not in body and "200.00" not in body and "worth" not in body
        assert "REVIEW QUEUE" not in body.upper()
    assert legal.sections == [
        "reminders",
        "review_queue",
        "expiring_agreements",
        "new_feedback",
        "published_submissions",
    ]
    assert "worth 200.00 USD/month" in legal.text


def test_the_digest_runs_a_bounded_number_of_queries(
    app, db, people, everything, feedback, count_queries
):
    legal = people["legal"].id
    db.add(ReminderFactory.build(title="Late", due_on=date(2026, 11, 2), assignee_id=legal))
    db.flush()
    with time_machine.travel(MONDAY_8AM, tick=False):
        with count_queries() as before:
            digest(app, db, people["legal"])
        creator = CreatorFactory.build(display_name="Extra")
        extra = ProductFactory.build(name="Extra product")
        db.add_all([creator, extra])
        db.flush()
        for n in range(15):
            submission(db, creator, f"Queued {n}", "in_review", in_review_since=at(11))
            submission(db, creator, f"Out {n}", "published", published_at=at(12))
            for due in (date(2026, 11, 2), date(2026, 11, 18)):
                db.add(ReminderFactory.build(title=f"T{n}", due_on=due, assignee_id=legal))
            for product in (feedback["zephyr"], extra):
                db.add(
                    FeedbackFactory.build(
                        creator_id=creator.id,
                        product_id=product.id,
                        severity="critical",
                        created_at=at(13),
                    )
                )
        db.flush()
        with count_queries() as after:
            email = digest(app, db, people["legal"])
    assert "REVIEW QUEUE: 18 WAITING FOR A DECISION (2 WITH FAILED CHECKS)" in email.text
    assert "NEW FEEDBACK 2026-11-09 TO 2026-11-15: 35 NOTES" in email.text
    assert after.count == before.count


# --- the preview page and the dry run --------------------------------------------------------


def test_preview_shows_the_new_sections_to_legal(
    db, client, login, people, creators, queue, feedback, published
):
    with time_machine.travel(MONDAY_8AM + timedelta(hours=2), tick=False):
        user = login("legal")
        db.add(
            ReminderFactory.build(
                title="Read the new policy", due_on=date(2026, 11, 13), assignee_id=user.id
            )
        )
        db.flush()
        page = client.get("/digest/preview")
        raw = client.get("/digest/preview/email")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    for text in (
        "YOUR TASKS: 1 OVERDUE, 0 DUE THIS WEEK",
        "- Read the new policy: due 2026-11-13, 3 days overdue",
        "REVIEW QUEUE: 3 WAITING FOR A DECISION (2 WITH FAILED CHECKS)",
        "NEW FEEDBACK 2026-11-09 TO 2026-11-15: 5 NOTES",
        "PUBLISHED 2026-11-09 TO 2026-11-15: 2 SUBMISSIONS",
    ):
        assert text in body, text
    html = raw.get_data(as_text=True)
    assert raw.status_code == 200
    for text in (
        "Your tasks: 1 overdue, 0 due this week",
        "Review queue: 3 waiting for a decision",
        "New feedback 2026-11-09 to 2026-11-15: 5 notes",
        "Published 2026-11-09 to 2026-11-15: 2 submissions",
    ):
        assert text in html, text


def test_dry_run_lists_the_new_sections(app, db, people, everything, runner):
    db.commit()
    with time_machine.travel(MONDAY_8AM, tick=False):
        result = runner.invoke(args=["crm", "digest", "send", "--week", WEEK, "--dry-run"])
    assert result.exit_code == 0, result.output
    subject = "'Your Creator CRM week 2026-W47'"
    expected = {
        "legal": "reminders, review_queue, expiring_agreements, new_feedback, "
        "published_submissions",
        "viewer": "reminders, expiring_agreements, new_feedback, published_submissions",
        "manager": "reminders, new_feedback, published_submissions",
        "manager2": "reminders, expiring_agreements, new_feedback, published_submissions",
        "admin": "reminders, expiring_agreements, new_feedback, published_submissions",
    }
    for role, sections in expected.items():
        kind = "manager" if role == "manager2" else role
        line = f"{role}@sections.test ({kind}): {subject} [{sections}]"
        assert line in result.output, line


def test_preview_shows_both_versions_whole(app, db, client, people, everything):
    """Every section of the HTML email is on the page itself (no frame to cut it off), and
    the plain text keeps its lines and blank lines between sections."""
    import html as html_lib
    import re

    from tests.conftest import log_in

    legal = people["legal"]
    with time_machine.travel(MONDAY_8AM + timedelta(hours=2), tick=False):
        log_in(client, legal)
        body = client.get("/digest/preview").get_data(as_text=True)
        email = digest(app, db, legal)
    assert len(email.sections) == 5
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", email.html, re.S)
    assert len(headings) >= len(email.sections)
    section = body[body.index('id="digest-html"') : body.index('id="digest-text"')]
    for heading in headings:
        text = html_lib.unescape(re.sub(r"<[^>]+>", "", heading)).strip()
        found = [
            html_lib.unescape(re.sub(r"<[^>]+>", "", h)).strip()
            for h in re.findall(r"<h4>(.*?)</h4>", section, re.S)
        ]
        assert text in found, text
    assert "<iframe" not in body and "style=" not in section
    pre = re.search(r'<pre class="digest-text[^"]*">(.*?)</pre>', body, re.S)
    assert pre is not None
    assert html_lib.unescape(pre[1]) == email.text
    assert "\n\nYOUR TASKS" in pre[1] and pre[1].count("\n") > 10
