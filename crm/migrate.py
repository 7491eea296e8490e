"""Run Alembic from code (CLI, `make run`, tests) against a given database URL."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from crm.common.paths import ROOT


def alembic_config(url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["url"] = url
    return cfg


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """What schema comparison looks at: everything but the creator search index's own
    tables and indexes (crm/creators/search.py), which no model declares."""
    return not (type_ in ("table", "index") and is_search_index_object(name))


def is_search_index_object(name: str | None) -> bool:
    return bool(name) and (str(name).startswith("creator_search") or str(name).endswith("_trgm"))


def upgrade(url: str, revision: str = "heads") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)
