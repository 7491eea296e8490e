"""The words people read for every stored code: one table, used by pages, emails and exports.

The database, the JSON API and the CSV files made for re-import keep the codes (`in_review`,
`ai_generative_training`); everything a person reads goes through `label()`, so a code never
shows raw and one value reads the same on every page. The table is keyed by kind (one per
column or choice tuple in the models) because a few codes mean different things in different
places (`creator` is a rights holder, a portal relation and a custom-field record). Without a
kind, `label()` uses the words every kind agrees on, or the first kind that names the code.

A test reads every choice tuple of the models and fails when one of its values has no label
here, so a new value cannot ship raw.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

_STATES = {
    "draft": "Draft",
    "sent": "Sent",
    "signed": "Signed",
    "active": "Active",
    "expired": "Expired",
    "pending": "Pending",
    "sending": "Sending",
    "failed": "Failed",
}

LABELS: dict[str, dict[str, str]] = {
    # people
    "role": {"admin": "Admin", "manager": "Manager", "legal": "Legal", "viewer": "Viewer"},
    "relation": {"creator": "Creator", "representative": "Representative"},
    "link_purpose": {"invite": "Invitation", "login": "Sign-in link", "reset": "Password reset"},
    "login_kind": {"login": "Sign-in", "reset": "Password reset"},
    # creators
    "creator_status": {
        "prospect": "Prospect",
        "contacted": "Contacted",
        "negotiating": "Negotiating",
        "active": "Active",
        "paused": "Paused",
        "ended": "Ended",
        "do_not_contact": "Do not contact",
    },
    "platform": {
        "youtube": "YouTube",
        "instagram": "Instagram",
        "tiktok": "TikTok",
        "x": "X",
        "twitch": "Twitch",
        "linkedin": "LinkedIn",
        "other": "Other",
    },
    "interaction_kind": {
        "email": "Email",
        "call": "Call",
        "meeting": "Meeting",
        "message": "Message",
        "event": "Event",
        "note": "Note",
    },
    "custom_field_entity": {"creator": "Creator", "deal": "Deal"},
    "custom_field_type": {
        "text": "Text",
        "number": "Number",
        "date": "Date",
        "choice": "One choice",
        "choices": "Several choices",
        "url": "Link",
    },
    "bulk_action": {
        "add_tags": "Add tags",
        "remove_tags": "Remove tags",
        "set_status": "Change status",
        "set_owner": "Assign owner",
        "archive": "Archive",
    },
    "bulk_job_status": {"pending": "Pending", "running": "Running", "done": "Done"},
    # agreements
    "nda_status": {k: _STATES[k] for k in ("draft", "sent", "signed", "expired")}
    | {"terminated": "Terminated"},
    "grant_status": {
        "scheduled": "Scheduled",
        "active": "Active",
        "suspended": "Suspended",
        "revoked": "Revoked",
        "expired": "Expired",
    },
    "deal_kind": {"paid": "Paid", "in_kind": "In kind", "hybrid": "Paid and in kind"},
    "deal_status": {
        "proposed": "Proposed",
        "negotiating": "Negotiating",
        "signed": "Signed",
        "active": "Active",
        "completed": "Completed",
        "cancelled": "Cancelled",
    },
    # approvals
    "submission_status": {
        "draft": "Draft",
        "in_review": "In review",
        "changes_requested": "Changes requested",
        "approved": "Approved",
        "rejected": "Rejected",
        "published": "Published",
        "withdrawn": "Withdrawn",
    },
    "submission_decision": {
        "approve": "Approved",
        "request_changes": "Changes requested",
        "reject": "Rejected",
    },
    "submission_action": {
        "create": "Created",
        "submit": "Submitted for review",
        "add_revision": "New revision",
        "approve": "Approved",
        "request_changes": "Changes requested",
        "reject": "Rejected",
        "publish": "Published",
        "withdraw": "Withdrawn",
        "reopen": "Back to review",
    },
    "jurisdiction": {
        "US": "United States",
        "UK": "United Kingdom",
        "FR": "France",
        "DE": "Germany",
        "EU": "European Union",
    },
    "marker_position": {"visible": "Anywhere visible", "start": "At the start"},
    "ai_caption_mode": {
        "never": "Never",
        "always": "Always",
        "with_connection": "When there is a paid connection",
        "with_person": "When a realistic person is shown",
        "without_platform_label": "When the platform's AI label is not set",
    },
    # feedback
    "feedback_category": {
        "limitation": "Limitation",
        "bug": "Bug",
        "feature_request": "Feature request",
        "safety": "Safety",
        "accessibility": "Accessibility",
        "praise": "Praise",
    },
    "feedback_severity": {"low": "Low", "medium": "Medium", "high": "High", "critical": "Critical"},
    "feedback_status": {
        "new": "New",
        "triaged": "Triaged",
        "forwarded": "Forwarded",
        "resolved": "Resolved",
        "wont_fix": "Won't fix",
    },
    # licensing and consent
    "work_kind": {
        "video": "Video",
        "image": "Image",
        "text": "Text",
        "audio": "Audio",
        "other": "Other",
    },
    "consent_use": {
        "data_mining": "Data mining",
        "ai_inference": "AI inference",
        "ai_training": "AI training",
        "ai_generative_training": "Generative AI training",
    },
    "consent_decision": {
        "allowed": "Allowed",
        "not_allowed": "Not allowed",
        "constrained": "Allowed with conditions",
    },
    "consent_source": {
        "contract": "Contract",
        "creator_request": "Creator's request",
        "registry": "Registry",
        "c2pa": "C2PA manifest",
        "ai_txt": "ai.txt",
    },
    "signal_source": {
        "robots": "robots.txt",
        "robots_pref": "robots.txt preference",
        "tdmrep": "tdmrep.json",
        "header": "TDM reservation header",
        "header_pref": "TDM policy header",
        "meta": "TDM reservation meta tag",
        "ai_txt": "ai.txt",
        "c2pa": "C2PA manifest",
    },
    "fee_model": {"flat": "Flat fee", "per_work": "Per work", "revenue_share": "Revenue share"},
    "payout_status": {"due": "Due", "paid": "Paid"},
    "rights": {
        "creator": "The creator owns it",
        "shared": "Shared with other holders",
        "client": "Made for a client",
        "unknown": "Unknown",
    },
    "release_kind": {"model": "Model release", "property": "Property release"},
    "conflict_resolution": {"consent_kept": "Consent kept", "consent_revoked": "Consent revoked"},
    "receipt_event": {"create": "Recorded", "revoke": "Revoked"},
    "consent_scope": {"work": "This work", "kind": "All works of a kind", "all": "All works"},
    "registry_event": {
        "consent.changed": "Consent changed",
        "work.added": "Work added",
        "work.removed": "Work removed",
        "rights.changed": "Rights changed",
    },
    # engines
    "reminder_status": {"open": "Open", "done": "Done", "dismissed": "Dismissed"},
    "reminder_bulk_action": {"done": "Mark done", "snooze": "Snooze", "reassign": "Reassign"},
    "subject_type": {
        "creator": "Creator",
        "nda": "NDA",
        "grant": "Grant",
        "deal": "Deal",
        "payment": "Payment",
        "submission": "Submission",
        "feedback": "Feedback",
    },
    "timeline_kind": {
        "interaction": "Interaction",
        "nda": "NDA",
        "grant": "Grant",
        "deal": "Deal",
        "submission": "Submission",
        "feedback": "Feedback",
        "metrics": "Audience",
        "consent": "Consent",
        "licence": "Licence",
        "payout": "Payout",
        "portal": "Portal",
    },
    "calendar_kind": {
        "post": "Planned post",
        "embargo": "Embargo lifts",
        "nda_end": "NDA ends",
        "grant_end": "Grant ends",
        "payment_due": "Payment due",
    },
    "metric_source": {"api": "Platform API", "manual": "Entered by hand", "import": "Imported"},
    "outbox_status": {k: _STATES[k] for k in ("pending", "sending", "sent", "failed")},
    "delivery_status": {k: _STATES[k] for k in ("pending", "sending", "sent", "failed")},
    "digest_status": {"claimed": "Preparing", "queued": "Queued", "empty": "Nothing to send"},
    "chat_event": {
        "decision_recorded": "Decision recorded",
        "critical_feedback": "Critical feedback",
        "grant_suspended": "Grant suspended",
        "consent_conflict": "Consent conflict",
    },
}

# Kinds that say the same thing, asked for under a field's name (`status` of an NDA …).
_FIELD_KINDS: dict[tuple[str, str], str] = {
    ("creator", "status"): "creator_status",
    ("nda", "status"): "nda_status",
    ("grant", "status"): "grant_status",
    ("deal", "status"): "deal_status",
    ("deal", "kind"): "deal_kind",
    ("submission", "status"): "submission_status",
    ("feedback", "status"): "feedback_status",
    ("feedback", "category"): "feedback_category",
    ("feedback", "severity"): "feedback_severity",
    ("reminder", "status"): "reminder_status",
    ("work", "kind"): "work_kind",
    ("work", "rights"): "rights",
    ("consent", "use"): "consent_use",
    ("consent", "decision"): "consent_decision",
    ("consent", "source"): "consent_source",
    ("consent", "kind"): "work_kind",
    ("release", "kind"): "release_kind",
    ("licence", "fee_model"): "fee_model",
    ("payout", "status"): "payout_status",
    ("user", "role"): "role",
    ("account", "platform"): "platform",
    ("submission", "platform"): "platform",
}
# A field name alone, whatever the record.
_FIELD_ONLY = {
    "role": "role",
    "platform": "platform",
    "use": "consent_use",
    "uses": "consent_use",
    "decision": "consent_decision",
    "rights": "rights",
    "fee_model": "fee_model",
    "category": "feedback_category",
    "severity": "feedback_severity",
    "media": "work_kind",
    "jurisdiction": "jurisdiction",
}


def _flat() -> dict[str, str]:
    out: dict[str, str] = {}
    for table in LABELS.values():
        for code, words in table.items():
            out.setdefault(code, words)
    return out


_ANY = _flat()


def humanize(code: str) -> str:
    """The fallback for a code no table names: underscores to spaces, first letter up."""
    text = code.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def kind_for(entity: str | None, field: str) -> str | None:
    """The table for a record's field, e.g. ("nda", "status") → "nda_status"."""
    if entity is not None and (entity, field) in _FIELD_KINDS:
        return _FIELD_KINDS[(entity, field)]
    return _FIELD_ONLY.get(field)


def label(value: object, kind: str | None = None) -> str:
    """The words for a code (`in_review` → "In review"); "" for None; other values as text.

    `kind` names the table (`submission_status`); an unknown kind is an error, so a typo in a
    template fails its test instead of quietly showing the code."""
    if value is None:
        return ""
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(label(v, kind) for v in value)
    code = str(value)
    if kind is not None:
        found = LABELS[kind].get(code)
        if found is not None:
            return found
    return _ANY.get(code) or humanize(code)


def phrase(value: object, kind: str | None = None) -> str:
    """The label for the middle of a sentence: "is now in review", "generative AI training".
    The first letter goes down unless the first word is an acronym or a name (AI, NDA,
    YouTube)."""
    words = label(value, kind)
    first = words.split(" ", 1)[0]
    if len(first) > 1 and any(ch.isupper() for ch in first[1:]):
        return words
    return words[:1].lower() + words[1:]


def choices(kind: str, codes: Iterable[str] | None = None) -> list[tuple[str, str]]:
    """(code, label) pairs for a select, in the given order (the table's when none)."""
    table = LABELS[kind]
    return [(c, label(c, kind)) for c in (table if codes is None else codes)]


def plural(n: int | None, singular: str, plural: str | None = None) -> str:
    """ "1 new creator", "2 new creators", "0 updates": the count and the right noun form.

    The plural is `singular + "s"` unless given ("1 entry", "2 entries")."""
    count = n or 0
    word = singular if count == 1 else (plural or _plural_of(singular))
    return f"{count:,} {word}"


def _plural_of(singular: str) -> str:
    head, _, last = singular.rpartition(" ")
    prefix = f"{head} " if head else ""
    if last.endswith("y") and last[-2:-1] not in ("a", "e", "o", "u", ""):
        return f"{prefix}{last[:-1]}ies"
    if last.endswith(("s", "x", "ch", "sh")):
        return f"{prefix}{last}es"
    return f"{prefix}{last}s"


def table(kind: str) -> Mapping[str, str]:
    return LABELS[kind]
