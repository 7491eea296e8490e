"""The licensing pages' blueprint and what its page groups share."""

from flask import Blueprint

bp = Blueprint("licensing", __name__, url_prefix="/licensing")

MAX_SCOPE_WORKS = 500
