"""Snapshots (the R9 upsert), manual entry, CSV import, history reads and fetch status, one
module each; this package re-exports their public names."""

from crm.metrics.services.fetch_status import record_failure, record_success
from crm.metrics.services.imports import (
    MAX_IMPORT_ROWS,
    MAX_REPORTED_ERRORS,
    ImportResult,
    import_history_csv,
)
from crm.metrics.services.manual import check_day, parse_count, record_manual_snapshot
from crm.metrics.services.reads import get_account, history, list_snapshots
from crm.metrics.services.snapshots import (
    MAX_COUNT,
    METRICS,
    SnapshotRow,
    refresh_creator_totals,
    refresh_latest,
    upsert_rows,
    upsert_snapshot,
)

__all__ = [
    "MAX_COUNT",
    "MAX_IMPORT_ROWS",
    "MAX_REPORTED_ERRORS",
    "METRICS",
    "ImportResult",
    "SnapshotRow",
    "check_day",
    "get_account",
    "history",
    "import_history_csv",
    "list_snapshots",
    "parse_count",
    "record_failure",
    "record_manual_snapshot",
    "record_success",
    "refresh_creator_totals",
    "refresh_latest",
    "upsert_rows",
    "upsert_snapshot",
]
