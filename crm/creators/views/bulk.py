"""Bulk actions from the creator list: the selected rows or every creator matching the
filters. Small selections run at once and flash a summary; large ones become a job whose
progress has its own page."""

from __future__ import annotations

import csv
import io

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.common.errors import Conflict, DomainError, Forbidden, Invalid
from crm.common.labels import plural
from crm.common.permissions import EDITORS, allow
from crm.common.timeutil import user_today
from crm.creators import bulk, listing
from crm.creators.csvio._common import COLUMNS, neutralise
from crm.creators.csvio.export import creator_row, custom_cells
from crm.creators.custom_fields import list_fields
from crm.creators.forms import EmptyForm
from crm.creators.models import BulkJob, Creator
from crm.creators.views.base import bp
from crm.creators.views.lists import _list_page
from crm.db import get_session
from crm.web.forms import handle_form

FILTER_PREFIX = "filter."
MAX_REASONS_SHOWN = 20


def _filter_args() -> dict[str, str]:
    return {
        key[len(FILTER_PREFIX) :]: value
        for key, value in request.form.items()
        if key.startswith(FILTER_PREFIX) and value
    }


def _form_ids() -> list[int] | None:
    raw = request.form.getlist("ids")
    if not all(r.isdigit() and len(r) < 19 for r in raw):
        raise Invalid({"ids": ["must be creator ids"]})
    return [int(r) for r in raw]


def _value(action: str) -> object:
    if action in ("add_tags", "remove_tags"):
        return request.form.get("tags", "")
    if action == "set_status":
        return request.form.get("status", "")
    if action == "set_owner":
        owner = request.form.get("owner_id", "")
        return None if owner in ("", "none") else owner
    return None


def _export(db, ids: list[int]) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    extra = list_fields(db, "creator")
    writer.writerow([*COLUMNS, *(f"cf.{f.key}" for f in extra)])
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = db.scalars(
            select(Creator)
            .where(Creator.id.in_(chunk))
            .options(selectinload(Creator.accounts), selectinload(Creator.owner))
            .order_by(Creator.search_name, Creator.id)
        )
        for creator in rows:
            row = creator_row(creator) + custom_cells(creator, extra)
            writer.writerow([neutralise(cell) for cell in row])
    name = f"creators-selection-{user_today(current_user).isoformat()}.csv"
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def summary_message(outcome: bulk.Outcome) -> str:
    text = f"Done: {len(outcome.done)}."
    if outcome.refused:
        reasons = [f"#{k}: {v}" for k, v in list(outcome.refused.items())[:MAX_REASONS_SHOWN]]
        more = len(outcome.refused) - MAX_REASONS_SHOWN
        text += f" Refused: {len(outcome.refused)} ({'; '.join(reasons)}"
        text += f"; and {more} more)" if more > 0 else ")"
    return text


@bp.post("/bulk")
@allow(EDITORS)
def bulk_action():
    filters = _filter_args()
    back = url_for("creators.index", **filters)
    action = request.form.get("action", "")

    def selection(db) -> list[int]:
        if request.form.get("scope") == "matching":
            return bulk.select_ids(db, current_user, filters=filters)
        return bulk.select_ids(db, current_user, ids=_form_ids())

    if action == "export":  # reads only
        db = get_session()
        try:
            return _export(db, selection(db))
        except Invalid as exc:
            flash(_refusal(exc), "danger")
            return redirect(back)

    def done(result: bulk.Outcome | BulkJob) -> tuple[str, str, str]:
        if isinstance(result, BulkJob):
            return (
                f"{plural(result.total, 'creator')}: the action runs in the background.",
                url_for("creators.bulk_job", job_id=result.id),
                "info",
            )
        return summary_message(result), back, "warning" if result.refused else "success"

    def call(db):
        try:
            return bulk.run(db, current_user, selection(db), action, _value(action))
        except Forbidden as exc:  # an action this role may not take: refused like a rule
            raise Conflict(exc.detail) from exc

    form = EmptyForm()
    return handle_form(
        form,
        call,
        render=lambda status: _list_page(
            _shown_filters(filters),
            status=status,
            bulk={
                "ids": request.form.getlist("ids"),
                "scope": request.form.get("scope", ""),
                "action": action,
                "tags": request.form.get("tags", ""),
                "status": request.form.get("status", ""),
                "owner_id": request.form.get("owner_id", ""),
                "problem": " ".join(form.form_errors),
            },
        ),
        success=done,
        on_invalid=lambda exc: form.form_errors.append(_refusal(exc)),
    )


def _shown_filters(filters: dict[str, str]) -> dict[str, str]:
    """The filters the list is shown with after a refusal: those posted, unless they are
    what was refused (then the reason says so above the whole list)."""
    try:
        listing.parse_filters(filters, current_user, default_mine=True)
    except Invalid:
        return {}
    return filters


def _refusal(exc: DomainError) -> str:
    if isinstance(exc, Invalid) and exc.errors:
        return "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.errors.items())
    return exc.detail


@bp.get("/bulk/<int:job_id>")
@allow(EDITORS)
def bulk_job(job_id: int):
    job = bulk.get_job(get_session(), current_user, job_id)
    return render_template(
        "creators/bulk_job.html",
        job=job,
        data=bulk.job_json(job),
        label=bulk.ACTION_LABELS.get(job.action, job.action),
    )


__all__ = ["bulk_action", "bulk_job", "listing"]
