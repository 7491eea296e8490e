"""Rights and releases in the media manager: a creator says who holds the rights of their
works (one by one, or in bulk by kind or date range), what the works show, and records
the model and property releases they hold, with the signed PDF.

Every rule is the licensing domain's (crm.licensing.services: `update_work`,
`set_rights_in_bulk`, `create_release`, `revoke_release`, `verdicts`), called as the staff
pages and the API call it, with the creator as actor and `creator_request` as the source in
the audit log.
Any work or release id of another creator is not found.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crm.common.actor import CreatorActor
from crm.common.errors import FieldErrors, Invalid, NotFound
from crm.licensing.models import Release, Work
from crm.licensing.services import (
    create_release,
    get_work,
    list_releases_stmt,
    revoke_release,
    set_rights_in_bulk,
    update_work,
    verdicts,
)
from crm.licensing.services.rights import NOT_KNOWN, Verdict
from crm.portal.services import activity
from crm.portal.services.media import own_work

SOURCE = "creator_request"
RELICENSE = {"yes": True, "no": False, "unknown": NOT_KNOWN}
MAX_EVIDENCE = 5000


@dataclass(frozen=True)
class RightsChoice:
    """What the rights form says; `relicense` is yes, no or unknown (client work only)."""

    rights: str
    evidence: str = ""
    co_holders: str = ""
    client_name: str = ""
    relicense: str = "unknown"


def _rights_changes(choice: RightsChoice) -> dict[str, Any]:
    errors = FieldErrors()
    evidence = (choice.evidence or "").strip()
    if choice.rights in ("creator", "shared", "client") and not evidence:
        errors.add(
            "evidence",
            "say what shows it (the contract, the commission, or a statement that you made it)",
        )
    if choice.rights == "client" and choice.relicense not in RELICENSE:
        errors.add("relicense", "choose yes, no or not known")
    errors.raise_if_any()
    return {
        "rights": choice.rights,
        "rights_evidence": evidence,
        "co_holders": choice.co_holders or "",
        "client_name": choice.client_name or "",
        "relicense_allowed": RELICENSE.get(choice.relicense, NOT_KNOWN),
    }


def set_work_rights(
    session: Session,
    actor: CreatorActor,
    work_id: int,
    choice: RightsChoice,
    *,
    people_present: bool,
    people_count: int | None,
    property_present: bool,
    created_on: date | None,
) -> Work:
    """The rights of one of the creator's works and what it shows."""
    work = get_work(session, own_work(session, actor.creator_id, work_id).id)
    changes = _rights_changes(choice) | {
        "people_present": people_present,
        "people_count": people_count if people_present else None,
        "property_present": property_present,
        "created_on": created_on,
    }
    update_work(session, actor, work, changes, source=SOURCE)
    activity.note(
        session, actor, "work.rights", f"set the rights of “{work.title}” to {work.rights}",
        "work", work.id,
    )  # fmt: skip
    return work


def set_rights_in_bulk_for(
    session: Session,
    actor: CreatorActor,
    choice: RightsChoice,
    *,
    kind: str | None,
    created_from: date | None,
    created_to: date | None,
) -> int:
    """The rights of every work of theirs of a kind (or all), made within the dates given."""
    count = set_rights_in_bulk(
        session,
        actor,
        actor.creator_id,
        kind=kind,
        created_from=created_from,
        created_to=created_to,
        changes=_rights_changes(choice),
        source=SOURCE,
    )
    scope = f"all {kind} works" if kind else "all works"
    if created_from or created_to:
        scope += f" made {created_from or '…'} to {created_to or '…'}"
    activity.note(
        session, actor, "work.rights_bulk",
        f"set the rights of {count} works ({scope}) to {choice.rights}", "work", None,
    )  # fmt: skip
    return count


@dataclass(frozen=True)
class ReleaseInput:
    kind: str
    subject: str
    uses: Sequence[str]
    work_ids: Sequence[int]
    media: Sequence[str] = ()
    territory: str = ""
    signed_on: date | None = None
    expires_on: date | None = None


def add_release(
    session: Session,
    actor: CreatorActor,
    data: ReleaseInput,
    document: Any = None,
    *,
    require_document: bool = False,
) -> Release:
    """A release the creator holds, attached to works of theirs (another creator's work
    id is not found); `document` is the stored signed PDF (the portal asks for one)."""
    ids = sorted(set(data.work_ids))
    if ids:
        own = set(
            session.scalars(
                select(Work.id).where(Work.id.in_(ids), Work.creator_id == actor.creator_id)
            )
        )
        if own != set(ids):
            raise NotFound("No such work.")
    if require_document and document is None:
        raise Invalid({"document": ["attach the signed release (a PDF)"]})
    release = create_release(
        session,
        actor,
        kind=data.kind,
        subject=data.subject,
        uses=list(data.uses),
        media=list(data.media),
        territory=data.territory,
        signed_on=data.signed_on,
        expires_on=data.expires_on,
        work_ids=ids,
        creator_id=actor.creator_id,
        document=document,
        source=SOURCE,
    )
    activity.note(
        session, actor, "release.create",
        f"recorded a {release.kind} release ({release.subject}) for {len(release.works)} works",
        "release", release.id,
    )  # fmt: skip
    return release


def own_releases(session: Session, creator_id: int, limit: int = 200) -> list[Release]:
    return list(
        session.scalars(
            list_releases_stmt(creator_id=creator_id).order_by(Release.id.desc()).limit(limit)
        )
    )


def own_release(session: Session, creator_id: int, release_id: int) -> Release:
    release = session.scalar(
        select(Release).where(Release.id == release_id).options(selectinload(Release.works))
    )
    if release is None or release.creator_id != creator_id:
        raise NotFound("No such release.")
    return release


def withdraw_release(
    session: Session, actor: CreatorActor, release_id: int, *, today: date
) -> Release:
    """The creator no longer relies on a release of theirs (the person or owner took it back,
    or it was recorded by mistake): from `today` it covers nothing, so the consent check,
    the registry and licences see the works it covered as unreleased. It only ever narrows
    what may be licensed, so any of their releases may be withdrawn, whoever recorded it;
    staff's revocation rule decides (a release already revoked is refused)."""
    release = own_release(session, actor.creator_id, release_id)
    revoke_release(session, actor, release, today, source=SOURCE)
    activity.note(
        session, actor, "release.revoke",
        f"withdrew a {release.kind} release ({release.subject})", "release", release.id,
    )  # fmt: skip
    return release


def work_releases(session: Session, work_id: int) -> list[Release]:
    return list(session.scalars(list_releases_stmt(work_id=work_id).order_by(Release.id)))


# --- the verdict in plain words ------------------------------------------------------------

_FIXED = {
    "rights unknown": "Who holds the rights is not recorded yet.",
    "client-owned, re-licensing not known": (
        "It was made for a client, and whether the contract lets you license it again is "
        "not known yet."
    ),
    "client-owned, no re-licence clause": (
        "It was made for a client whose contract does not let you license it again."
    ),
    "shared rights, the other holders not named": (
        "You share the rights, but the other holders are not named."
    ),
}
_PATTERNS = (
    (
        re.compile(r"^no model release for (1 person|\d+ people|people shown)(.*)$"),
        lambda m: "It shows {}, and no model release covers {}{}.".format(
            "people" if m[1] == "people shown" else m[1],
            "this person" if m[1] == "1 person" else "them",
            m[2],
        ),
    ),
    (
        re.compile(r"^model releases for (\d+) of (\d+) people shown(.*)$"),
        lambda m: f"It shows {m[2]} people, and only {m[1]} of them have a model release{m[3]}.",
    ),
    (
        re.compile(r"^no property release for property shown(.*)$"),
        lambda m: f"It shows property or a brand, and no property release covers it{m[1]}.",
    ),
)


def plain_reason(reason: str) -> str:
    """A verdict reason as the creator reads it."""
    if reason in _FIXED:
        return _FIXED[reason]
    for pattern, words in _PATTERNS:
        match = pattern.match(reason)
        if match:
            return words(match)
    return reason[:1].upper() + reason[1:] + "."


def plain_verdicts(
    session: Session, works: Sequence[Work], day: date
) -> dict[int, tuple[bool, list[str]]]:
    """Each work: may it be licensed (for some use), and if not, why, in plain words."""
    found: dict[int, Verdict] = verdicts(session, works, [], day)
    return {
        work_id: (v.licensable, [plain_reason(r) for r in v.reasons])
        for work_id, v in found.items()
    }
