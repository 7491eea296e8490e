"""`crm creators import` and `crm creators export`."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.creators.models import Creator
from crm.db import get_db


@pytest.fixture
def committed(app):
    """CLI commands open their own sessions and commit; clean up what they wrote."""
    yield
    with get_db(app).engine.begin() as conn:
        conn.execute(Creator.__table__.delete())


def count(app) -> int:
    with get_db(app).session_factory() as session:
        return session.scalar(select(func.count()).select_from(Creator))


def test_import_dry_run_then_import_then_export(app, runner, tmp_path, committed):
    source = tmp_path / "in.csv"
    source.write_text(
        "display_name,country,tags,accounts\n"
        "Maya Chen,GB,ai art,youtube:@maya\n"
        "Pixel Forge,US,,twitch:pixelforge\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["crm", "creators", "import", str(source), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Dry run" in result.output and count(app) == 0
    result = runner.invoke(args=["crm", "creators", "import", str(source)])
    assert result.exit_code == 0, result.output
    assert "2 new" in result.output and count(app) == 2
    out = tmp_path / "out.csv"
    result = runner.invoke(args=["crm", "creators", "export", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "youtube:maya" in text and "Pixel Forge" in text
    result = runner.invoke(args=["crm", "creators", "export"])
    assert result.output.splitlines()[0].startswith("id,display_name")
    # Importing the export again changes nothing and duplicates nothing.
    result = runner.invoke(args=["crm", "creators", "import", str(out)])
    assert result.exit_code == 0 and "0 new, 2 updates" in result.output
    assert count(app) == 2


def test_a_bad_file_reports_rows_and_writes_nothing(app, runner, tmp_path, committed):
    source = tmp_path / "bad.csv"
    source.write_text("display_name,country\nGood,US\n,XX\n", encoding="utf-8")
    result = runner.invoke(args=["crm", "creators", "import", str(source)])
    assert result.exit_code != 0
    assert "row 3: country" in result.output and "row 3: display_name" in result.output
    assert "nothing was imported" in result.output
    assert count(app) == 0
