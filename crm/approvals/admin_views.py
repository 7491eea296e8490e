"""Pages: the check settings and the rule sets (admin), on the approvals blueprint."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user

from crm.approvals import rulesets, services
from crm.approvals.forms import EmptyForm, RuleSetForm, SettingsForm
from crm.approvals.views import bp
from crm.common.permissions import ADMINS, allow
from crm.db import get_session
from crm.web.forms import handle_action, handle_form


@bp.route("/admin/approval-settings", methods=["GET", "POST"])
@allow(ADMINS)
def settings():
    form = SettingsForm()
    if request.method == "GET":
        current = services.load_settings(get_session())
        form.disclosure_markers.data = "\n".join(current.disclosure_markers)
        form.vague_tags.data = "\n".join(current.vague_tags)
        form.banned_claims.data = "\n".join(current.banned_claims)
    return handle_form(
        form,
        lambda db: services.save_settings(
            db,
            current_user,
            disclosure_markers=(form.disclosure_markers.data or "").splitlines(),
            vague_tags=(form.vague_tags.data or "").splitlines(),
            banned_claims=(form.banned_claims.data or "").splitlines(),
        ),
        render=lambda status: _settings_page(get_session(), form, status),
        success=(
            "Check settings saved; they apply to revisions checked from now on.",
            url_for("approvals.settings"),
        ),
        code=303,
    )


def _settings_page(db, form, status: int):
    rule_sets = [(r, rulesets.version(db, r.code)) for r in rulesets.effective(db)]
    return render_template(
        "approvals/settings.html",
        form=form,
        rule_sets=rule_sets,
        history=rulesets.history(db),
        reset_form=EmptyForm(),
    ), status


@bp.route("/admin/approval-settings/rules/<code>", methods=["GET", "POST"])
@allow(ADMINS)
def rule_set(code: str):
    db = get_session()
    current = rulesets.get(db, code)
    form = RuleSetForm()
    if request.method == "GET":
        form.fill(current)
    return handle_form(
        form,
        lambda db: rulesets.save(db, current_user, code, form.document()),
        render=lambda status: (
            render_template(
                "approvals/rule_set.html",
                form=form,
                rule_set=current,
                version=rulesets.version(db, code),
                history=rulesets.history(db, code),
            ),
            status,
        ),
        success=(
            f"Rule set {code} saved; it applies to revisions checked from now on.",
            url_for("approvals.settings"),
        ),
    )


@bp.post("/admin/approval-settings/rules/<code>/reset")
@allow(ADMINS)
def rule_set_reset(code: str):
    rulesets.get(get_session(), code)  # 404 for an unknown code
    return handle_action(
        lambda db: rulesets.reset(db, current_user, code),
        success=(f"Rule set {code} is back to the shipped default.", url_for("approvals.settings")),
        back=url_for("approvals.settings"),
        form=EmptyForm(),
    )
