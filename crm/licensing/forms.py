from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from crm.common import labels
from crm.licensing.models import (
    CONSENT_SOURCES,
    DECISIONS,
    FEE_MODELS,
    RIGHTS,
    WORK_KINDS,
)
from crm.web.fields import coerce_id
from crm.web.forms import choices

USE_LABELS = labels.table("consent_use")


RIGHTS_LABELS = labels.table("rights")
# Whether a client's contract lets the creator license the work again: the services read
# yes, no and "unknown" (not known yet), as the portal's form and the CSV import say it.
RELICENSE_CHOICES = [
    ("no", "No (no re-licence clause)"),
    ("yes", "Yes, the contract lets the creator license it again"),
    ("unknown", "Not known yet"),
]


def relicense_choice(work) -> str:
    """The form's value for a work's re-licensing (yes, no or unknown)."""
    if not work.relicense_known:
        return "unknown"
    return "yes" if work.relicense_allowed else "no"


def _relicense_field() -> SelectField:
    return SelectField(
        "Re-licensing (for client work)", choices=choices(RELICENSE_CHOICES), default="no"
    )


class RightsFields:
    """Rights, what the work shows and its training metadata; numbers are text here and
    checked by the service, which names the field that is wrong."""

    rights = SelectField("Rights", choices=choices(RIGHTS_LABELS.items()), default="unknown")
    rights_evidence = TextAreaField("Evidence (contract, statement)", validators=[Length(max=5000)])
    client_name = StringField("Client (for client work)", validators=[Length(max=300)])
    relicense_allowed = _relicense_field()
    co_holders = StringField(
        "Other holders (shared rights; comma-separated)", validators=[Length(max=4000)]
    )
    people_present = BooleanField("Shows identifiable people")
    people_count = StringField("How many people (optional)", validators=[Length(max=6)])
    property_present = BooleanField("Shows identifiable property or brands")
    tags = StringField(
        "Tags (comma-separated: subject, capture conditions)", validators=[Length(max=4000)]
    )
    language = StringField("Language (en, pt-BR)", validators=[Length(max=35)])
    duration_s = StringField("Duration (seconds)", validators=[Length(max=20)])
    width = StringField("Width (pixels)", validators=[Length(max=7)])
    height = StringField("Height (pixels)", validators=[Length(max=7)])
    description = TextAreaField("Short description", validators=[Length(max=2000)])


RIGHTS_FORM_FIELDS = (
    "rights",
    "rights_evidence",
    "client_name",
    "relicense_allowed",
    "co_holders",
    "people_present",
    "people_count",
    "property_present",
    "tags",
    "language",
    "duration_s",
    "width",
    "height",
    "description",
)


def rights_data(form) -> dict:
    return {name: getattr(form, name).data for name in RIGHTS_FORM_FIELDS}


class WorkForm(RightsFields, FlaskForm):
    kind = SelectField("Kind", choices=choices(labels.choices("work_kind", WORK_KINDS)))
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    url = StringField("URL", validators=[DataRequired(), Length(max=2000)])
    sha256 = StringField("SHA-256 (optional)", validators=[Optional(), Length(max=64)])
    created_on = DateField("Created on (optional)", validators=[Optional()])


class BulkRightsForm(FlaskForm):
    kind = SelectField(
        "Works of kind",
        choices=choices([("", "Every kind"), *labels.choices("work_kind", WORK_KINDS)]),
    )
    created_from = DateField("Created from (optional)", validators=[Optional()])
    created_to = DateField("Created until (optional)", validators=[Optional()])
    rights = SelectField("Rights", choices=choices(RIGHTS_LABELS.items()))
    rights_evidence = TextAreaField("Evidence", validators=[Length(max=5000)])
    client_name = StringField("Client (for client work)", validators=[Length(max=300)])
    relicense_allowed = _relicense_field()
    co_holders = StringField("Other holders (comma-separated)", validators=[Length(max=4000)])


class ReleaseForm(FlaskForm):
    kind = SelectField(
        "Kind",
        choices=choices([("model", "Model release (a person)"), ("property", "Property release")]),
    )
    subject = StringField(
        "Who or what (the person, or the property or brand)",
        validators=[DataRequired(), Length(max=300)],
    )
    uses = SelectMultipleField(
        "Uses it allows", choices=choices(USE_LABELS.items()), validators=[DataRequired()]
    )
    media = SelectMultipleField(
        "Media (none chosen: all)", choices=choices(labels.choices("work_kind", WORK_KINDS))
    )
    territory = StringField(
        "Territory (worldwide, or country codes such as FR, DE; EU for its members)",
        default="worldwide",
        validators=[Length(max=1000)],
    )
    signed_on = DateField("Signed on (optional)", validators=[Optional()])
    expires_on = DateField("Expires on (optional)", validators=[Optional()])
    work_ids = SelectMultipleField(
        "Works it covers", choices=[], coerce=coerce_id, validate_choice=False
    )
    document = FileField("Signed release (PDF, optional)")


class WorkFilterForm(FlaskForm):
    """The works list's filters (GET, so no CSRF token)."""

    class Meta:
        csrf = False

    kind = SelectField(
        "Kind", choices=choices([("", "Any"), *labels.choices("work_kind", WORK_KINDS)]), default=""
    )
    tag = StringField("Tags (all of, comma-separated)", validators=[Length(max=300)])
    language = StringField("Language", validators=[Length(max=35)])
    rights = SelectField(
        "Rights", choices=choices([("", "Any"), *labels.choices("rights", RIGHTS)]), default=""
    )
    people_present = SelectField(
        "People shown",
        choices=choices([("", "Either"), ("yes", "Yes"), ("no", "No")]),
        default="",
    )
    min_minutes = StringField("At least (minutes)", validators=[Length(max=10)])


class ConsentForm(FlaskForm):
    scope = SelectField("Applies to", choices=[])
    uses = SelectMultipleField(
        "Uses", choices=choices(USE_LABELS.items()), validators=[DataRequired()]
    )
    decision = SelectField(
        "Decision", choices=choices(labels.choices("consent_decision", DECISIONS))
    )
    constraint = TextAreaField(
        "Constraint (licence text or URL; required when constrained)",
        validators=[Length(max=5000)],
    )
    source = SelectField(
        "Source", choices=choices(labels.choices("consent_source", CONSENT_SOURCES))
    )
    evidence = TextAreaField("Evidence", validators=[Length(max=5000)])
    effective_on = DateField("Effective on", validators=[DataRequired()])


class RevokeForm(FlaskForm):
    revoked_on = DateField("Revoked from", validators=[DataRequired()])


class ImportForm(FlaskForm):
    file = FileField("CSV file", validators=[FileRequired()])
    dry_run = BooleanField("Check only (write nothing)")


class LicenceForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    uses = SelectMultipleField(
        "Uses", choices=choices(USE_LABELS.items()), validators=[DataRequired()]
    )
    fee_model = SelectField("Fee model", choices=choices(labels.choices("fee_model", FEE_MODELS)))
    rate = StringField(
        "Rate (amount per period or per work; percent for revenue share)",
        validators=[DataRequired(), Length(max=30)],
    )
    currency = StringField("Currency", default="USD", validators=[DataRequired(), Length(max=3)])
    starts_on = DateField("Starts on", validators=[DataRequired()])
    ends_on = DateField("Ends on (optional)", validators=[Optional()])
    territory = StringField(
        "Territory (worldwide, or country codes such as FR, DE; EU for its members)",
        default="worldwide",
        validators=[Length(max=1000)],
    )
    all_allowed_works = BooleanField("Cover every work allowed for these uses")
    work_ids = SelectMultipleField("Works", choices=[], coerce=coerce_id, validate_choice=False)


class PayoutForm(FlaskForm):
    period = StringField(
        "Period (2026-11, 2026-Q4 or 2026)", validators=[DataRequired(), Length(max=10)]
    )
    revenue = StringField("Revenue (revenue-share licences)", validators=[Length(max=30)])


class PaidForm(FlaskForm):
    paid_on = DateField("Paid on", validators=[DataRequired()])


class FundForm(FlaskForm):
    period = StringField(
        "Period (2026-11, 2026-Q4 or 2026)", validators=[DataRequired(), Length(max=10)]
    )
    amount = StringField("Fund amount", validators=[DataRequired(), Length(max=30)])
    currency = StringField("Currency", default="USD", validators=[DataRequired(), Length(max=3)])


RESOLUTION_LABELS = {
    "consent_kept": "Keep our record (say why)",
    "consent_revoked": "Revoke the consent record",
}


class ConflictResolveForm(FlaskForm):
    key = StringField("Conflict", validators=[DataRequired(), Length(min=64, max=64)])
    resolution = SelectField("Resolution", choices=choices(RESOLUTION_LABELS.items()))
    note = TextAreaField("Note", validators=[Length(max=2000)])
    revoked_on = DateField("Revoke from (when revoking)", validators=[Optional()])
