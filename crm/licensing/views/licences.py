"""Licensing pages: licences and their payouts, the contributor fund."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.common.labels import phrase, plural
from crm.common.pagination import SortKey, keyset_page, parse_limit
from crm.common.permissions import (
    ALL_ROLES,
    EDITORS,
    MONEY_READERS,
    allow,
)
from crm.creators.models import Creator
from crm.db import get_session
from crm.licensing import licences as lic
from crm.licensing import services
from crm.licensing.forms import (
    FundForm,
    LicenceForm,
    PaidForm,
    PayoutForm,
)
from crm.licensing.models import Licence, Work
from crm.licensing.services.licences import demand_of, refusals
from crm.licensing.views.base import MAX_SCOPE_WORKS, bp
from crm.web.forms import choices, handle_form

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
    form.work_ids.choices = choices(
        (w.id, f"#{w.id} {w.title} ({phrase(w.kind, 'work_kind')})") for w in works
    )
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
            territory=form.territory.data,
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
        once=True,
    )


@bp.get("/licences/<int:licence_id>")
@allow(ALL_ROLES)
def licence(licence_id: int):
    db = get_session()
    return _licence_page(db, lic.get_licence(db, licence_id, with_works=True))


def _licence_page(db, licence, payout_form=None, status=200, paid=None):
    """The licence page; a refused payout form, or a refused "paid on" of one payout
    (`paid`: its id and form), is shown again as typed with its messages."""
    creator = db.get(Creator, licence.creator_id)
    day = services.today()
    covered = set(lic.covered_work_ids(db, licence, day))
    dropped = [w for w in licence.works if w.id not in covered]
    why = refusals(db, dropped, list(licence.uses), day, demand_of(licence)) if dropped else {}
    return render_template(
        "licensing/licence.html",
        licence=licence,
        creator=creator,
        payouts=lic.list_payouts(db, licence),
        covered=covered,
        why=why,
        day=day,
        rate_text=lic.rate_text(licence),
        payout_form=payout_form or PayoutForm(formdata=None),
        paid_form=PaidForm(formdata=None, paid_on=day),
        paid=paid,
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
            f"Payout for {payout.period} stored: {plural(payout.works_count, 'work')} covered.",
            back,
        ),
    )


@bp.post("/licences/<int:licence_id>/payouts/<int:payout_id>/paid")
@allow(EDITORS)
def mark_paid(licence_id: int, payout_id: int):
    db = get_session()
    licence = lic.get_licence(db, licence_id)
    payout = lic.get_payout(db, licence, payout_id)
    form = PaidForm()
    return handle_form(
        form,
        lambda db: lic.mark_paid(db, current_user, payout, form.paid_on.data),
        render=lambda status: _licence_page(
            db,
            lic.get_licence(db, licence_id, with_works=True),
            status=status,
            paid=(payout_id, form),
        ),
        success=(
            f"Payout for {payout.period} marked paid.",
            url_for("licensing.licence", licence_id=licence_id),
        ),
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
            f"Fund for {run.period} split among {plural(len(run.shares), 'creator')}.",
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
