"""Licensing pages: a creator's works and consent grid, licences and payouts, fund, lookup."""

from crm.licensing.views import licences, rights, signals, works  # noqa: F401 (adds the pages to bp)
from crm.licensing.views.base import bp
from crm.licensing.views.section import creator_section, timeline_entries

__all__ = ["bp", "creator_section", "timeline_entries"]
