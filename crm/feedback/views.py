"""Feedback pages: capture, the triage board, a note, and the per-product report."""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qsl, urlsplit

from flask import (
    Blueprint,
    Response,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict

from crm.agreements.models import Grant, Product
from crm.common.errors import Invalid, NotFound
from crm.common.labels import label, plural
from crm.common.permissions import ALL_ROLES, EDITORS, allow
from crm.creators.models import Creator
from crm.creators.picker import pick_creator
from crm.db import get_session
from crm.feedback import services
from crm.feedback.forms import BulkStatusForm, FeedbackForm, StatusForm
from crm.feedback.models import (
    STATUS_LABELS,
    STATUSES,
    Feedback,
)
from crm.feedback.pages import (
    fill_choices,
    int_arg,
    label_context,
    report_creator_options,
    submitted_id,
)
from crm.feedback.rendering import render_markdown
from crm.web.forms import Stay, choices, handle_form

bp = Blueprint("feedback", __name__, url_prefix="/feedback")


@bp.get("/")
@allow(ALL_ROLES)
def index():
    return _board_page(request.args)


def _board_page(args, bulk_form: BulkStatusForm | None = None, status: int = 200, back=None):
    """The board filtered by `args`; a refused bulk change is shown again as ticked and
    typed, with its reasons."""
    db = get_session()
    filters = services.parse_filters(args)
    board = services.board(db, filters)
    products = db.execute(select(Product.id, Product.name).order_by(Product.name)).all()
    chosen = db.get(Creator, filters.creator_id) if filters.creator_id is not None else None
    return render_template(
        "feedback/board.html",
        board=board,
        filters=filters,
        args=args,
        chosen_creator_name=chosen.display_name if chosen else None,
        products=products,
        bulk_form=bulk_form or BulkStatusForm(formdata=None),
        refused=bulk_form,
        back=back or request.full_path,
        per_column=services.BOARD_COLUMN_LIMIT,
        **label_context(),
    ), status


@bp.route("/new", methods=["GET", "POST"])
@allow(EDITORS)
def new():
    db = get_session()
    form = FeedbackForm()
    similar: list = []
    if request.method == "GET":
        grant = None
        grant_id = int_arg("grant_id")
        if grant_id is not None:
            grant = db.get(Grant, grant_id)
            if grant is None:
                raise NotFound("No such grant.")
            form.grant_id.data = str(grant.id)
            form.product_id.data = str(grant.product_id)
        creator_id = grant.creator_id if grant is not None else int_arg("creator_id")
        if creator_id is not None:
            chosen = db.get(Creator, creator_id)
            if chosen is None:
                raise NotFound("No such creator.")
            form.creator_id.data = str(chosen.id)
            form.creator.data = chosen.display_name
        product_id = int_arg("product_id")
        if grant is None and product_id is not None:
            form.product_id.data = str(product_id)
        fill_choices(db, form, creator_id)
        return render_template("feedback/form.html", form=form, similar=[], **label_context())

    # The name as typed, or the creator chosen among those it matches (never a list of all).
    pick = pick_creator(db, form.creator.data, form.creator_id.data)
    if pick.creator_id is not None:
        form.creator_id.data = str(pick.creator_id)
        form.creator.data = pick.name
    elif str(form.creator_id.data) not in {str(c.id) for c in pick.candidates}:
        form.creator_id.data = ""
    product_id = submitted_id(form.product_id.data)

    def call(db):
        if pick.creator_id is None:
            # Every other field is still checked (nothing is written without a creator), so
            # all the reasons show at once.
            try:
                _create(db, "")
                others = {}
            except Invalid as exc:
                others = {k: v for k, v in exc.errors.items() if k != "creator_id"}
            raise Invalid({"creator": [pick.error or "is not a known creator"], **others})
        if not form.reviewed_similar.data and not form.duplicate_of.data:
            similar[:] = services.similar_notes(db, product_id, form.title.data)
            if similar:
                return None
        return _create(db, pick.creator_id)

    def _create(db, creator_id):
        return services.create_feedback(
            db,
            current_user,
            creator_id=creator_id,
            product_id=product_id,
            grant_id=submitted_id(form.grant_id.data),
            category=form.category.data,
            severity=form.severity.data,
            title=form.title.data,
            body=form.body.data or "",
            reproduction=form.reproduction.data or "",
            duplicate_of_id=submitted_id(form.duplicate_of.data),
        )

    def success(note):
        if note is None:
            # Show the open notes that look the same first: link as a duplicate, or file anyway.
            form.reviewed_similar.data = "1"
            return Stay(200)
        return f"Feedback #{note.id} recorded.", url_for("feedback.detail", note_id=note.id)

    def render(status):
        if pick.error and not form.creator.errors:
            form.creator.errors = [pick.error]
        fill_choices(db, form, pick.creator_id, similar=similar, pick=pick)
        page = render_template(
            "feedback/form.html", form=form, similar=similar, pick=pick, **label_context()
        )
        return page, status

    return handle_form(form, call, render=render, success=success, once=True)


@bp.get("/<int:note_id>")
@allow(ALL_ROLES)
def detail(note_id: int):
    return _detail_page(note_id)


def _detail_page(note_id: int, refused: StatusForm | None = None, team: bool = False, status=200):
    """The note's page; a refused status change is shown again as typed, on the triage form
    or (`team`) on the "change team" form."""
    db = get_session()
    note = services.get_feedback(db, note_id)
    duplicates = db.scalars(
        select(Feedback)
        .where(Feedback.duplicate_of_id == note.id)
        .options(joinedload(Feedback.creator))
        .order_by(Feedback.created_at)
    ).all()
    similar = services.similar_notes(db, note.product_id, note.title, exclude_id=note.id)
    form = refused or StatusForm(formdata=None)
    if refused is None:
        form.forwarded_to.data = note.forwarded_to or ""
    return render_template(
        "feedback/detail.html",
        note=note,
        body_html=render_markdown(note.body),
        duplicates=duplicates,
        similar=[s for s in similar if s.note.id != note.duplicate_of_id],
        status_form=form,
        refused=refused,
        refused_team=team,
        next_statuses=sorted(services.TRANSITIONS.targets(note.status), key=STATUSES.index),
        **label_context(),
    ), status


@bp.route("/<int:note_id>/edit", methods=["GET", "POST"])
@allow(EDITORS)
def edit(note_id: int):
    db = get_session()
    note = services.get_feedback(db, note_id)
    form = FeedbackForm(
        obj=None if request.method == "POST" else note,
        data=None
        if request.method == "POST"
        else {
            "creator_id": str(note.creator_id),
            "product_id": str(note.product_id),
            "grant_id": str(note.grant_id or ""),
            "duplicate_of": str(note.duplicate_of_id or ""),
        },
    )
    fill_choices(db, form, note.creator_id)
    form.creator_id.choices = choices([(str(note.creator_id), note.creator.display_name)])
    similar = services.similar_notes(db, note.product_id, note.title, exclude_id=note.id)
    dupes = [(str(s.note.id), f"#{s.note.id} {s.note.title}") for s in similar]
    if note.duplicate_of is not None and note.duplicate_of_id not in {s.note.id for s in similar}:
        dupes.insert(
            0, (str(note.duplicate_of_id), f"#{note.duplicate_of_id} {note.duplicate_of.title}")
        )
    form.duplicate_of.choices = choices([("", "Not a duplicate"), *dupes])
    return handle_form(
        form,
        lambda db: services.update_feedback(
            db,
            current_user,
            note,
            {
                "product_id": submitted_id(form.product_id.data),
                "grant_id": submitted_id(form.grant_id.data),
                "category": form.category.data,
                "severity": form.severity.data,
                "title": form.title.data,
                "body": form.body.data or "",
                "reproduction": form.reproduction.data or "",
                "duplicate_of_id": submitted_id(form.duplicate_of.data),
            },
        ),
        render=lambda status: (
            render_template(
                "feedback/form.html", form=form, note=note, similar=[], **label_context()
            ),
            status,
        ),
        success=("Feedback updated.", url_for("feedback.detail", note_id=note.id)),
    )


@bp.post("/<int:note_id>/status")
@allow(EDITORS)
def change_status(note_id: int):
    note = services.get_feedback(get_session(), note_id)
    form = StatusForm()
    back = url_for("feedback.detail", note_id=note.id)
    # The team only matters when forwarding; a leftover value beside another status is
    # ignored rather than refused.
    team = form.forwarded_to.data if form.status.data == "forwarded" else None
    return handle_form(
        form,
        lambda db: services.change_status(db, current_user, note, form.status.data, team),
        render=lambda status: _detail_page(
            note_id, form, team=request.form.get("which") == "team", status=status
        ),
        success=lambda _: (
            f"Feedback #{note.id} is now {STATUS_LABELS[note.status].lower()}.",
            back,
        ),
    )


@bp.post("/bulk-status")
@allow(EDITORS)
def bulk_status():
    form = BulkStatusForm()
    back = request.form.get("back") or ""
    target = (
        back if back.startswith("/feedback/") and "//" not in back else url_for("feedback.index")
    )
    return handle_form(
        form,
        lambda db: services.bulk_change_status(
            db, current_user, form.ids.data or [], form.status.data, form.forwarded_to.data
        ),
        render=lambda status: _board_page(
            MultiDict(parse_qsl(urlsplit(target).query)),
            bulk_form=form,
            status=status,
            back=target,
        ),
        success=lambda notes: (
            f"{plural(len(notes), 'note')} moved to {STATUS_LABELS[form.status.data].lower()}.",
            target,
        ),
    )


@bp.get("/report")
@allow(ALL_ROLES)
def report_index():
    db = get_session()
    counts = dict(
        db.execute(select(Feedback.product_id, func.count()).group_by(Feedback.product_id)).all()
    )
    products = db.scalars(select(Product).order_by(Product.name)).all()
    return render_template(
        "feedback/report_index.html", products=products, counts=counts, **label_context()
    )


@bp.get("/products/<int:product_id>/report")
@allow(ALL_ROLES)
def report(product_id: int):
    db = get_session()
    filters = services.parse_filters(request.args, ignore=("product_id",))
    rep = services.product_report(db, product_id, filters)
    creators = report_creator_options(db, rep.product.id, filters.creator_id)
    export_args = {k: v for k, v in filters.as_args().items() if k != "product_id"}
    return render_template(
        "feedback/report.html",
        report=rep,
        args=request.args,
        creators=creators,
        export_args=export_args,
        max_week=max((c for _w, _d, c in rep.weekly), default=0),
        **label_context(),
    )


@bp.get("/products/<int:product_id>/report.json")
@allow(ALL_ROLES)
def report_json(product_id: int):
    db = get_session()
    filters = services.parse_filters(request.args, ignore=("product_id",))
    rep = services.product_report(db, product_id, filters)
    response = jsonify(rep.as_json())
    response.headers["Content-Disposition"] = (
        f'attachment; filename="feedback-report-{product_id}.json"'
    )
    return response


CSV_COLUMNS = (
    "id",
    "created_at",
    "creator_id",
    "creator",
    "category",
    "severity",
    "status",
    "forwarded_to",
    "title",
    "body",
    "reproduction",
    "grant_id",
    "duplicate_of",
)


def csv_cell(value) -> str:
    """Spreadsheets run cells that start with = + - @ (or a tab/CR) as formulas: prefix a quote."""
    if value is None:
        return ""
    text = str(value)
    if text and text[0] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


@bp.get("/products/<int:product_id>/report.csv")
@allow(ALL_ROLES)
def report_csv(product_id: int):
    db = get_session()
    filters = services.parse_filters(request.args, ignore=("product_id",))
    product = db.get(Product, product_id)
    if product is None:
        raise NotFound("No such product.")
    filters.product_id = product.id

    # A report for people (spreadsheets): categories, severities and statuses in words.
    # report.json keeps the codes for programs.
    # Built in memory from one query, not streamed: a streamed body would keep the read
    # transaction (and on SQLite its lock) open for as long as the download lasts.
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for note, creator_name in services.export_rows(db, filters):
        writer.writerow(
            [
                csv_cell(v)
                for v in (
                    note.id,
                    note.created_at.isoformat(),
                    note.creator_id,
                    creator_name,
                    label(note.category, "feedback_category"),
                    label(note.severity, "feedback_severity"),
                    label(note.status, "feedback_status"),
                    note.forwarded_to,
                    note.title,
                    note.body,
                    note.reproduction,
                    note.grant_id,
                    note.duplicate_of_id,
                )
            ]
        )
    db.rollback()
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="feedback-{product_id}.csv"',
        },
    )
