"""Where the project's files are: templates, static files, migrations, the instance folder."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"
INSTANCE = ROOT / "instance"
