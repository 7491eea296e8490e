"""Imports every domain's models so Alembic and the schema test see the whole metadata."""

import importlib
import importlib.util

from crm import DOMAINS
from crm.db import Base

for _name in DOMAINS:
    if importlib.util.find_spec(f"crm.{_name}") and importlib.util.find_spec(f"crm.{_name}.models"):
        importlib.import_module(f"crm.{_name}.models")

metadata = Base.metadata
