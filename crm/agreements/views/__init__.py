"""Agreements pages: thin views that parse, call one service, commit and redirect. One module
per aggregate (products, NDAs, grants, deals and payments); `base` holds the blueprint."""

from crm.agreements.views import deals, grants, ndas, products  # noqa: F401 (adds the pages to bp)
from crm.agreements.views.base import bp, today

__all__ = ["bp", "today"]
