"""Need-to-know is on for these tests, whatever the suite's default (tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def need_to_know(app, monkeypatch):
    monkeypatch.setitem(app.config, "CRM_NEED_TO_KNOW", True)
