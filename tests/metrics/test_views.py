"""Pages: movers dashboard, a creator's audience, an account with manual entry, CSV import."""

from __future__ import annotations

import io
from datetime import timedelta

from flask import render_template
from sqlalchemy import func, select

from crm.common.timeutil import today_in
from crm.creators.models import Creator
from crm.db import utcnow
from crm.metrics.models import Snapshot
from crm.metrics.panels import audience
from crm.metrics.services import upsert_snapshot
from tests.conftest import post_form


def today():
    return today_in("UTC")


def history(db, account, values, end=None):
    end = end or today()
    for offset, followers in enumerate(reversed(values)):
        upsert_snapshot(db, account, end - timedelta(days=offset), followers, None, None, "api")


def test_creator_audience_page_shows_charts_tables_and_errors(client, db, login, make_account):
    login("viewer")
    account = make_account(handle="@<b>bold</b>")
    history(db, account, [100, 120, 150])
    account.last_error = "quota_exceeded: youtube: quota gone"
    account.last_error_at = utcnow()
    db.flush()

    page = client.get(f"/metrics/creators/{account.creator_id}").get_data(as_text=True)

    assert page.count("<svg") >= 3  # creator total, account chart, sparkline
    assert "Data table: followers of" in page and '<th scope="row" class="fw-normal">' in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page and "<b>bold</b>" not in page
    assert "quota_exceeded: youtube: quota gone" in page
    assert ">150</td>" in page


def test_creator_section_template_renders_for_the_creator_page(app, db, make_account):
    account = make_account()
    history(db, account, [10, 20])
    creator = db.get(Creator, account.creator_id)
    with app.test_request_context():
        html = render_template(
            "metrics/_creator_section.html", section=audience(db, creator), creator=creator
        )
    assert '<h2 class="h5" id="audience-heading">Audience</h2>' in html
    assert f"/metrics/accounts/{account.id}" in html and "sparkline" in html


def test_creator_page_queries_do_not_grow_with_accounts(
    client, db, login, make_account, make_creator, count_queries
):
    login("viewer")

    def measure(n):
        creator = make_creator()
        for i in range(n):
            history(db, make_account(creator=creator), [i, i + 1, i + 2])
        with count_queries() as counter:
            assert client.get(f"/metrics/creators/{creator.id}").status_code == 200
        return counter.count

    assert measure(1) == measure(6)


def test_unknown_creator_or_account_is_404(client, login):
    login("viewer")
    assert client.get("/metrics/creators/999999").status_code == 404
    assert client.get("/metrics/accounts/999999").status_code == 404


def test_manager_records_a_manual_snapshot(client, db, login, make_account):
    login("manager")
    account = make_account()
    url = f"/metrics/accounts/{account.id}/snapshots"
    day = today().isoformat()

    response = post_form(
        client, url, {"captured_on": day, "followers": "1,234", "views": "", "posts": "9"}
    )

    assert response.status_code == 302
    assert "Recorded the snapshot" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    snapshot = db.scalars(select(Snapshot).where(Snapshot.account_id == account.id)).one()
    assert (snapshot.followers, snapshot.posts, snapshot.source) == (1234, 9, "manual")


def test_manual_snapshot_errors_are_shown_beside_the_fields(client, db, login, make_account):
    login("manager")
    account = make_account()
    future = (today() + timedelta(days=2)).isoformat()

    response = post_form(
        client,
        f"/metrics/accounts/{account.id}/snapshots",
        {"captured_on": future, "followers": "-3"},
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "must not be in the future" in page and "must not be negative" in page
    assert db.scalar(select(func.count()).select_from(Snapshot)) == 0


def test_a_viewer_sees_no_form_and_may_not_post(client, db, login, make_account):
    login("viewer")
    account = make_account()
    page = client.get(f"/metrics/accounts/{account.id}").get_data(as_text=True)
    assert "Enter figures by hand" not in page
    response = post_form(client, f"/metrics/accounts/{account.id}/snapshots", {"followers": "1"})
    assert response.status_code == 403


def test_csv_import_page(client, db, login, make_account):
    login("admin")
    account = make_account()
    good = f"account_id,date,followers,views,posts\n{account.id},2026-01-02,10,,\n".encode()
    bad = f"account_id,date,followers,views,posts\n{account.id},2026-01-03,-1,,\n".encode()

    response = post_form(
        client,
        "/metrics/import",
        {"file": (io.BytesIO(bad), "h.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "line 2: followers must not be negative" in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Snapshot)) == 0

    response = post_form(
        client,
        "/metrics/import",
        {"file": (io.BytesIO(good), "h.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Imported 1 snapshot of 1 account." in response.get_data(as_text=True)

    response = post_form(client, "/metrics/import", {})
    assert response.status_code == 422 and "Choose a CSV file." in response.get_data(as_text=True)


def test_movers_page_and_home_panel(client, db, login, make_account):
    login("viewer")
    account = make_account(handle="@rocket")
    upsert_snapshot(db, account, today() - timedelta(days=8), 1000, None, None, "api")
    upsert_snapshot(db, account, today(), 4000, None, None, "api")

    page = client.get("/metrics/").get_data(as_text=True)
    assert "Last 7 days" in page and "Last 30 days" in page
    assert "@rocket" in page and "+3,000" in page and "+300.0 %" in page

    home = client.get("/").get_data(as_text=True)
    assert "Audience movers this week" in home and "@rocket" in home


def test_home_panel_is_hidden_without_movers(client, login):
    login("viewer")
    assert "Audience movers this week" not in client.get("/").get_data(as_text=True)
