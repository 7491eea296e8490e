"""The portal's blueprint and the helpers every portal page module uses. Its own module so
the page modules (views.py and views_*.py) attach to one blueprint without importing each
other."""

from __future__ import annotations

from flask import (
    Blueprint,
    render_template,
)

from crm.portal import loading

bp = Blueprint("portal", __name__, url_prefix="/portal")
bp.before_request(loading.load)


def _me() -> loading.PortalUser:
    return loading.current()


def _render(template: str, status: int = 200, **context):
    return render_template(template, preview=False, **context), status
