"""The home dashboard (each domain adds a panel), the health check and the favicon."""

from flask import Blueprint, Flask, current_app, jsonify, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import text

from crm.common.permissions import ALL_ROLES, allow, public
from crm.common.registry import registry
from crm.db import get_session

bp = Blueprint("home", __name__)


@bp.get("/")
@allow(ALL_ROLES)
def index():
    db = get_session()
    panels = []
    for panel in sorted(registry(current_app).home_panels, key=lambda p: p.order):
        if current_user.role not in panel.roles:
            continue
        context = panel.build(db, current_user)
        if context is not None:
            panels.append((panel.template, context))
    return render_template("home/index.html", panels=panels)


@bp.get("/healthz")
@public
def healthz():
    try:
        db = get_session()
        db.execute(text("SELECT 1"))
        db.rollback()
    except Exception:
        current_app.logger.warning("health check: database unreachable")
        return jsonify({"status": "error", "database": "unreachable"}), 503
    return jsonify({"status": "ok", "database": "ok"})


@bp.get("/favicon.ico")
@public
def favicon():
    """Browsers and feed readers ask for /favicon.ico whatever the page links; the icon is
    the SVG of static/, so the request is answered instead of logged as a 404."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


def register(app: Flask) -> None:
    app.register_blueprint(bp)
