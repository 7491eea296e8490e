"""Works, consent records and rule R10 (which consent decides a work's use on a day).

R10: the effective decision for (work, use, day) is the newest consent in force that day
(`effective_on <= day` and no `revoked_on` on or before it) among those that apply, the most
specific scope first: the work itself, then the work's kind, then all of the creator's works.
"Newest" is the latest `effective_on`; on the same day the record entered last (highest id)
wins. No consent at all means `not_allowed`.

`resolve()` answers for many works and uses at once with one query for the consents, so a
grid, the registry export and the consent check of 10,000 items run a fixed number of queries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from crm.audit.services import record
from crm.common.actor import Actor
from crm.common.csvfiles import CsvReader
from crm.common.errors import Conflict, FieldErrors, Invalid, NotFound
from crm.common.ids import parse_id
from crm.common.timeutil import org_today
from crm.creators.models import Creator
from crm.licensing.models import (
    CONSENT_SOURCES,
    DECISIONS,
    USES,
    WORK_KINDS,
    Consent,
    Work,
)

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_SPACE = re.compile(r"\s")
MAX_URL = 2000
MAX_TITLE = 300
# Keep IN lists well under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters.
IN_CHUNK = 10_000
WORK_FILTER_MAX = 500
DECISION_ORDER = {"not_allowed": 0, "constrained": 1, "allowed": 2}


def today() -> date:
    return org_today()


# --- normalisation -------------------------------------------------------------------------


def normalise_url(raw: str | None) -> str:
    """Lower-case scheme and host, drop default ports and the fragment; keep path and query.

    Raises ValueError for anything that is not an absolute http(s) URL."""
    text = (raw or "").strip()
    if not text or len(text) > MAX_URL or _SPACE.search(text):
        raise ValueError("must be an absolute http(s) URL without spaces")
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an absolute http(s) URL")
    host = parts.hostname.lower()
    try:
        port = parts.port
    except ValueError:
        raise ValueError("has an invalid port") from None
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    if parts.username or parts.password:
        raise ValueError("must not contain a user name or password")
    return urlunsplit((scheme, host, parts.path or "/", parts.query, ""))


def normalise_sha256(raw: str | None) -> str | None:
    text = (raw or "").strip().lower()
    if not text:
        return None
    if not SHA256_RE.match(text):
        raise ValueError("must be 64 hexadecimal characters (a SHA-256 digest)")
    return text


# --- R10 resolution ------------------------------------------------------------------------


@dataclass(frozen=True)
class Resolution:
    """An effective decision and the consent record that decides it (None: no record)."""

    decision: str
    consent: Consent | None

    @property
    def reason(self) -> str:
        c = self.consent
        if c is None:
            return "no consent recorded"
        return f"consent #{c.id} for {c.scope_label} ({c.source}, effective {c.effective_on})"

    def why(self) -> dict | None:
        c = self.consent
        if c is None:
            return None
        return {
            "consent_id": c.id,
            "scope": c.scope,
            "work_id": c.work_id,
            "kind": c.kind,
            "source": c.source,
            "effective_on": c.effective_on.isoformat(),
            "revoked_on": c.revoked_on.isoformat() if c.revoked_on else None,
            "constraint": c.constraint or None,
        }


NO_RECORD = Resolution("not_allowed", None)


def _chunks(values: Sequence, size: int = IN_CHUNK) -> Iterable[Sequence]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def consents_in_force(
    session: Session,
    creator_ids: Iterable[int],
    uses: Iterable[str],
    day: date,
    work_ids: Iterable[int] = (),
) -> list[Consent]:
    """Every consent of these creators for these uses in force on `day`, newest first."""
    creator_ids = sorted(set(creator_ids))
    uses = sorted(set(uses))
    work_ids = sorted(set(work_ids))
    if not creator_ids or not uses:
        return []
    found: list[Consent] = []
    for chunk in _chunks(creator_ids):
        stmt = select(Consent).where(
            Consent.creator_id.in_(chunk),
            Consent.use.in_(uses),
            Consent.effective_on <= day,
            or_(Consent.revoked_on.is_(None), Consent.revoked_on > day),
        )
        if work_ids and len(work_ids) <= WORK_FILTER_MAX:
            # Work-level records of other works cannot decide anything asked here. For long
            # lists, binding thousands of ids costs more than reading the creators' records.
            stmt = stmt.where(or_(Consent.work_id.is_(None), Consent.work_id.in_(work_ids)))
        found.extend(session.scalars(stmt))
    found.sort(key=lambda c: (c.effective_on, c.id), reverse=True)
    return found


def resolve(
    session: Session, works: Sequence, uses: Iterable[str], day: date
) -> dict[tuple[int, str], Resolution]:
    """R10 for every (work, use): one query for the consents, whatever the number of works.

    `works` are Work objects or rows with `id`, `creator_id` and `kind`."""
    uses = list(dict.fromkeys(uses))
    consents = consents_in_force(
        session, (w.creator_id for w in works), uses, day, (w.id for w in works)
    )
    newest: dict[tuple, Consent] = {}
    c: Consent | None
    for c in consents:  # newest first: the first record per scope key wins
        if c.work_id is not None:
            key: tuple = ("work", c.work_id, c.use)
        elif c.kind is not None:
            key = ("kind", c.creator_id, c.kind, c.use)
        else:
            key = ("all", c.creator_id, c.use)
        newest.setdefault(key, c)
    resolutions = {id(c): Resolution(c.decision, c) for c in newest.values()}
    result: dict[tuple[int, str], Resolution] = {}
    for w in works:
        work_id, creator_id, kind = w.id, w.creator_id, w.kind
        for use in uses:
            c = (
                newest.get(("work", work_id, use))
                or newest.get(("kind", creator_id, kind, use))
                or newest.get(("all", creator_id, use))
            )
            result[(work_id, use)] = resolutions[id(c)] if c is not None else NO_RECORD
    return result


def effective_decision(session: Session, work: Work, use: str, day: date) -> Resolution:
    return resolve(session, [work], [use], day)[(work.id, use)]


def usable(resolution: Resolution) -> bool:
    return resolution.decision in ("allowed", "constrained")


# --- the consent check (URLs and hashes from training pipelines) --------------------------


def check_items(session: Session, use: str, items: Sequence[dict], day: date) -> list[dict]:
    """Each item (`url` or `sha256`) with its decision for `use` on `day` and the why.

    Two queries in all: the works matching any URL or hash, then their consents. When a hash
    matches several works, the most restrictive decision among them answers."""
    if use not in USES:
        raise Invalid({"use": [f"must be one of {', '.join(USES)}"]})
    urls: dict[int, str] = {}
    hashes: dict[int, str] = {}
    for i, item in enumerate(items):
        if item.get("url") is not None:
            try:
                urls[i] = normalise_url(item["url"])
            except ValueError:
                continue  # cannot match any work: answered as unknown
        elif item.get("sha256") is not None:
            hashes[i] = item["sha256"].lower()
    url_set, hash_set = sorted(set(urls.values())), sorted(set(hashes.values()))
    rows = []
    if url_set or hash_set:
        cols = select(Work.id, Work.creator_id, Work.kind, Work.url, Work.sha256)
        conds = []
        if url_set:
            conds.append(Work.url.in_(url_set))
        if hash_set:
            conds.append(Work.sha256.in_(hash_set))
        rows = list(session.execute(cols.where(or_(*conds)).order_by(Work.id)))
    by_url = {r.url: r for r in rows}
    by_hash: dict[str, list] = {}
    for r in rows:
        if r.sha256:
            by_hash.setdefault(r.sha256, []).append(r)
    decided = resolve(session, rows, [use], day)
    explained: dict[int | None, tuple[str, dict | None]] = {}  # one "why" per consent

    def explain(res: Resolution) -> tuple[str, dict | None]:
        key = getattr(res.consent, "id", None)
        if key not in explained:
            explained[key] = (res.reason, res.why())
        return explained[key]

    out = []
    for i, item in enumerate(items):
        matches = []
        if i in urls:
            match = by_url.get(urls[i])
            matches = [match] if match else []
        elif i in hashes:
            matches = by_hash.get(hashes[i], [])
        answer = {k: item[k] for k in ("url", "sha256") if item.get(k) is not None}
        if not matches:
            answer.update(work_id=None, decision="not_allowed", reason="unknown work", why=None)
        else:
            if len(matches) == 1:
                work, res = matches[0], decided[(matches[0].id, use)]
            else:
                work, res = min(
                    ((m, decided[(m.id, use)]) for m in matches),
                    key=lambda pair: (DECISION_ORDER[pair[1].decision], pair[0].id),
                )
                answer["matched_work_ids"] = [m.id for m in matches]
            reason, why = explain(res)
            answer.update(work_id=work.id, decision=res.decision, reason=reason, why=why)
        out.append(answer)
    return out


def lookup(session: Session, query: str, day: date) -> list[tuple[Work, dict]]:
    """Legal's lookup: the works with this URL or hash, with every use's resolution."""
    text = (query or "").strip()
    stmt = select(Work)
    try:
        digest = normalise_sha256(text)
    except ValueError:
        digest = None
    if digest:
        stmt = stmt.where(Work.sha256 == digest)
    else:
        try:
            stmt = stmt.where(Work.url == normalise_url(text))
        except ValueError as exc:
            raise Invalid({"q": [f"Enter a URL or a SHA-256 hash: the URL {exc}."]}) from None
    works = list(session.scalars(stmt.order_by(Work.id)))
    decided = resolve(session, works, USES, day)
    return [(w, {u: decided[(w.id, u)] for u in USES}) for w in works]


def grid(session: Session, works: Sequence[Work], day: date) -> dict[int, dict[str, Resolution]]:
    decided = resolve(session, works, USES, day)
    return {w.id: {u: decided[(w.id, u)] for u in USES} for w in works}


# --- works ---------------------------------------------------------------------------------


def get_work(session: Session, work_id: int) -> Work:
    work = session.get(Work, work_id)
    if work is None:
        raise NotFound("No such work.")
    return work


def get_creator(session: Session, creator_id: int | None) -> Creator:
    creator = session.get(Creator, creator_id) if creator_id else None
    if creator is None:
        raise NotFound("No such creator.")
    return creator


def _clean_work(data: dict, errors: FieldErrors, prefix: str = "") -> dict:
    clean: dict = {}
    kind = (data.get("kind") or "").strip()
    if kind not in WORK_KINDS:
        errors.add(prefix + "kind", f"must be one of {', '.join(WORK_KINDS)}")
    clean["kind"] = kind
    title = (data.get("title") or "").strip()
    if not title:
        errors.add(prefix + "title", "is required")
    elif len(title) > MAX_TITLE:
        errors.add(prefix + "title", f"must be at most {MAX_TITLE} characters")
    clean["title"] = title
    try:
        clean["url"] = normalise_url(data.get("url"))
    except ValueError as exc:
        errors.add(prefix + "url", str(exc))
    try:
        clean["sha256"] = normalise_sha256(data.get("sha256"))
    except ValueError as exc:
        errors.add(prefix + "sha256", str(exc))
    created_on = data.get("created_on")
    if isinstance(created_on, str):
        try:
            created_on = date.fromisoformat(created_on.strip()) if created_on.strip() else None
        except ValueError:
            errors.add(prefix + "created_on", "must be a date YYYY-MM-DD")
            created_on = None
    clean["created_on"] = created_on
    return clean


def create_works(
    session: Session, actor: Actor, items: Sequence[dict], *, indexed: bool | None = None
) -> list[Work]:
    """Validate every item first (fields, creators, duplicate URLs), then write all or none.

    Each item has `creator_id`, `kind`, `title`, `url`, optional `sha256` and `created_on`.
    Field errors are keyed `items.N.field` (N from 0) when there is more than one item."""
    errors = FieldErrors()
    many = len(items) != 1 if indexed is None else indexed
    cleaned = []
    for n, data in enumerate(items):
        prefix = f"items.{n}." if many else ""
        clean = _clean_work(data, errors, prefix)
        clean["creator_id"] = data.get("creator_id")
        cleaned.append((prefix, clean))
    creator_ids = {c["creator_id"] for _p, c in cleaned if isinstance(c["creator_id"], int)}
    known: set[int] = set()
    for chunk in _chunks(sorted(creator_ids)):
        known.update(session.scalars(select(Creator.id).where(Creator.id.in_(chunk))))
    seen: dict[str, str] = {}
    for prefix, clean in cleaned:
        if clean["creator_id"] not in known:
            errors.add(prefix + "creator_id", "is not a known creator")
        url = clean.get("url")
        if url:
            if url in seen:
                errors.add(prefix + "url", "appears more than once in this batch")
            seen.setdefault(url, prefix)
    taken: set[str] = set()
    for chunk in _chunks(sorted(seen)):
        taken.update(session.scalars(select(Work.url).where(Work.url.in_(chunk))))
    for prefix, clean in cleaned:
        if clean.get("url") in taken:
            errors.add(prefix + "url", "is already registered as a work")
    errors.raise_if_any()
    works = [Work(**clean) for _p, clean in cleaned]
    session.add_all(works)
    session.flush()
    if len(works) == 1:
        w = works[0]
        record(session, actor, "work.create", "work", w.id, {"url": w.url, "kind": w.kind})
    else:
        record(
            session,
            actor,
            "work.import",
            "work",
            None,
            {"count": len(works), "ids": [w.id for w in works][:1000]},
        )
    return works


def create_work(session: Session, actor: Actor, **data: Any) -> Work:
    return create_works(session, actor, [data])[0]


def update_work(session: Session, actor: Actor, work: Work, changes: dict) -> Work:
    errors = FieldErrors()
    merged = {
        "kind": work.kind,
        "title": work.title,
        "url": work.url,
        "sha256": work.sha256,
        "created_on": work.created_on,
    } | changes
    clean = _clean_work(merged, errors)
    errors.raise_if_any()
    if clean["url"] != work.url and session.scalar(
        select(Work.id).where(Work.url == clean["url"], Work.id != work.id)
    ):
        raise Invalid({"url": ["is already registered as a work"]})
    before = {k: getattr(work, k) for k in clean}
    for key, value in clean.items():
        setattr(work, key, value)
    session.flush()
    after = {k: getattr(work, k) for k in clean}
    from crm.audit.services import diff

    record(session, actor, "work.update", "work", work.id, diff(before, after))
    return work


CSV_COLUMNS = ("creator_id", "kind", "title", "url", "sha256", "created_on")


def import_works_csv(session: Session, actor: Actor, text: str) -> list[Work]:
    """CSV with the header creator_id,kind,title,url[,sha256][,created_on]. Every row is
    checked before anything is written; errors name the CSV line (the header is line 1)."""
    reader = CsvReader(text)
    header = [(h or "").strip() for h in (reader.fieldnames or [])]
    missing = [c for c in ("creator_id", "kind", "title", "url") if c not in header]
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if missing or unknown:
        msg = []
        if missing:
            msg.append(f"missing columns: {', '.join(missing)}")
        if unknown:
            msg.append(f"unknown columns: {', '.join(unknown)}")
        raise Invalid({"file": ["; ".join(msg)]})
    items = []
    for row in reader:
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k}
        raw_id = row.get("creator_id", "")
        row["creator_id"] = parse_id(raw_id)
        items.append(row)
    if not items:
        raise Invalid({"file": ["has no rows"]})
    try:
        return create_works(session, actor, items, indexed=True)
    except Invalid as exc:
        out = FieldErrors()
        for key, messages in exc.errors.items():
            _items, n, field = key.split(".", 2)
            for m in messages:
                out.add(f"line {int(n) + 2}", f"{field} {m}")
        raise Invalid(out.errors) from None


def list_works_stmt(creator_id: int | None = None, kind: str | None = None) -> Select[Work]:
    stmt = select(Work)
    if creator_id is not None:
        stmt = stmt.where(Work.creator_id == creator_id)
    if kind is not None:
        stmt = stmt.where(Work.kind == kind)
    return stmt


def count_works(session: Session, creator_id: int) -> int:
    return session.execute(
        select(func.count()).select_from(Work).where(Work.creator_id == creator_id)
    ).scalar_one()


# --- consents ------------------------------------------------------------------------------


def get_consent(session: Session, consent_id: int) -> Consent:
    consent = session.get(Consent, consent_id)
    if consent is None:
        raise NotFound("No such consent record.")
    return consent


def consent_json_changes(c: Consent) -> dict:
    return {
        "creator_id": c.creator_id,
        "work_id": c.work_id,
        "kind": c.kind,
        "use": c.use,
        "decision": c.decision,
        "constraint": c.constraint,
        "source": c.source,
        "evidence": c.evidence,
        "effective_on": c.effective_on,
    }


SCOPE_FORMS = '"all", "kind:<kind>" or "work:<id>"'


def parse_scope(scope: str, errors: FieldErrors) -> tuple[int | None, str | None]:
    """What a consent applies to, written as one value (the consent form's choice, or the
    API's `scope`): "all", "kind:<kind>" or "work:<id>" → (work_id, kind). Anything else
    adds an error on `scope`."""
    name, _, value = (scope or "").strip().partition(":")
    if name == "all" and not value:
        return None, None
    if name == "kind" and value:
        return None, value
    work_id = parse_id(value) if name == "work" else None
    if work_id is not None:
        return work_id, None
    errors.add("scope", f"must be {SCOPE_FORMS}")
    return None, None


def create_consent(
    session: Session,
    actor: Actor,
    *,
    creator_id: int | None,
    use: str | None,
    decision: str | None,
    source: str | None,
    effective_on: date | None,
    work_id: int | None = None,
    kind: str | None = None,
    constraint: str | None = "",
    evidence: str | None = "",
    scope: str | None = None,
) -> Consent:
    """A consent for one use; scope: `work_id`, or `kind`, or neither (all works) — or
    `scope` in one value (see `parse_scope`)."""
    errors = FieldErrors()
    if scope is not None:
        if work_id is not None or kind:
            errors.add("scope", "give a scope, or a work_id or kind, not both")
        else:
            work_id, kind = parse_scope(scope, errors)
    creator = session.get(Creator, creator_id) if creator_id else None
    if creator is None:
        errors.add("creator_id", "is not a known creator")
    if work_id is not None and kind:
        errors.add("kind", "give a work or a kind, not both")
    if work_id is not None:
        work = session.get(Work, work_id)
        if work is None or (creator is not None and work.creator_id != creator.id):
            errors.add("work_id", "is not one of this creator's works")
    if kind and kind not in WORK_KINDS:
        errors.add("kind", f"must be one of {', '.join(WORK_KINDS)}")
    if use not in USES:
        errors.add("use", f"must be one of {', '.join(USES)}")
    if decision not in DECISIONS:
        errors.add("decision", f"must be one of {', '.join(DECISIONS)}")
    constraint = (constraint or "").strip()
    if decision == "constrained" and not constraint:
        errors.add("constraint", "is required when the decision is constrained")
    if source not in CONSENT_SOURCES:
        errors.add("source", f"must be one of {', '.join(CONSENT_SOURCES)}")
    if effective_on is None:
        errors.add("effective_on", "is required")
    errors.raise_if_any()
    assert creator is not None  # refused above when missing
    consent = Consent(
        creator_id=creator.id,
        work_id=work_id,
        kind=kind or None,
        use=use,
        decision=decision,
        constraint=constraint,
        source=source,
        evidence=(evidence or "").strip(),
        effective_on=effective_on,
        created_by_id=getattr(actor, "id", None),
    )
    session.add(consent)
    session.flush()
    record(session, actor, "consent.create", "consent", consent.id, consent_json_changes(consent))
    return consent


def record_consents(
    session: Session, actor: Actor, *, uses: Sequence[str], **consent: Any
) -> list[Consent]:
    """The same consent for several uses at once (one record per use), all or none; the
    other arguments are those of `create_consent`."""
    return [create_consent(session, actor, use=use, **consent) for use in uses]


def revoke_consent(
    session: Session, actor: Actor, consent: Consent, revoked_on: date | None
) -> Consent:
    """From `revoked_on` on, the record no longer decides anything; history stays."""
    if consent.revoked_on is not None:
        raise Conflict(f"Consent #{consent.id} was already revoked on {consent.revoked_on}.")
    if revoked_on is None:
        raise Invalid({"revoked_on": ["is required"]})
    if revoked_on < consent.effective_on:
        raise Invalid({"revoked_on": [f"must be on or after {consent.effective_on}"]})
    consent.revoked_on = revoked_on
    session.flush()
    record(
        session, actor, "consent.revoke", "consent", consent.id, {"revoked_on": [None, revoked_on]}
    )
    return consent


def list_consents_stmt(
    creator_id: int | None = None, work_id: int | None = None, use: str | None = None
) -> Select[Consent]:
    stmt = select(Consent)
    if creator_id is not None:
        stmt = stmt.where(Consent.creator_id == creator_id)
    if work_id is not None:
        stmt = stmt.where(Consent.work_id == work_id)
    if use is not None:
        stmt = stmt.where(Consent.use == use)
    return stmt
