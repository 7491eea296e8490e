"""Licensing's digest section (R8): the open consent conflicts, for legal and admins (order
70). A conflict is a creator's own signal (site or C2PA manifest) refusing a use our
record allows; the section counts them and names the first few, linking the conflicts
page where they are settled."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from crm.common.permissions import AUDITORS
from crm.common.registry import DigestSection
from crm.licensing import services, signals_scan

SHOWN = 5


def build_conflicts(session: Session, user: Any, week_start: date, week_end: date):
    found = signals_scan.conflicts(session, services.today())
    if not found:
        return None
    return {
        "total": len(found),
        "capped": len(found) >= signals_scan.MAX_CONFLICTS,
        "first": found[:SHOWN],
        "more": len(found) - min(len(found), SHOWN),
    }


SECTION = DigestSection(
    "consent_conflicts",
    build_conflicts,
    "email/digest/consent_conflicts.html",
    "email/digest/consent_conflicts.txt",
    roles=AUDITORS,
    order=70,
)
