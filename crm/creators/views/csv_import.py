"""The CSV import page: the preview shows what every row will do and keeps the checked file
in the upload storage; confirming imports it without a second upload (crm.creators.csvio).
Posting the file with "Import" still imports a clean file at once."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user

from crm.common.labels import plural
from crm.common.permissions import EDITORS, allow
from crm.common.storage import storage_for
from crm.creators import csvio
from crm.creators.forms import ConfirmImportForm, ImportForm
from crm.creators.views.base import bp
from crm.web.forms import Stay, handle_form

PLAN_SHOWN = 2000  # rows listed in the preview table; all of them are imported


def _done(report) -> tuple[str, str]:
    new = f"{plural(report.created, 'creator')} added"
    return (
        f"Imported {plural(report.rows, 'row')}: {new}, {report.updated:,} updated.",
        url_for("creators.index", owner="any"),
    )


def _page(form, shown: dict, status: int, confirm=None):
    if confirm is None:
        confirm = ConfirmImportForm(formdata=None)
        confirm.token.data = shown.get("token") or ""
    return render_template(
        "creators/import.html",
        form=form,
        confirm_form=confirm,
        columns=csvio.COLUMNS,
        plan_shown=PLAN_SHOWN,
        ttl_minutes=int(csvio.PREVIEW_TTL.total_seconds() // 60),
        **shown,
    ), status


@bp.route("/import", methods=["GET", "POST"])
@allow(EDITORS)
def import_page():
    form = ImportForm()
    shown: dict = {"report": None, "error": None, "token": None}

    def call(db):
        data = form.file.data.read()
        if request.form.get("action") == "import":
            shown["report"] = csvio.import_creators(db, current_user, data)
        else:
            shown["report"], shown["token"] = csvio.preview_import(
                db, current_user, data, storage_for()
            )
        return shown["report"]

    def success(report):
        if not report.written:  # a preview, or a file with errors: show the plan
            return Stay(200 if report.ok else 422)
        return _done(report)

    return handle_form(
        form,
        call,
        render=lambda status: _page(form, shown, status),
        success=success,
        on_invalid=lambda exc: shown.update(error=exc.detail),
    )


@bp.post("/import/confirm")
@allow(EDITORS)
def import_confirm():
    form = ConfirmImportForm()
    shown: dict = {"report": None, "error": None, "token": None}

    def call(db):
        shown["report"] = csvio.confirm_import(db, current_user, form.token.data, storage_for())
        return shown["report"]

    def success(report):
        if not report.written:  # the rows became wrong meanwhile: show why
            return Stay(422)
        return _done(report)

    return handle_form(
        form,
        call,
        render=lambda status: _page(ImportForm(formdata=None), shown, status, confirm=form),
        success=success,
        on_invalid=lambda exc: shown.update(error=exc.detail),
    )
