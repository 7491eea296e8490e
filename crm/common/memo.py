"""Values computed once per request and shared by the parts of a page that need them.

The creator page asks every domain for a section and for timeline entries; a domain whose
section and timeline read the same rows loads them once with `per_request`. The value lives
in `flask.g`, so it never outlives the request (or app context) that computed it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import g

T = TypeVar("T")


def per_request(key: Hashable, build: Callable[[], T]) -> T:
    cache = g.setdefault("_per_request", {})
    if key not in cache:
        cache[key] = build()
    return cache[key]
