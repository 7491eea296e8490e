"""`column IN (a long list)` bound as one parameter.

An expanded IN of 10,000 values renders 10,000 placeholders and binds each value on every
execution, and in SQLAlchemy that costs several times what the database's lookups do (the
consent check of 10,000 URLs and hashes: about 140 ms against 20 ms for the same statement
sent raw). One parameter instead: a JSON array read by `json_each` on SQLite, an array
compared with `= ANY(...)` on PostgreSQL. Both use the column's index.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    any_,
    bindparam,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY


def in_values(
    column: Any, values: Sequence[str] | Sequence[int], dialect: str
) -> ColumnElement[bool]:
    """`column IN values` for the named dialect ("sqlite" or "postgresql")."""
    if dialect == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    listed: Select[Any] = select(literal_column("value")).select_from(
        func.json_each(bindparam(None, json.dumps(list(values)), type_=String))
    )
    return column.in_(listed)
