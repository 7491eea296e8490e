"""Feedback rules: capture, triage transitions, the similar-notes hint and the report.

Plain functions `(session, actor, ...)`: they validate, write, audit and flush; the caller
commits once. One module per concept: `filters`, `notes` (capture), `triage`, `similar`,
`lists` (list, board, panels) and `report`; callers use `from crm.feedback import services`.
"""

from __future__ import annotations

from crm.feedback.services.filters import Filters, parse_filters
from crm.feedback.services.lists import (
    BOARD_COLUMN_LIMIT,
    Board,
    board,
    count_new_stmt,
    creator_notes,
    list_feedback,
    new_critical,
)
from crm.feedback.services.notes import (
    EDITABLE,
    TEXT_MAX,
    TITLE_MAX,
    create_feedback,
    get_feedback,
)
from crm.feedback.services.report import (
    OPEN_CRITICAL_LIMIT,
    TOP_CREATORS,
    TREND_MAX_WEEKS,
    Report,
    export_rows,
    iso_week,
    product_report,
    week_start,
)
from crm.feedback.services.similar import (
    SIMILAR_CANDIDATES,
    SIMILAR_LIMIT,
    STOPWORDS,
    SimilarNote,
    similar_notes,
    title_words,
)
from crm.feedback.services.triage import (
    BULK_MAX,
    TEAM_MAX,
    TRANSITIONS,
    bulk_change_status,
    change_status,
    transition_refusal,
    update_feedback,
)

__all__ = [
    "BOARD_COLUMN_LIMIT",
    "BULK_MAX",
    "EDITABLE",
    "OPEN_CRITICAL_LIMIT",
    "SIMILAR_CANDIDATES",
    "SIMILAR_LIMIT",
    "STOPWORDS",
    "TEAM_MAX",
    "TEXT_MAX",
    "TITLE_MAX",
    "TOP_CREATORS",
    "TRANSITIONS",
    "TREND_MAX_WEEKS",
    "Board",
    "Filters",
    "Report",
    "SimilarNote",
    "board",
    "bulk_change_status",
    "change_status",
    "count_new_stmt",
    "create_feedback",
    "creator_notes",
    "export_rows",
    "get_feedback",
    "iso_week",
    "list_feedback",
    "new_critical",
    "parse_filters",
    "product_report",
    "similar_notes",
    "title_words",
    "transition_refusal",
    "update_feedback",
    "week_start",
]
