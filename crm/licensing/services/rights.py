"""Rights and releases: the one rule of the licensable set.

A work may be licensed (a licence may cover it; the consent check and the registry may call
it allowed for a use) only when
- its rights allow re-licensing: `creator`; `shared` with the other holders named; `client`
  only with a re-licence clause (`relicense_allowed`); never `unknown`; and
- every identifiable person it shows has a model release, and the property it shows a
  property release, attached to the work, in force on the day (signed, not expired, not
  revoked), for the work's medium and for every use asked — and, for a licence, for its
  territory and until it ends (`Demand`).

`verdicts()` answers for many works at once with at most one query per 10,000 works for the
releases (none when no work shows people or property), so the consent check of 10,000 items
and the registry run a fixed number of queries.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.common.errors import FieldErrors
from crm.licensing.models import (
    RIGHTS,
    Release,
    Work,
    release_covers,
    release_in_force,
    release_works,
)
from crm.licensing.services.base import in_chunks
from crm.licensing.services.territory import Territory, read_territory

MAX_TAGS = 50
MAX_TAG = 60
MAX_HOLDERS = 20
MAX_TEXT = 5000
MAX_DESCRIPTION = 2000
MAX_PEOPLE = 10_000
MAX_PIXELS_SIDE = 100_000
MAX_DURATION_S = 10_000_000
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", re.ASCII)
_TAG_SPACE = re.compile(r"\s+")
_TRUE = {"1", "true", "yes", "y", "on"}
_FALSE = {"", "0", "false", "no", "n", "off"}
#: The word for "nobody knows yet whether the client's contract allows re-licensing"; the API
#: says it with JSON null.
NOT_KNOWN = "unknown"
_NOT_KNOWN = {NOT_KNOWN, "not known", "?"}

# The columns a verdict reads; a query may select just these instead of whole works.
RIGHTS_COLUMNS = (
    Work.id,
    Work.creator_id,
    Work.kind,
    Work.rights,
    Work.relicense_allowed,
    Work.relicense_known,
    Work.co_holders,
    Work.people_present,
    Work.people_count,
    Work.property_present,
)


# --- the fields ----------------------------------------------------------------------------


def normalise_tag(raw: str) -> str:
    return _TAG_SPACE.sub("-", raw.strip().lower())


def _flag(value: Any, name: str, errors: FieldErrors, prefix: str) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    errors.add(prefix + name, "must be true or false")
    return False


def _relicense(value: Any, errors: FieldErrors, prefix: str) -> tuple[bool, bool]:
    """(allowed, known): yes, no, or not known yet — only said in words ("unknown");
    nothing said is no."""
    if isinstance(value, str) and value.strip().lower() in _NOT_KNOWN:
        return False, False
    if isinstance(value, str) and value.strip().lower() not in _TRUE | _FALSE:
        errors.add(prefix + "relicense_allowed", "must be yes, no or unknown")
        return False, True
    return _flag(value, "relicense_allowed", errors, prefix), True


def _whole(
    value: Any, name: str, low: int, high: int, errors: FieldErrors, prefix: str
) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        errors.add(prefix + name, "must be a whole number")
        return None
    if isinstance(value, str):
        if not value.strip().isascii() or not value.strip().isdigit():
            errors.add(prefix + name, "must be a whole number")
            return None
        value = int(value.strip())
    if not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            errors.add(prefix + name, "must be a whole number")
            return None
    if not low <= value <= high:
        errors.add(prefix + name, f"must be between {low} and {high}")
        return None
    return value


def _text_list(value: Any, name: str, errors: FieldErrors, prefix: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [v for v in re.split(r"[,;]", value)]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        errors.add(prefix + name, "must be a list of text")
        return []
    return [v.strip() for v in value if v.strip()]


def clean_rights(data: dict, errors: FieldErrors, prefix: str = "") -> dict:
    """The rights, what a work shows, and its training metadata, checked together (a client
    needs a name, shared rights the other holders)."""
    clean: dict = {}
    rights = data.get("rights") or "unknown"
    if rights not in RIGHTS:
        errors.add(prefix + "rights", f"must be one of {', '.join(RIGHTS)}")
    clean["rights"] = rights
    evidence = (data.get("rights_evidence") or "").strip()
    if len(evidence) > MAX_TEXT:
        errors.add(prefix + "rights_evidence", f"must be at most {MAX_TEXT} characters")
    clean["rights_evidence"] = evidence
    allowed, known = _relicense(data.get("relicense_allowed"), errors, prefix)
    clean["relicense_allowed"], clean["relicense_known"] = allowed, known
    holders = _text_list(data.get("co_holders"), "co_holders", errors, prefix)
    if len(holders) > MAX_HOLDERS or any(len(h) > 200 for h in holders):
        errors.add(prefix + "co_holders", f"at most {MAX_HOLDERS} names of 200 characters")
    client = (data.get("client_name") or "").strip() or None
    if client and len(client) > 300:
        errors.add(prefix + "client_name", "must be at most 300 characters")
    if rights == "shared" and not holders:
        errors.add(prefix + "co_holders", "name the other holders of shared rights")
    if rights == "client" and not client:
        errors.add(prefix + "client_name", "name the client the work was made for")
    clean["co_holders"] = holders if rights == "shared" else []
    clean["client_name"] = client if rights == "client" else None
    if rights != "client":
        clean["relicense_allowed"], clean["relicense_known"] = False, True
    people = _flag(data.get("people_present"), "people_present", errors, prefix)
    count = _whole(data.get("people_count"), "people_count", 1, MAX_PEOPLE, errors, prefix)
    if count is not None:
        people = True
    clean["people_present"] = people
    clean["people_count"] = count if people else None
    clean["property_present"] = _flag(
        data.get("property_present"), "property_present", errors, prefix
    )
    tags = [normalise_tag(t) for t in _text_list(data.get("tags"), "tags", errors, prefix)]
    tags = sorted({t for t in tags if t})
    if len(tags) > MAX_TAGS or any(len(t) > MAX_TAG for t in tags):
        errors.add(prefix + "tags", f"at most {MAX_TAGS} tags of {MAX_TAG} characters")
    clean["tags"] = tags
    language = (data.get("language") or "").strip() or None
    if language and (len(language) > 35 or not _LANGUAGE.match(language)):
        errors.add(prefix + "language", "must be a language tag such as en or pt-BR")
    clean["language"] = language
    duration = data.get("duration_s")
    if isinstance(duration, str):
        duration = duration.strip() or None
        if duration is not None:
            try:
                duration = float(duration)
            except ValueError:
                errors.add(prefix + "duration_s", "must be a number of seconds")
                duration = None
    if duration is not None:
        if isinstance(duration, bool) or not isinstance(duration, int | float):
            errors.add(prefix + "duration_s", "must be a number of seconds")
            duration = None
        elif not math.isfinite(duration) or not 0 <= duration <= MAX_DURATION_S:
            errors.add(prefix + "duration_s", f"must be between 0 and {MAX_DURATION_S} seconds")
            duration = None
    clean["duration_s"] = float(duration) if duration is not None else None
    for side in ("width", "height"):
        clean[side] = _whole(data.get(side), side, 1, MAX_PIXELS_SIDE, errors, prefix)
    description = (data.get("description") or "").strip()
    if len(description) > MAX_DESCRIPTION:
        errors.add(prefix + "description", f"must be at most {MAX_DESCRIPTION} characters")
    clean["description"] = description
    # PostgreSQL text cannot hold NUL: refused here, as a field error, not by the database.
    for name in ("rights_evidence", "client_name", "co_holders", "tags", "description"):
        value = clean[name]
        if any("\x00" in v for v in (value if isinstance(value, list) else [value or ""])):
            errors.add(prefix + name, "must not contain NUL characters")
    return clean


# --- the verdict ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """Whether a work may be licensed for some uses on a day, and if not, what is missing."""

    reasons: tuple[str, ...]

    @property
    def licensable(self) -> bool:
        return not self.reasons


LICENSABLE = Verdict(())


def rights_reasons(work: Any) -> list[str]:
    if work.rights == "unknown":
        return ["rights unknown"]
    if work.rights == "client" and not work.relicense_known:
        return ["client-owned, re-licensing not known"]
    if work.rights == "client" and not work.relicense_allowed:
        return ["client-owned, no re-licence clause"]
    if work.rights == "shared" and not work.co_holders:
        return ["shared rights, the other holders not named"]
    return []


def _people_needed(work: Any) -> int:
    if not work.people_present:
        return 0
    return max(1, work.people_count or 1)


@dataclass(frozen=True)
class Demand:
    """What a release must also cover beyond the day, the medium and the uses: a territory
    (None: any) and a term, the day the licence ends (`OPEN_ENDED` for a licence with no
    end; None: the day alone counts). `named` lets a reason name a release's subject (a
    person's name), kept out of what leaves the organisation (manifests, exports)."""

    territory: Territory | None = None
    through: date | None = None
    named: bool = True


OPEN_ENDED = date.max
ANY = Demand()


def _label(r: Any, named: bool) -> str:
    return f"{r.kind} release for {r.subject}" if named else f"release #{r.id}"


def _territory_gap(r: Any, demand: Demand) -> str:
    """What of the demanded territory the release leaves out ("" when it covers it)."""
    if demand.territory is None:
        return ""
    own = read_territory(r.territory)
    if own is None:
        return f"{demand.territory.text} (its territory {r.territory[:40]!r} is not understood)"
    return own.missing(demand.territory)


def _ends_early(r: Any, demand: Demand) -> bool:
    return demand.through is not None and r.expires_on is not None and r.expires_on < demand.through


def _counts(r: Any, kind: str, uses: Sequence[str], day: date, demand: Demand) -> bool:
    return (
        r.in_force_on(day)
        and r.covers(kind, uses)
        and not _territory_gap(r, demand)
        and not _ends_early(r, demand)
    )


def _why_not(
    releases: Sequence[Any], kind: str, uses: Sequence[str], day: date, demand: Demand
) -> str:
    notes = []
    for r in releases[:3]:
        if r.revoked_on is not None and r.revoked_on <= day:
            notes.append(f"release #{r.id} revoked {r.revoked_on}")
        elif r.expires_on is not None and r.expires_on < day:
            notes.append(f"release #{r.id} expired {r.expires_on}")
        elif r.signed_on is not None and r.signed_on > day:
            notes.append(f"release #{r.id} signed only on {r.signed_on}")
        elif r.media and kind not in r.media:
            notes.append(f"release #{r.id} does not cover {kind}")
        elif any(u not in r.uses for u in uses):
            missing = [u for u in uses if u not in r.uses]
            notes.append(f"release #{r.id} does not cover {', '.join(missing)}")
        elif gap := _territory_gap(r, demand):
            notes.append(f"{_label(r, demand.named)} does not cover {gap}")
        elif _ends_early(r, demand):
            end = "open-ended" if demand.through == OPEN_ENDED else f"ending {demand.through}"
            notes.append(f"release #{r.id} ends {r.expires_on}, before the licence ({end})")
    return f" ({'; '.join(notes)})" if notes else ""


def verdict(
    work: Any,
    releases: Sequence[Any],
    uses: Sequence[str],
    day: date,
    demand: Demand = ANY,
) -> Verdict:
    """The rule for one work; `releases` are those attached to it (any state)."""
    reasons = rights_reasons(work)
    for release_kind, needed in (
        ("model", _people_needed(work)),
        ("property", 1 if work.property_present else 0),
    ):
        if not needed:
            continue
        attached = [r for r in releases if r.kind == release_kind]
        good = [r for r in attached if _counts(r, work.kind, uses, day, demand)]
        if len(good) >= needed:
            continue
        bad = [r for r in attached if r not in good]
        detail = _why_not(bad, work.kind, uses, day, demand)
        if release_kind == "property":
            reasons.append(f"no property release for property shown{detail}")
        elif good:
            reasons.append(f"model releases for {len(good)} of {needed} people shown{detail}")
        elif work.people_count:
            who = "1 person" if needed == 1 else f"{needed} people"
            reasons.append(f"no model release for {who}{detail}")
        else:
            reasons.append(f"no model release for people shown{detail}")
    return Verdict(tuple(reasons)) if reasons else LICENSABLE


@dataclass(frozen=True, slots=True)
class ReleaseTerms:
    """What a verdict reads of a release, from a plain row instead of a loaded model."""

    id: int
    kind: str
    uses: list[str]
    media: list[str]
    signed_on: date | None
    expires_on: date | None
    revoked_on: date | None
    subject: str
    territory: str

    def in_force_on(self, day: date) -> bool:
        return release_in_force(self, day)

    def covers(self, kind: str, uses: Sequence[str]) -> bool:
        return release_covers(self, kind, uses)


def releases_by_work(session: Session, work_ids: Iterable[int]) -> dict[int, list[ReleaseTerms]]:
    """The releases attached to each work, read as rows (one statement per 10,000 works)."""
    ids = sorted(set(work_ids))
    found: dict[int, list[ReleaseTerms]] = {}
    for chunk in in_chunks(ids):
        rows = session.execute(
            select(
                release_works.c.work_id,
                Release.id,
                Release.kind,
                Release.uses,
                Release.media,
                Release.signed_on,
                Release.expires_on,
                Release.revoked_on,
                Release.subject,
                Release.territory,
            )
            .join(Release, Release.id == release_works.c.release_id)
            .where(release_works.c.work_id.in_(chunk))
            .order_by(Release.id)
        )
        for work_id, *terms in rows:
            found.setdefault(work_id, []).append(ReleaseTerms(*terms))
    return found


def verdicts(
    session: Session, works: Sequence[Any], uses: Sequence[str], day: date, demand: Demand = ANY
) -> dict[int, Verdict]:
    """The verdict of every work for all of `uses` at once (Work objects or rows with the
    RIGHTS_COLUMNS)."""
    out: dict[int, Verdict] = {}
    needing = []
    for w in works:
        reasons = rights_reasons(w)
        if reasons:
            out[w.id] = Verdict(tuple(reasons))
        elif w.people_present or w.property_present:
            needing.append(w)
        else:
            out[w.id] = LICENSABLE
    if needing:
        releases = releases_by_work(session, [w.id for w in needing])
        for w in needing:
            out[w.id] = verdict(w, releases.get(w.id, []), uses, day, demand)
    return out


def verdicts_per_use(
    session: Session, works: Sequence[Any], uses: Sequence[str], day: date, demand: Demand = ANY
) -> dict[tuple[int, str], Verdict]:
    """The verdict of every (work, use): a release may cover one use and not another."""
    needing = [
        w.id for w in works if (w.people_present or w.property_present) and not rights_reasons(w)
    ]
    releases = releases_by_work(session, needing) if needing else {}
    return {
        (w.id, use): verdict(w, releases.get(w.id, []), [use], day, demand)
        for w in works
        for use in uses
    }
