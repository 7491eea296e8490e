"""Licensing pages: a creator's works and consent grid, licences and payouts, fund, lookup."""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from crm.common.errors import Invalid
from crm.common.pagination import SortKey, keyset_page, parse_limit
from crm.common.permissions import (
    ALL_ROLES,
    EDITORS,
    EDITORS_AND_LEGAL,
    MONEY_READERS,
    allow,
    can,
    can_see_money,
)
from crm.common.registry import TimelineEntry
from crm.creators.models import Creator
from crm.db import get_session
from crm.licensing import licences as lic
from crm.licensing import services
from crm.licensing.forms import (
    ConsentForm,
    FundForm,
    ImportForm,
    LicenceForm,
    PaidForm,
    PayoutForm,
    RevokeForm,
    WorkForm,
)
from crm.licensing.models import USES, WORK_KINDS, Consent, Licence, Payout, Work
from crm.web.forms import Stay, apply_errors, choices, handle_action, handle_form

bp = Blueprint("licensing", __name__, url_prefix="/licensing")

SECTION_WORKS = 20
MAX_SCOPE_WORKS = 500


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


def creator_page_context(db, creator: Creator, cursor=None, limit=50) -> dict:
    page = keyset_page(
        db,
        services.list_works_stmt(creator.id),
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


def _creator_page(db, creator, work_form=None, consent_form=None, status=200):
    context = creator_page_context(
        db, creator, request.args.get("cursor"), parse_limit(request.args.get("limit"))
    )
    return render_template(
        "licensing/creator.html",
        creator=creator,
        work_form=work_form or WorkForm(),
        consent_form=_consent_form(db, creator, consent_form),
        revoke_form=RevokeForm(formdata=None, revoked_on=services.today()),
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
        ),
        render=lambda status: _creator_page(db, creator, work_form=form, status=status),
        success=lambda work: (
            f'Work "{work.title}" added.',
            url_for("licensing.creator", creator_id=creator.id),
        ),
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
            f"Consent recorded for {len(consents)} use(s).",
            url_for("licensing.creator", creator_id=creator.id),
        ),
    )


@bp.post("/consents/<int:consent_id>/revoke")
@allow(EDITORS_AND_LEGAL)
def revoke_consent(consent_id: int):
    consent = services.get_consent(get_session(), consent_id)
    form = RevokeForm()
    target = url_for("licensing.creator", creator_id=consent.creator_id)
    if not form.validate_on_submit():
        flash("Give the day the revocation takes effect.", "danger")
        return redirect(target)
    return handle_action(
        lambda db: services.revoke_consent(db, current_user, consent, form.revoked_on.data),
        success=lambda _: (f"Consent #{consent.id} revoked from {consent.revoked_on}.", target),
        back=target,
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
        return f"{len(works)} works imported.", url_for("licensing.index")

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


# --- licences and payouts ------------------------------------------------------------------


@bp.get("/licences/")
@allow(ALL_ROLES)
def licences():
    db = get_session()
    stmt = select(Licence).options(selectinload(Licence.creator))
    page = keyset_page(
        db,
        stmt,
        [SortKey(Licence.id, "id", True)],
        request.args.get("cursor"),
        parse_limit(request.args.get("limit")),
    )
    return render_template("licensing/licences.html", page=page, rate_text=lic.rate_text)


def _licence_form(db, creator: Creator, form: LicenceForm | None = None) -> LicenceForm:
    form = form or LicenceForm()
    works = db.execute(
        select(Work.id, Work.title, Work.kind)
        .where(Work.creator_id == creator.id)
        .order_by(Work.id)
        .limit(MAX_SCOPE_WORKS)
    )
    form.work_ids.choices = choices((w.id, f"#{w.id} {w.title} ({w.kind})") for w in works)
    return form


@bp.get("/creators/<int:creator_id>/licences/new")
@allow(EDITORS)
def new_licence(creator_id: int):
    db = get_session()
    creator = services.get_creator(db, creator_id)
    form = _licence_form(db, creator)
    return render_template("licensing/licence_new.html", creator=creator, form=form)


@bp.post("/creators/<int:creator_id>/licences")
@allow(EDITORS)
def create_licence(creator_id: int):
    db = get_session()
    creator = services.get_creator(db, creator_id)
    form = _licence_form(db, creator)
    return handle_form(
        form,
        lambda db: lic.create_licence(
            db,
            current_user,
            creator_id=creator.id,
            title=form.title.data,
            uses=form.uses.data,
            fee_model=form.fee_model.data,
            rate=form.rate.data,
            currency=form.currency.data,
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            work_ids=form.work_ids.data,
            all_allowed_works=form.all_allowed_works.data,
        ),
        render=lambda status: (
            render_template("licensing/licence_new.html", creator=creator, form=form),
            status,
        ),
        success=lambda licence: (
            f'Licence "{licence.title}" created.',
            url_for("licensing.licence", licence_id=licence.id),
        ),
    )


@bp.get("/licences/<int:licence_id>")
@allow(ALL_ROLES)
def licence(licence_id: int):
    db = get_session()
    return _licence_page(db, lic.get_licence(db, licence_id, with_works=True))


def _licence_page(db, licence, payout_form=None, status=200):
    creator = db.get(Creator, licence.creator_id)
    day = services.today()
    covered = set(lic.covered_work_ids(db, licence, day))
    return render_template(
        "licensing/licence.html",
        licence=licence,
        creator=creator,
        payouts=lic.list_payouts(db, licence),
        covered=covered,
        day=day,
        rate_text=lic.rate_text(licence),
        payout_form=payout_form or PayoutForm(),
        paid_form=PaidForm(formdata=None, paid_on=day),
    ), status


@bp.post("/licences/<int:licence_id>/payouts")
@allow(EDITORS)
def compute_payout(licence_id: int):
    db = get_session()
    licence = lic.get_licence(db, licence_id, with_works=True)
    form = PayoutForm()
    back = url_for("licensing.licence", licence_id=licence.id)
    return handle_form(
        form,
        lambda db: lic.compute_payout(
            db, current_user, licence, form.period.data, form.revenue.data or None
        ),
        render=lambda status: _licence_page(db, licence, payout_form=form, status=status),
        success=lambda payout: (
            f"Payout for {payout.period} stored: {payout.works_count} works covered.",
            back,
        ),
        conflict_back=back,
    )


@bp.post("/licences/<int:licence_id>/payouts/<int:payout_id>/paid")
@allow(EDITORS)
def mark_paid(licence_id: int, payout_id: int):
    db = get_session()
    licence = lic.get_licence(db, licence_id)
    payout = lic.get_payout(db, licence, payout_id)
    form = PaidForm()
    target = url_for("licensing.licence", licence_id=licence.id)
    if not form.validate_on_submit():
        flash("Give the day it was paid.", "danger")
        return redirect(target)
    return handle_action(
        lambda db: lic.mark_paid(db, current_user, payout, form.paid_on.data),
        success=(f"Payout for {payout.period} marked paid.", target),
        back=target,
    )


# --- contributor fund ----------------------------------------------------------------------


@bp.get("/fund")
@allow(MONEY_READERS)
def fund():
    db = get_session()
    return render_template(
        "licensing/fund.html", form=FundForm(), runs=lic.recent_fund_runs(db), run=None
    )


@bp.post("/fund")
@allow(EDITORS)
def compute_fund():
    db = get_session()
    form = FundForm()
    return handle_form(
        form,
        lambda db: lic.compute_fund(
            db,
            current_user,
            period=form.period.data,
            amount=form.amount.data,
            currency=form.currency.data,
        ),
        render=lambda status: (
            render_template(
                "licensing/fund.html", form=form, runs=lic.recent_fund_runs(db), run=None
            ),
            status,
        ),
        success=lambda run: (
            f"Fund for {run.period} split among {len(run.shares)} creators.",
            url_for("licensing.fund_run", run_id=run.id),
        ),
    )


@bp.get("/fund/<int:run_id>")
@allow(MONEY_READERS)
def fund_run(run_id: int):
    db = get_session()
    return render_template(
        "licensing/fund.html",
        form=FundForm(),
        runs=lic.recent_fund_runs(db),
        run=lic.get_fund_run(db, run_id),
    )


# --- creator page section and timeline -----------------------------------------------------


def creator_section(db, creator, user) -> dict | None:
    """The licensing block of the creator page: the first works' grid and the licences."""
    context = creator_page_context(db, creator, None, SECTION_WORKS)
    context["can_edit"] = can(user, EDITORS_AND_LEGAL)
    return context


def _at(day) -> datetime:
    return datetime.combine(day, time(), UTC)


def timeline_entries(db, creator, user, limit: int) -> list[TimelineEntry]:
    url = url_for("licensing.creator", creator_id=creator.id)
    entries = []
    for c in db.scalars(
        select(Consent)
        .where(Consent.creator_id == creator.id)
        .order_by(Consent.created_at.desc())
        .limit(limit)
    ):
        what = f"{c.use.replace('_', ' ')}: {c.decision.replace('_', ' ')} ({c.scope_label})"
        entries.append(
            TimelineEntry(
                c.created_at, "consent", f"Consent recorded — {what}", f"Source: {c.source}", url
            )
        )
        if c.revoked_on:
            entries.append(
                TimelineEntry(
                    _at(c.revoked_on), "consent", f"Consent #{c.id} revoked — {what}", "", url
                )
            )
    for licence in db.scalars(
        select(Licence)
        .where(Licence.creator_id == creator.id)
        .order_by(Licence.created_at.desc())
        .limit(limit)
    ):
        entries.append(
            TimelineEntry(
                licence.created_at,
                "licence",
                f"Licence: {licence.title}",
                f"Uses: {', '.join(licence.uses)}",
                url_for("licensing.licence", licence_id=licence.id),
            )
        )
    payouts = db.execute(
        select(Payout, Licence.title)
        .join(Licence, Licence.id == Payout.licence_id)
        .where(Licence.creator_id == creator.id, Payout.paid_on.is_not(None))
        .order_by(Payout.paid_on.desc())
        .limit(limit)
    )
    for payout, title in payouts:
        detail = f"{payout.works_count} works"
        if can_see_money(user):
            from crm.common.money import format_money

            detail += f", {format_money(payout.amount_minor, payout.currency)}"
        entries.append(
            TimelineEntry(
                _at(payout.paid_on),
                "payout",
                f"Payout for {payout.period} paid ({title})",
                detail,
                url_for("licensing.licence", licence_id=payout.licence_id),
            )
        )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]
