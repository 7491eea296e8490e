"""Imports every domain's models so Alembic and the schema test see the whole metadata."""

import importlib

from crm.db import Base
from crm.domains import DOMAINS

# Not every package has tables (home, api).
_WITHOUT_MODELS = frozenset({"home", "api"})

for _name in DOMAINS:
    if _name not in _WITHOUT_MODELS:
        importlib.import_module(f"crm.{_name}.models")

# Tables of the plumbing below the domains: one-time form nonces, API idempotency keys.
importlib.import_module("crm.web.nonces")
importlib.import_module("crm.api.idempotency")
importlib.import_module("crm.common.jobruns")  # the scheduler's ledger of runs

metadata = Base.metadata
