"""Rights and releases pages: a work's rights and metadata, a creator's releases (with the
signed document), rights set in bulk, and a licence's manifest downloads."""

from __future__ import annotations

from flask import (
    Response,
    current_app,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from crm.common import uploads
from crm.common.errors import NotFound
from crm.common.filenames import download_name
from crm.common.labels import phrase, plural
from crm.common.permissions import ALL_ROLES, EDITORS, EDITORS_AND_LEGAL, allow, can
from crm.common.storage import storage_for
from crm.db import get_session
from crm.licensing import croissant, release_documents, services
from crm.licensing import licences as lic
from crm.licensing.forms import (
    RIGHTS_FORM_FIELDS,
    BulkRightsForm,
    ReleaseForm,
    RevokeForm,
    WorkForm,
    relicense_choice,
    rights_data,
)
from crm.licensing.models import USES, Release, Work
from crm.licensing.services import manifests
from crm.licensing.services.rights import Demand
from crm.licensing.services.territory import EVERYWHERE
from crm.licensing.views.base import MAX_SCOPE_WORKS, bp
from crm.licensing.views.works import _creator_page
from crm.web.forms import choices, handle_form
from crm.web.uploads import send_stored, with_upload

# --- a work's page -------------------------------------------------------------------------


def _work_form(work: Work, form: WorkForm | None = None) -> WorkForm:
    if form is not None:
        return form
    data = {name: getattr(work, name) for name in RIGHTS_FORM_FIELDS}
    data["tags"] = ", ".join(work.tags)
    data["co_holders"] = ", ".join(work.co_holders or [])
    for name in ("people_count", "duration_s", "width", "height"):
        value = data[name]
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        data[name] = "" if value is None else str(value)
    data["client_name"] = work.client_name or ""
    data["relicense_allowed"] = relicense_choice(work)
    data["language"] = work.language or ""
    return WorkForm(
        formdata=None,
        kind=work.kind,
        title=work.title,
        url=work.url,
        sha256=work.sha256,
        created_on=work.created_on,
        **data,
    )


def _work_page(db, work: Work, form: WorkForm | None = None, status: int = 200):
    day = services.today()
    found = list(db.scalars(services.list_releases_stmt(work_id=work.id).order_by(Release.id)))
    return render_template(
        "licensing/work.html",
        work=work,
        form=_work_form(work, form),
        releases=found,
        day=day,
        uses=USES,
        any_use=services.verdicts(db, [work], [], day)[work.id],
        # Per use as the registry answers it: releases covering the whole world.
        per_use=services.verdicts_per_use(db, [work], USES, day, Demand(territory=EVERYWHERE)),
        decisions=services.grid(db, [work], day)[work.id],
    ), status


@bp.get("/works/<int:work_id>")
@allow(ALL_ROLES)
def work(work_id: int):
    db = get_session()
    return _work_page(db, services.get_work(db, work_id))


@bp.post("/works/<int:work_id>")
@allow(EDITORS)
def edit_work(work_id: int):
    db = get_session()
    work = services.get_work(db, work_id)
    form = WorkForm()
    return handle_form(
        form,
        lambda db: services.update_work(
            db,
            current_user,
            work,
            {
                "kind": form.kind.data,
                "title": form.title.data,
                "url": form.url.data,
                "sha256": form.sha256.data,
                "created_on": form.created_on.data,
            }
            | rights_data(form),
        ),
        render=lambda status: _work_page(db, work, form, status),
        success=lambda w: (
            f'Work "{w.title}" saved.',
            url_for("licensing.work", work_id=w.id),
        ),
    )


# --- rights in bulk ------------------------------------------------------------------------


@bp.post("/creators/<int:creator_id>/works/rights")
@allow(EDITORS)
def bulk_rights(creator_id: int):
    db = get_session()
    creator = services.get_creator(db, creator_id)
    form = BulkRightsForm(prefix="bulk")
    back = url_for("licensing.creator", creator_id=creator.id)
    return handle_form(
        form,
        lambda db: services.set_rights_in_bulk(
            db,
            current_user,
            creator.id,
            kind=form.kind.data or None,
            created_from=form.created_from.data,
            created_to=form.created_to.data,
            changes={
                "rights": form.rights.data,
                "rights_evidence": form.rights_evidence.data,
                "client_name": form.client_name.data,
                "relicense_allowed": form.relicense_allowed.data,
                "co_holders": form.co_holders.data,
            },
        ),
        render=lambda status: _creator_page(db, creator, status=status, bulk_form=form),
        success=lambda count: (f"Rights set on {plural(count, 'work')}.", back),
    )


# --- releases ------------------------------------------------------------------------------


def _release_form(db, creator_id: int, form: ReleaseForm | None = None) -> ReleaseForm:
    form = form or ReleaseForm()
    works = db.execute(
        select(Work.id, Work.title, Work.kind)
        .where(Work.creator_id == creator_id)
        .order_by(Work.id)
        .limit(MAX_SCOPE_WORKS)
    )
    form.work_ids.choices = choices(
        (w.id, f"#{w.id} {w.title} ({phrase(w.kind, 'work_kind')})") for w in works
    )
    return form


def _releases_page(db, creator, form: ReleaseForm | None = None, status: int = 200, revoke=None):
    """The releases page; `revoke` is a release id and its refused revocation form."""
    found = list(
        db.scalars(services.list_releases_stmt(creator_id=creator.id).order_by(Release.id.desc()))
    )
    return render_template(
        "licensing/releases.html",
        creator=creator,
        releases=found,
        form=_release_form(db, creator.id, form),
        revoke_form=RevokeForm(formdata=None, revoked_on=services.today()),
        revoke=revoke,
        day=services.today(),
    ), status


@bp.get("/creators/<int:creator_id>/releases")
@allow(ALL_ROLES)
def releases(creator_id: int):
    db = get_session()
    return _releases_page(db, services.get_creator(db, creator_id))


@bp.post("/creators/<int:creator_id>/releases")
@allow(EDITORS_AND_LEGAL)
def add_release(creator_id: int):
    limit = current_app.config.get("NDA_MAX_BYTES", release_documents.DEFAULT_MAX_BYTES)
    if (request.content_length or 0) > limit + 64 * 1024:
        raise release_documents.PayloadTooLarge(
            f"The document is larger than {limit // 1048576} MB."
        )
    db = get_session()
    creator = services.get_creator(db, creator_id)
    form = _release_form(db, creator.id)
    storage = storage_for()
    call = with_upload(
        form.document.data,
        allowance=lambda: uploads.allowance(db, current_user, current_app.config),
        store=lambda stream, filename, quota: release_documents.write_document(
            stream, filename, storage, max_bytes=limit, allowance=quota
        ),
        call=lambda db, stored: services.create_release(
            db,
            current_user,
            creator_id=creator.id,
            kind=form.kind.data,
            subject=form.subject.data,
            uses=form.uses.data,
            media=form.media.data,
            territory=form.territory.data,
            signed_on=form.signed_on.data,
            expires_on=form.expires_on.data,
            work_ids=form.work_ids.data,
            document=stored,
        ),
        discard=lambda stored: release_documents.remove_file(storage, stored.path),
    )
    return handle_form(
        form,
        call,
        render=lambda status: _releases_page(db, creator, form, status),
        success=lambda release: (
            f"Release #{release.id} recorded for {plural(len(release.works), 'work')}.",
            url_for("licensing.releases", creator_id=creator.id),
        ),
    )


@bp.post("/releases/<int:release_id>/revoke")
@allow(EDITORS_AND_LEGAL)
def revoke_release(release_id: int):
    db = get_session()
    release = services.get_release(db, release_id)
    creator_id = release.creator_id
    form = RevokeForm()
    return handle_form(
        form,
        lambda db: services.revoke_release(db, current_user, release, form.revoked_on.data),
        render=lambda status: _releases_page(
            db, services.get_creator(db, creator_id), status=status, revoke=(release_id, form)
        ),
        success=lambda _: (
            f"Release #{release_id} revoked from {release.revoked_on}.",
            url_for("licensing.releases", creator_id=creator_id),
        ),
    )


@bp.get("/releases/<int:release_id>/document")
@allow(ALL_ROLES)
def release_document(release_id: int):
    # Viewers never get a signed release: 404, so its existence does not leak either.
    if not can(current_user, EDITORS_AND_LEGAL):
        raise NotFound("No such document.")
    release = services.get_release(get_session(), release_id)
    stored = release_documents.open_document(storage_for(), release)
    if stored is None:
        raise NotFound("No such document.")
    return send_stored(
        stored,
        mimetype="application/pdf",
        download_name=download_name(release.document_name, f"release-{release.id}.pdf"),
        max_age=0,
    )


# --- manifest downloads --------------------------------------------------------------------


def _manifest(licence_id: int):
    db = get_session()
    licence = lic.get_licence(db, licence_id)
    found = manifests.manifest(db, licence, request.args.get("period") or None)
    db.commit()  # a period that is over is frozen on its first request
    return db, licence, found


@bp.get("/licences/<int:licence_id>/manifest.csv")
@allow(ALL_ROLES)
def licence_manifest_csv(licence_id: int):
    _db, licence, found = _manifest(licence_id)
    response = Response(croissant.manifest_csv(found), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="licence-{licence.id}-{found.period}.csv"'
    )
    return response


@bp.get("/licences/<int:licence_id>/croissant.json")
@allow(ALL_ROLES)
def licence_croissant(licence_id: int):
    db, licence, found = _manifest(licence_id)
    creator = services.get_creator(db, licence.creator_id)
    args = {"licence_id": licence.id, "period": found.period}
    body = croissant.croissant(
        licence,
        found,
        dataset_url=url_for("licensing.licence_croissant", _external=True, **args),
        csv_url=url_for("licensing.licence_manifest_csv", _external=True, **args),
        creator_name=creator.display_name,
    )
    response = jsonify(body)
    response.mimetype = "application/ld+json"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="licence-{licence.id}-{found.period}.croissant.json"'
    )
    return response
