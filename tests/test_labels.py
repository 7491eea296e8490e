"""The label table: every stored code people may read has words, and counts take the right
noun form."""

from __future__ import annotations

import pytest

from crm.agreements.models import DEAL_KINDS, DEAL_STATUSES, GRANT_STATUSES, NDA_STATUSES
from crm.approvals.disclosure.rules import AI_CAPTION_MODES, JURISDICTIONS, POSITIONS
from crm.approvals.models import DECISIONS as SUBMISSION_DECISIONS
from crm.approvals.models import SUBMISSION_STATUSES
from crm.approvals.services.states import ACTIONS as SUBMISSION_ACTIONS
from crm.calendar.services import KINDS as CALENDAR_KINDS
from crm.chat.models import EVENTS as CHAT_EVENTS
from crm.common import labels
from crm.common.labels import LABELS, label, phrase, plural
from crm.common.permissions import ROLES
from crm.creators.bulk import ACTIONS as BULK_ACTIONS
from crm.creators.models import (
    CREATOR_STATUSES,
    CUSTOM_FIELD_ENTITIES,
    CUSTOM_FIELD_TYPES,
    INTERACTION_KINDS,
    PLATFORMS,
)
from crm.digest.models import DELIVERY_STATUSES as DIGEST_STATUSES
from crm.feedback.models import CATEGORIES, SEVERITIES
from crm.feedback.models import STATUSES as FEEDBACK_STATUSES
from crm.licensing.changes import EVENTS as REGISTRY_EVENTS
from crm.licensing.models import (
    CONFLICT_RESOLUTIONS,
    CONSENT_SOURCES,
    FEE_MODELS,
    PAYOUT_STATUSES,
    RELEASE_KINDS,
    RIGHTS,
    USES,
    WORK_KINDS,
)
from crm.licensing.models import DECISIONS as CONSENT_DECISIONS
from crm.licensing.receipts import EVENTS as RECEIPT_EVENTS
from crm.mail.models import OUTBOX_STATUSES
from crm.metrics.models import SOURCES as METRIC_SOURCES
from crm.portal.models import LINK_PURPOSES, RELATIONS
from crm.reminders.models import REMINDER_STATUSES
from crm.reminders.views import BULK_ACTIONS as REMINDER_BULK_ACTIONS
from crm.webhooks.models import DELIVERY_STATUSES as WEBHOOK_STATUSES

# Every choice tuple of the models (and the few lifecycles kept beside their services), with
# the table that names its values. A new tuple belongs here; a new value needs a label.
CHOICES = {
    "role": ROLES,
    "relation": RELATIONS,
    "link_purpose": LINK_PURPOSES,
    "creator_status": CREATOR_STATUSES,
    "platform": PLATFORMS,
    "interaction_kind": INTERACTION_KINDS,
    "custom_field_entity": CUSTOM_FIELD_ENTITIES,
    "custom_field_type": CUSTOM_FIELD_TYPES,
    "bulk_action": BULK_ACTIONS,
    "bulk_job_status": ("pending", "running", "done"),
    "nda_status": NDA_STATUSES,
    "grant_status": GRANT_STATUSES,
    "deal_kind": DEAL_KINDS,
    "deal_status": DEAL_STATUSES,
    "submission_status": SUBMISSION_STATUSES,
    "submission_decision": SUBMISSION_DECISIONS,
    "submission_action": SUBMISSION_ACTIONS,
    "jurisdiction": JURISDICTIONS,
    "marker_position": POSITIONS,
    "ai_caption_mode": AI_CAPTION_MODES,
    "feedback_category": CATEGORIES,
    "feedback_severity": SEVERITIES,
    "feedback_status": FEEDBACK_STATUSES,
    "work_kind": WORK_KINDS,
    "consent_use": USES,
    "consent_decision": CONSENT_DECISIONS,
    "consent_source": CONSENT_SOURCES,
    "fee_model": FEE_MODELS,
    "payout_status": PAYOUT_STATUSES,
    "rights": RIGHTS,
    "release_kind": RELEASE_KINDS,
    "conflict_resolution": CONFLICT_RESOLUTIONS,
    "receipt_event": RECEIPT_EVENTS,
    "registry_event": REGISTRY_EVENTS,
    "reminder_status": REMINDER_STATUSES,
    "reminder_bulk_action": REMINDER_BULK_ACTIONS,
    "calendar_kind": CALENDAR_KINDS,
    "metric_source": METRIC_SOURCES,
    "outbox_status": OUTBOX_STATUSES,
    "delivery_status": WEBHOOK_STATUSES,
    "digest_status": DIGEST_STATUSES,
    "chat_event": tuple(CHAT_EVENTS),
}


@pytest.mark.parametrize("kind", sorted(CHOICES))
def test_every_value_of_every_choice_tuple_has_words(kind):
    table = LABELS[kind]
    missing = [code for code in CHOICES[kind] if code not in table]
    assert not missing, f"{kind}: no label for {missing} in crm/common/labels.py"
    for code in CHOICES[kind]:
        words = table[code]
        assert words.strip() and "_" not in words, (kind, code, words)


def test_every_choice_tuple_of_the_models_is_checked():
    """A new upper-case tuple of strings in a models module must be listed in CHOICES."""
    import ast
    from pathlib import Path

    from crm.common.paths import ROOT

    known = {id(v) for v in CHOICES.values()}
    # Tuples that are subsets of another (checked through it) or not shown to people.
    subsets = {"OPEN_STATUSES"}
    unchecked = []
    for path in sorted((Path(ROOT) / "crm").glob("*/models.py")):
        tree = ast.parse(path.read_text())
        module = __import__(f"crm.{path.parent.name}.models", fromlist=["_"])
        for node in tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Tuple):
                name = getattr(node.targets[0], "id", "")
                value = getattr(module, name, None)
                if (
                    name.isupper()
                    and name not in subsets
                    and isinstance(value, tuple)
                    and all(isinstance(v, str) for v in value)
                    and id(value) not in known
                ):
                    unchecked.append(f"{path.parent.name}.{name}")
    assert not unchecked, f"add these choice tuples to CHOICES: {unchecked}"


def test_labels_of_the_issue():
    assert label("in_review", "submission_status") == "In review"
    assert label("ai_generative_training", "consent_use") == "Generative AI training"
    assert label("not_allowed", "consent_decision") == "Not allowed"
    assert label("creator_request", "consent_source") == "Creator's request"
    assert label("in_kind", "deal_kind") == "In kind"
    assert label("youtube", "platform") == "YouTube"
    assert label("tiktok", "platform") == "TikTok"
    assert label("wont_fix", "feedback_status") == "Won't fix"


def test_without_a_kind_a_code_gets_the_words_of_the_first_table_naming_it():
    assert label("in_review") == "In review"
    assert label("youtube") == "YouTube"
    assert label("rights", None) == "Rights"  # unknown code: humanized, never raw


def test_a_kind_decides_between_meanings():
    assert label("creator", "rights") == "The creator owns it"
    assert label("creator", "relation") == "Creator"
    assert label("approve", "submission_decision") == "Approved"


def test_unknown_codes_are_humanized_and_none_is_empty():
    assert label("some_new_code") == "Some new code"
    assert label(None) == ""
    assert label(["data_mining", "ai_training"], "consent_use") == "Data mining, AI training"


def test_an_unknown_kind_is_an_error():
    with pytest.raises(KeyError):
        label("draft", "no_such_kind")


def test_phrase_keeps_acronyms_and_names():
    assert phrase("in_review", "submission_status") == "in review"
    assert phrase("ai_training", "consent_use") == "AI training"
    assert phrase("youtube", "platform") == "YouTube"
    assert phrase("signed", "nda_status") == "signed"


@pytest.mark.parametrize(
    ("n", "singular", "plural_form", "expected"),
    [
        (1, "new creator", None, "1 new creator"),
        (2, "new creator", None, "2 new creators"),
        (0, "update", None, "0 updates"),
        (1, "update", None, "1 update"),
        (3, "entry", None, "3 entries"),
        (2, "day", None, "2 days"),
        (2, "match", None, "2 matches"),
        (2, "person", "people", "2 people"),
        (1, "person", "people", "1 person"),
        (1200, "row", None, "1,200 rows"),
        (None, "row", None, "0 rows"),
    ],
)
def test_plural(n, singular, plural_form, expected):
    assert plural(n, singular, plural_form) == expected


def test_choices_follow_the_given_order():
    assert labels.choices("platform", ("tiktok", "youtube")) == [
        ("tiktok", "TikTok"),
        ("youtube", "YouTube"),
    ]


def test_filters_are_registered(app):
    env = app.jinja_env
    assert env.from_string('{{ "in_review"|label("submission_status") }}').render() == "In review"
    assert env.from_string('{{ 1|plural("new creator") }}, {{ 2|plural("update") }}').render() == (
        "1 new creator, 2 updates"
    )


def test_every_kind_a_template_names_exists():
    """`|label("kind")` and `status_badge(…, kind="…")` in templates name a table that exists
    (an unknown kind raises, so a typo would break the page)."""
    import re

    from crm.common.paths import TEMPLATES

    pattern = re.compile(r"""\|label\(["']([a-z_]+)["']\)|kind=["']([a-z_]+)["']""")
    unknown = set()
    for path in TEMPLATES.rglob("*.*"):
        for match in pattern.finditer(path.read_text()):
            kind = match.group(1) or match.group(2)
            if kind not in LABELS:
                unknown.add(f"{path.name}: {kind}")
    assert not unknown, sorted(unknown)
