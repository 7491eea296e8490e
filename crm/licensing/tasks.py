"""The daily read of creators' own signals (their sites and linked media)."""

from __future__ import annotations

import logging

from crm.db import get_session
from crm.licensing import services, signals_scan

log = logging.getLogger(__name__)


def scan_signals() -> str:
    """Read every creator's sites and media; the findings replace the previous ones, so a
    second run the same day changes nothing but the evidence's time."""
    db = get_session()
    found = signals_scan.scan(db)
    open_conflicts = len(signals_scan.conflicts(db, services.today()))
    db.commit()
    log.info("licensing.scan_signals: %d signals, %d open conflicts", found, open_conflicts)
    return f"{found} signals, {open_conflicts} open conflicts"
