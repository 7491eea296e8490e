"""The CSV import page: a dry run shows the report, a clean file imports all rows or none
(crm.creators.csvio)."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user

from crm.common.permissions import EDITORS, allow
from crm.creators import csvio
from crm.creators.forms import ImportForm
from crm.creators.views.base import bp
from crm.web.forms import Stay, handle_form


@bp.route("/import", methods=["GET", "POST"])
@allow(EDITORS)
def import_page():
    form = ImportForm()
    shown = {"report": None, "error": None}

    def call(db):
        dry_run = request.form.get("action") != "import"
        shown["report"] = csvio.import_creators(
            db, current_user, form.file.data.read(), dry_run=dry_run
        )
        return shown["report"]

    def success(report):
        if not report.written:  # a dry run, or a file with errors: show the report
            return Stay(200 if report.ok else 422)
        return (
            f"Imported {report.rows} rows: {report.created} creators added, "
            f"{report.updated} updated.",
            url_for("creators.index", owner="any"),
        )

    return handle_form(
        form,
        call,
        render=lambda status: (
            render_template("creators/import.html", form=form, columns=csvio.COLUMNS, **shown),
            status,
        ),
        success=success,
        on_invalid=lambda exc: shown.update(error=exc.detail),
    )
