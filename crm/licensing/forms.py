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

from crm.licensing.models import CONSENT_SOURCES, DECISIONS, FEE_MODELS, WORK_KINDS
from crm.web.fields import coerce_id
from crm.web.forms import choices

USE_LABELS = {
    "data_mining": "Data mining",
    "ai_inference": "AI inference",
    "ai_training": "AI training",
    "ai_generative_training": "Generative AI training",
}


class WorkForm(FlaskForm):
    kind = SelectField("Kind", choices=choices(WORK_KINDS))
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    url = StringField("URL", validators=[DataRequired(), Length(max=2000)])
    sha256 = StringField("SHA-256 (optional)", validators=[Optional(), Length(max=64)])
    created_on = DateField("Created on (optional)", validators=[Optional()])


class ConsentForm(FlaskForm):
    scope = SelectField("Applies to", choices=[])
    uses = SelectMultipleField(
        "Uses", choices=choices(USE_LABELS.items()), validators=[DataRequired()]
    )
    decision = SelectField("Decision", choices=choices(DECISIONS))
    constraint = TextAreaField(
        "Constraint (licence text or URL; required when constrained)",
        validators=[Length(max=5000)],
    )
    source = SelectField("Source", choices=choices(CONSENT_SOURCES))
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
    fee_model = SelectField("Fee model", choices=choices(FEE_MODELS))
    rate = StringField(
        "Rate (amount per period or per work; percent for revenue share)",
        validators=[DataRequired(), Length(max=30)],
    )
    currency = StringField("Currency", default="USD", validators=[DataRequired(), Length(max=3)])
    starts_on = DateField("Starts on", validators=[DataRequired()])
    ends_on = DateField("Ends on (optional)", validators=[Optional()])
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
