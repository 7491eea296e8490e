"""/api/v1/accounts/{id}/snapshots: an account's history (GET) and manual entry (POST)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from flask import jsonify, request, url_for
from flask_login import current_user
from pydantic import Field, StrictInt

from crm.api.base import (
    ApiModel,
    ApiRoutes,
    OutModel,
    created,
    doc,
    iso,
    page_response,
    parse_body,
    query_date,
    query_limit,
)
from crm.common.permissions import ALL_ROLES, EDITORS, allow
from crm.common.timeutil import today_in
from crm.db import get_session
from crm.metrics import services

routes = ApiRoutes()

# Counts are JSON integers: no booleans, strings or fractions slipping through as numbers.
Count = Annotated[StrictInt, Field(ge=0)]


class SnapshotIn(ApiModel):
    bigint_fields = frozenset({"followers", "views", "posts"})
    captured_on: date
    followers: Count | None = None
    views: Count | None = None
    posts: Count | None = None


class SnapshotOut(OutModel):
    id: int
    account_id: int
    captured_on: str
    followers: int | None
    views: int | None
    posts: int | None
    source: str
    fetched_at: str


def snapshot_json(snapshot) -> dict:
    return {
        "id": snapshot.id,
        "account_id": snapshot.account_id,
        "captured_on": snapshot.captured_on.isoformat(),
        "followers": snapshot.followers,
        "views": snapshot.views,
        "posts": snapshot.posts,
        "source": snapshot.source,
        "fetched_at": iso(snapshot.fetched_at),
    }


@routes.get("/accounts/<int:account_id>/snapshots")
@allow(ALL_ROLES)
@doc(
    "An account's daily snapshots, newest first",
    list_of=SnapshotOut,
    query={
        "from": {"type": "string", "format": "date"},
        "to": {"type": "string", "format": "date"},
    },
)
def account_snapshots(account_id: int):
    db = get_session()
    account = services.get_account(db, account_id)
    page = services.list_snapshots(
        db,
        account,
        start=query_date("from"),
        end=query_date("to"),
        cursor=request.args.get("cursor"),
        limit=query_limit(),
    )
    return page_response(page, snapshot_json)


@routes.post("/accounts/<int:account_id>/snapshots")
@allow(EDITORS)
@doc(
    "Record a manual snapshot (a second one for the same day replaces that day's figures)",
    body=SnapshotIn,
    response=SnapshotOut,
    status=201,
)
def add_account_snapshot(account_id: int):
    db = get_session()
    account = services.get_account(db, account_id)
    body = parse_body(SnapshotIn)
    snapshot, was_created = services.record_manual_snapshot(
        db,
        current_user,
        account,
        captured_on=body.captured_on,
        followers=body.followers,
        views=body.views,
        posts=body.posts,
        today=today_in(current_user.timezone),
    )
    db.commit()
    payload = snapshot_json(snapshot)
    if was_created:
        return created(payload, url_for("api.account_snapshots", account_id=account.id))
    return jsonify(payload)
