"""Who is logged in to the portal: the creator's server-side session (cookie key
`portal_sid`, never the staff `sid`), loaded before every portal route.

A staff login does not open the portal and a portal login opens nothing outside it: the
staff loader (crm.auth.loading) reads only `sid` and the API only bearer tokens, so staff
pages send a creator to the staff login and the API answers 401.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g, redirect, request, url_for
from flask import session as cookie
from flask.typing import ResponseReturnValue

from crm.common.actor import CreatorActor
from crm.common.permissions import PORTAL, access_of
from crm.creators.models import Creator
from crm.db import get_session
from crm.portal.models import PortalAccount, PortalMembership, PortalSession
from crm.portal.services import accounts

COOKIE_KEY = "portal_sid"


@dataclass
class PortalUser:
    row: PortalSession
    account: PortalAccount
    creator: Creator
    actor: CreatorActor
    memberships: list[PortalMembership]

    @property
    def creator_id(self) -> int:
        return self.creator.id


def settings() -> accounts.PortalSettings:
    return accounts.settings_from(current_app.config)


def load() -> ResponseReturnValue | None:
    """`before_request` of the portal blueprint: load the session; refuse portal-only
    routes without one (to the portal login, keeping where the creator was going)."""
    g.portal = None
    key = cookie.get(COOKIE_KEY)
    if key:
        db = get_session()
        row = accounts.load_session(db, key, settings())
        if db.dirty:
            db.commit()
        if row is None:
            cookie.pop(COOKIE_KEY, None)
        else:
            creator = db.get(Creator, row.creator_id)
            if creator is not None and not creator.archived:
                g.portal = PortalUser(
                    row,
                    row.account,
                    creator,
                    accounts.actor_for(row.account, creator.id),
                    list(row.account.memberships),
                )
    view = current_app.view_functions.get(request.endpoint or "")
    if access_of(view) == PORTAL and g.portal is None:
        return redirect(url_for("portal.login", next=request.full_path.rstrip("?")))
    return None


def current() -> PortalUser:
    portal = g.get("portal")
    if portal is None:  # only reachable if a portal route skipped the loader
        raise RuntimeError("no portal session")
    return portal
