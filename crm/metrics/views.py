"""Pages: the movers dashboard, a creator's audience, an account's history with manual entry,
and the CSV import of history."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_login import current_user

from crm.common.errors import NotFound
from crm.common.labels import plural
from crm.common.permissions import ALL_ROLES, EDITORS, allow, can
from crm.common.timeutil import org_today, today_in
from crm.creators.models import Creator
from crm.db import get_session
from crm.metrics import services
from crm.metrics.forms import ImportForm, SnapshotForm
from crm.metrics.movers import PERIODS, current_movers
from crm.metrics.panels import audience, platform_label
from crm.web.forms import handle_form

bp = Blueprint("metrics", __name__, url_prefix="/metrics")

RECENT = 30


@bp.get("/")
@allow(ALL_ROLES)
def index():
    db = get_session()
    today = org_today()
    boards = [
        {
            "days": days,
            "absolute": current_movers(db, today, days, limit=10),
            "percent": current_movers(db, today, days, by="percent", limit=10),
        }
        for days in PERIODS
    ]
    return render_template("metrics/movers.html", boards=boards, end=today)


@bp.get("/creators/<int:creator_id>")
@allow(ALL_ROLES)
def creator(creator_id: int):
    db = get_session()
    found = db.get(Creator, creator_id)
    if found is None:
        raise NotFound("No such creator.")
    return render_template(
        "metrics/creator.html", creator=found, section=audience(db, found), full=True
    )


def _account_page(account, form, status=200):
    db = get_session()
    page = services.list_snapshots(db, account, limit=RECENT)
    creator = db.get(Creator, account.creator_id)
    data = audience(db, creator)
    row = next(r for r in data["accounts"] if r["account"].id == account.id)
    return (
        render_template(
            "metrics/account.html",
            account=account,
            creator=creator,
            row=row,
            snapshots=page.items,
            form=form,
            platform_label=platform_label,
        ),
        status,
    )


@bp.get("/accounts/<int:account_id>")
@allow(ALL_ROLES)
def account(account_id: int):
    found = services.get_account(get_session(), account_id)
    form = (
        SnapshotForm(data={"captured_on": today_in(current_user.timezone)})
        if can(current_user, EDITORS)
        else None
    )
    return _account_page(found, form)


@bp.post("/accounts/<int:account_id>/snapshots")
@allow(EDITORS)
def add_snapshot(account_id: int):
    found = services.get_account(get_session(), account_id)
    form = SnapshotForm()

    def success(recorded):
        snapshot, created = recorded
        verb = "Recorded" if created else "Updated"
        return (
            f"{verb} the snapshot of {snapshot.captured_on.isoformat()}.",
            url_for("metrics.account", account_id=found.id),
        )

    return handle_form(
        form,
        lambda db: services.record_manual_snapshot(
            db,
            current_user,
            found,
            captured_on=form.captured_on.data,
            followers=form.followers.data,
            views=form.views.data,
            posts=form.posts.data,
            today=today_in(current_user.timezone),
        ),
        render=lambda status: _account_page(found, form, status),
        success=success,
    )


@bp.route("/import", methods=["GET", "POST"])
@allow(EDITORS)
def import_history():
    form = ImportForm()
    errors = {}  # the rows the service refused, listed above the form
    return handle_form(
        form,
        lambda db: services.import_history_csv(
            db, current_user, form.file.data.read(), today=today_in(current_user.timezone)
        ),
        render=lambda status: (
            render_template("metrics/import.html", form=form, errors=errors),
            status,
        ),
        success=lambda result: (
            f"Imported {plural(result.rows, 'snapshot')} of {plural(result.accounts, 'account')}.",
            url_for("metrics.import_history"),
        ),
        on_invalid=lambda exc: errors.update(exc.errors),
    )
