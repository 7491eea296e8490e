"""Content approvals: revisions of a creator's post, automated checks, and legal sign-off.

`register(app)` is the one place this domain plugs in: its pages, panels, creator section,
timeline, digest sections, reminder rules, record links, upload usage and demo data go into
the app's registry, and its receivers are connected to the signals it reacts to
(crm/approvals/receivers.py, crm/approvals/notifications.py).
"""

from __future__ import annotations

from flask import Flask, url_for

from crm.common.labels import label
from crm.common.permissions import ADMIN, ALL_ROLES, EDITORS, LEGAL, VIEWER
from crm.common.registry import (
    ADMIN_MENU,
    CreatorSection,
    HomePanel,
    NavItem,
    Notice,
    RecordNotice,
    TimelineEntry,
    TimelineProvider,
    UploadUsage,
    registry,
)


def _queue_badge(user):
    from crm.approvals.queries import queue_count_stmt

    return queue_count_stmt()


def _review_panel(session, user):
    from crm.approvals.queries import QueueFilters, queue_count, review_queue

    page = review_queue(session, QueueFilters(), None, 5)
    return {"count": queue_count(session), "oldest": page.items}


def _decisions_panel(session, user):
    from crm.approvals.queries import decisions_for_submitter

    rows = decisions_for_submitter(session, user, limit=8)
    return {"rows": rows}


SECTION_SIZE = 20
TIMELINE_SIZE = 50


def _submissions(session, creator, limit):
    """The creator's newest submissions, loaded once for the section and the timeline."""
    from crm.approvals.queries import creator_submissions
    from crm.common.memo import per_request

    if limit > TIMELINE_SIZE:
        return creator_submissions(session, creator.id, limit)
    rows = per_request(
        ("submissions", creator.id),
        lambda: creator_submissions(session, creator.id, TIMELINE_SIZE),
    )
    return rows[:limit]


def _creator_section(session, creator, user):
    return {"submissions": _submissions(session, creator, SECTION_SIZE)}


def _timeline(session, creator, user, limit):
    """Submissions (made, published) and legal's decisions, read in one statement."""
    from crm.approvals.queries import creator_timeline_rows

    entries = []
    for row in creator_timeline_rows(session, creator.id, limit):
        url = url_for("approvals.detail", submission_id=row.submission_id)
        if row.part == 0:
            entries.append(
                TimelineEntry(
                    row.at,
                    "submission",
                    f"Submission: {row.title}",
                    label(row.platform, "platform"),
                    url,
                )
            )
            if row.published_at:
                published = f"Published: {row.title}"
                entries.append(TimelineEntry(row.published_at, "submission", published, "", url))
        else:
            entries.append(
                TimelineEntry(
                    row.at,
                    "submission",
                    f"Legal {label(row.decision, 'submission_decision').lower()}: {row.title}",
                    f"revision {row.revision_number}",
                    url,
                )
            )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


def _deal_notices(session, deal, user) -> list[Notice]:
    """16 CFR 465.4 on the deal page: terms that tie payment or access to an opinion."""
    from crm.approvals.checks import highlight
    from crm.approvals.services import deal_conditioned_review_findings, deal_terms

    notices = []
    for finding in deal_conditioned_review_findings(session, deal):
        rule_set = finding.rule_set
        notices.append(
            Notice(
                title=f"Review terms ({rule_set.code}): payment or access tied to an opinion",
                message=(
                    "Every submission under this deal is flagged until these terms are changed."
                ),
                detail=highlight(deal_terms(deal), finding.spans),
                remedy=rule_set.remedy("review_conditioned"),
                source=rule_set.citations("reviews"),
            )
        )
    return notices


def register(app: Flask) -> None:
    from crm.agreements.signals import release_moved
    from crm.approvals import (
        admin_views,  # noqa: F401 (its routes attach to the approvals blueprint)
        api,
        demo,
        digest,
        links,
        notifications,
        queries,
        receivers,
        reminder_rules,
        views,
    )
    from crm.approvals.signals import decision_recorded

    app.register_blueprint(views.bp)
    reg = registry(app)
    reg.api_routes.extend(api.routes)
    reg.nav.append(
        NavItem(
            "approvals.queue",
            "Review queue",
            frozenset({LEGAL, ADMIN}),
            30,
            count=_queue_badge,
        )
    )
    reg.nav.append(NavItem("approvals.index", "Submissions", EDITORS | {VIEWER}, 31))
    reg.nav.append(
        NavItem("approvals.settings", "Check settings", frozenset({ADMIN}), 92, group=ADMIN_MENU)
    )
    reg.home_panels.append(
        HomePanel("approvals/_panel_queue.html", _review_panel, frozenset({LEGAL}), order=15)
    )
    reg.home_panels.append(
        HomePanel("approvals/_panel_decisions.html", _decisions_panel, EDITORS, order=25)
    )
    reg.creator_sections.append(
        CreatorSection(
            "Submissions", "approvals/_creator_section.html", _creator_section, ALL_ROLES, 40
        )
    )
    reg.timeline.append(TimelineProvider("submissions", _timeline))
    reg.digest_sections.extend(digest.SECTIONS)  # the review queue, published submissions
    reg.reminder_rules.extend(reminder_rules.RULES)
    for link in links.LINKS:
        reg.add_record_link(link)
    reg.upload_usage.append(UploadUsage("revision-media", queries.media_bytes_since))
    reg.record_notices.append(RecordNotice("deal", "review-terms", _deal_notices))
    reg.demo_loaders.append(demo.LOADER)
    # Receivers (blinker keeps one connection per function, however many apps are built).
    decision_recorded.connect(receivers.task_for_requested_changes)
    decision_recorded.connect(notifications.email_decision)
    release_moved.connect(receivers.reopen_on_release_moved)
