"""Licensing pages: the index, a creator's works and consent grid, the works import and
the lookup."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from crm.common.errors import Invalid
from crm.common.labels import plural
from crm.common.pagination import SortKey, keyset_page, parse_limit
from crm.common.permissions import (
    ALL_ROLES,
    EDITORS,
    EDITORS_AND_LEGAL,
    allow,
)
from crm.creators.models import Creator
from crm.db import get_session
from crm.licensing import services
from crm.licensing.forms import (
    BulkRightsForm,
    ConsentForm,
    ImportForm,
    RevokeForm,
    WorkFilterForm,
    WorkForm,
    rights_data,
)
from crm.licensing.models import USES, WORK_KINDS, Consent, Licence, Work
from crm.licensing.services.rights import RIGHTS_COLUMNS, verdicts
from crm.licensing.views.base import MAX_SCOPE_WORKS, bp
from crm.web.forms import Stay, apply_errors, choices, handle_form

# --- index and the creator page ------------------------------------------------------------


@bp.get("/")
@allow(ALL_ROLES)
def index():
    db = get_session()
    works_count = (
        select(func.count()).select_from(Work).where(Work.creator_id == Creator.id)
    ).scalar_subquery()
    stmt = select(Creator, works_count.label("works")).where(Creator.archived.is_(False))
    page = keyset_page(
        db,
        stmt,
        [SortKey(Creator.search_name, "Creator.search_name"), SortKey(Creator.id, "Creator.id")],
        request.args.get("cursor"),
        parse_limit(request.args.get("limit")),
        scalars=False,
    )
    totals = {
        "works": db.scalar(select(func.count()).select_from(Work)),
        "consents": db.scalar(select(func.count()).select_from(Consent)),
        "licences": db.scalar(select(func.count()).select_from(Licence)),
    }
    return render_template("licensing/index.html", page=page, totals=totals)


def _consent_form(db, creator: Creator, form: ConsentForm | None = None) -> ConsentForm:
    form = form or ConsentForm()
    works = db.execute(
        select(Work.id, Work.title)
        .where(Work.creator_id == creator.id)
        .order_by(Work.id)
        .limit(MAX_SCOPE_WORKS)
    )
    options = [("all", "All of the creator's works")]
    options += [(f"kind:{k}", f"All {k} works") for k in WORK_KINDS]
    options += [(f"work:{w.id}", f"Work #{w.id}: {w.title}") for w in works]
    form.scope.choices = choices(options)
    return form


# A creator's works are counted whole for the totals; past this many, the totals say so.
MAX_TOTALS_WORKS = 50_000


def work_filters(args) -> tuple[WorkFilterForm, dict, dict]:
    """The works filters from the query string: (form, filters for list_works_stmt, errors)."""
    form = WorkFilterForm(args)
    errors: dict[str, str] = {}
    if not form.validate():
        errors.update({k: " ".join(v) for k, v in form.errors.items()})
    filters: dict = {}
    if form.kind.data in WORK_KINDS:
        filters["kind"] = form.kind.data
    tags = [t for t in (form.tag.data or "").split(",") if t.strip()]
    if tags:
        filters["tags"] = tags[:20]
    if form.language.data and form.language.data.strip():
        filters["language"] = form.language.data.strip()
    if form.rights.data:
        filters["rights"] = form.rights.data
    if form.people_present.data in ("yes", "no"):
        filters["people_present"] = form.people_present.data == "yes"
    minutes = (form.min_minutes.data or "").strip()
    if minutes:
        try:
            value = float(minutes)
        except ValueError:
            value = -1.0
        if 0 <= value <= 200_000:
            filters["min_duration_s"] = value * 60
        else:
            errors["min_minutes"] = "must be a number of minutes"
    return form, filters, errors


def works_summary(db, stmt, day) -> dict:
    """Counts and hours of the filtered works, and of those fully released (rights that
    allow re-licensing, and every person and property shown released)."""
    rows = list(
        db.execute(
            stmt.with_only_columns(*RIGHTS_COLUMNS, Work.duration_s)
            .order_by(Work.id)
            .limit(MAX_TOTALS_WORKS + 1)
        )
    )
    capped = len(rows) > MAX_TOTALS_WORKS
    rows = rows[:MAX_TOTALS_WORKS]
    judged = verdicts(db, rows, [], day)
    released = [r for r in rows if judged[r.id].licensable]
    hours = sum(r.duration_s or 0 for r in rows) / 3600
    return {
        "works": len(rows),
        "hours": hours,
        "released": len(released),
        "released_hours": sum(r.duration_s or 0 for r in released) / 3600,
        "capped": capped,
    }


def creator_page_context(
    db, creator: Creator, cursor=None, limit=50, filters=None, *, with_summary: bool = True
) -> dict:
    """The works page's parts; the creator page's section leaves out the totals."""
    filters = filters or {}
    kind = filters.get("kind")
    rest = {k: v for k, v in filters.items() if k != "kind"}
    stmt = services.list_works_stmt(creator.id, kind, **rest)
    page = keyset_page(
        db,
        stmt,
        [SortKey(Work.id, "id")],
        cursor,
        limit,
    )
    day = services.today()
    consents = list(
        db.scalars(
            select(Consent)
            .where(Consent.creator_id == creator.id)
            .order_by(Consent.effective_on.desc(), Consent.id.desc())
            .limit(200)
        )
    )
    licences = list(
        db.scalars(
            select(Licence).where(Licence.creator_id == creator.id).order_by(Licence.starts_on)
        )
    )
    return {
        "works": page.items,
        "page": page,
        "grid": services.grid(db, page.items, day),
        "verdicts": verdicts(db, page.items, [], day),
        "summary": works_summary(db, stmt, day) if with_summary else None,
        "uses": USES,
        "day": day,
        "consents": consents,
        "licences": licences,
        "works_total": services.count_works(db, creator.id),
    }


@bp.get("/creators/<int:creator_id>")
@allow(ALL_ROLES)
def creator(creator_id: int):
    db = get_session()
    return _creator_page(db, services.get_creator(db, creator_id))


def _creator_page(
    db, creator, work_form=None, consent_form=None, status=200, bulk_form=None, revoke=None
):
    """The works and consent page; a refused form is passed in and shown again as typed
    (`revoke`: the consent id and its refused revocation form)."""
    filter_form, filters, filter_errors = work_filters(request.args)
    context = creator_page_context(
        db,
        creator,
        request.args.get("cursor"),
        parse_limit(request.args.get("limit")),
        filters,
    )
    pager_args = {"creator_id": creator.id} | {
        k: v for k, v in request.args.items() if k in filter_form._fields and v
    }
    if filter_errors and status == 200:
        status = 422
    return render_template(
        "licensing/creator.html",
        creator=creator,
        work_form=work_form or WorkForm(formdata=None),
        consent_form=_consent_form(db, creator, consent_form),
        revoke_form=RevokeForm(formdata=None, revoked_on=services.today()),
        bulk_form=bulk_form or BulkRightsForm(formdata=None, prefix="bulk"),
        revoke=revoke,
        filter_form=filter_form,
        filter_errors=filter_errors,
        pager_args=pager_args,
        **context,
    ), status


@bp.post("/creators/<int:creator_id>/works")
@allow(EDITORS)
def add_work(creator_id: int):
    db = get_session()
    creator = services.get_creator(db, creator_id)
    form = WorkForm()
    return handle_form(
        form,
        lambda db: services.create_work(
            db,
            current_user,
            creator_id=creator.id,
            kind=form.kind.data,
            title=form.title.data,
            url=form.url.data,
            sha256=form.sha256.data,
            created_on=form.created_on.data,
            **rights_data(form),
        ),
        render=lambda status: _creator_page(db, creator, work_form=form, status=status),
        success=lambda work: (
            f'Work "{work.title}" added.',
            url_for("licensing.creator", creator_id=creator.id),
        ),
        once=True,
    )


@bp.post("/creators/<int:creator_id>/consents")
@allow(EDITORS_AND_LEGAL)
def add_consent(creator_id: int):
    db = get_session()
    creator = services.get_creator(db, creator_id)
    form = _consent_form(db, creator)
    return handle_form(
        form,
        lambda db: services.record_consents(
            db,
            current_user,
            creator_id=creator.id,
            scope=form.scope.data,
            uses=form.uses.data,
            decision=form.decision.data,
            constraint=form.constraint.data,
            source=form.source.data,
            evidence=form.evidence.data,
            effective_on=form.effective_on.data,
        ),
        render=lambda status: _creator_page(db, creator, consent_form=form, status=status),
        success=lambda consents: (
            f"Consent recorded for {plural(len(consents), 'use')}.",
            url_for("licensing.creator", creator_id=creator.id),
        ),
        once=True,
    )


@bp.post("/consents/<int:consent_id>/revoke")
@allow(EDITORS_AND_LEGAL)
def revoke_consent(consent_id: int):
    db = get_session()
    consent = services.get_consent(db, consent_id)
    creator_id = consent.creator_id
    form = RevokeForm()
    return handle_form(
        form,
        lambda db: services.revoke_consent(db, current_user, consent, form.revoked_on.data),
        render=lambda status: _creator_page(
            db, services.get_creator(db, creator_id), status=status, revoke=(consent_id, form)
        ),
        success=lambda _: (
            f"Consent #{consent_id} revoked from {consent.revoked_on}.",
            url_for("licensing.creator", creator_id=creator_id),
        ),
    )


@bp.route("/works/import", methods=["GET", "POST"])
@allow(EDITORS)
def import_works():
    form = ImportForm()
    shown = {"result": None}

    def call(db):
        raw = form.file.data.read(5 * 1024 * 1024 + 1)
        if len(raw) > 5 * 1024 * 1024:
            raise Invalid({"file": ["is larger than 5 MB; split it"]})
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Invalid({"file": ["must be UTF-8 text"]}) from None
        return services.import_works_csv(db, current_user, text)

    def success(works):
        if form.dry_run.data:
            shown["result"] = {"checked": len(works)}
            return Stay(200)
        return f"{plural(len(works), 'work')} imported.", url_for("licensing.index")

    def invalid(exc):
        apply_errors(form, exc)
        shown["result"] = {"errors": exc.errors}

    return handle_form(
        form,
        call,
        render=lambda status: (
            render_template("licensing/import.html", form=form, result=shown["result"]),
            status,
        ),
        success=success,
        on_invalid=invalid,
    )


# --- lookup --------------------------------------------------------------------------------


@bp.get("/lookup")
@allow(ALL_ROLES)
def lookup():
    query = (request.args.get("q") or "").strip()
    results = None
    error = None
    if query:
        try:
            results = services.lookup(get_session(), query, services.today())
        except Invalid as exc:
            error = exc.errors["q"][0]
    return render_template(
        "licensing/lookup.html",
        query=query,
        results=results,
        error=error,
        uses=USES,
        day=services.today(),
    ), (422 if error else 200)
