from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from crm.approvals.forms import RevisionFields
from crm.common import labels
from crm.creators.models import PLATFORMS
from crm.feedback.models import CATEGORIES, SEVERITIES
from crm.licensing.forms import ReleaseForm
from crm.licensing.models import DECISIONS, USES, WORK_KINDS
from crm.web.fields import BoundedIntegerField, coerce_id
from crm.web.forms import choices

USE_LABELS = {
    "data_mining": "Data mining",
    "ai_inference": "AI inference (as input to a model)",
    "ai_training": "AI training",
    "ai_generative_training": "Generative AI training",
}
DECISION_LABELS = {
    "allowed": "Allowed",
    "not_allowed": "Not allowed",
    "constrained": "Allowed with conditions",
}


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


class LinkRequestForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])


class AcceptForm(FlaskForm):
    password = PasswordField("Choose a password", validators=[Optional(), Length(max=1024)])


class EmptyForm(FlaskForm):
    pass


class SignForm(FlaskForm):
    version = HiddenField(validators=[DataRequired()])
    typed_name = StringField("Type your full name", validators=[DataRequired(), Length(max=200)])
    agree = BooleanField("I have read these terms and agree to them")


class DraftForm(RevisionFields, FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    platform = SelectField("Platform", choices=choices(labels.choices("platform", PLATFORMS)))
    planned_for = DateTimeLocalField(
        "Planned for (UTC)", format="%Y-%m-%dT%H:%M", validators=[DataRequired()]
    )
    is_video = BooleanField("This is a video")


class PortalRevisionForm(RevisionFields, FlaskForm):
    pass


class FeedbackForm(FlaskForm):
    product_id = SelectField("Product", coerce=coerce_id, validators=[InputRequired()])
    category = SelectField(
        "Category", choices=choices(labels.choices("feedback_category", CATEGORIES))
    )
    severity = SelectField(
        "Severity", choices=choices(labels.choices("feedback_severity", SEVERITIES))
    )
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    body = TextAreaField("What happened", validators=[Length(max=20000)])
    reproduction = TextAreaField(
        "How to reproduce it (prompt or steps)", validators=[Length(max=20000)]
    )


class WorkForm(FlaskForm):
    kind = SelectField("Kind", choices=choices(labels.choices("work_kind", WORK_KINDS)))
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    url = StringField("Address (URL)", validators=[DataRequired(), Length(max=2000)])


class PasteForm(FlaskForm):
    kind = SelectField(
        "Kind of all these works", choices=choices(labels.choices("work_kind", WORK_KINDS))
    )
    urls = TextAreaField("Addresses, one per line", validators=[DataRequired(), Length(max=200000)])


class ConsentForm(FlaskForm):
    scope = SelectField("Applies to", validators=[DataRequired()])
    uses = SelectMultipleField(
        "Uses", choices=choices([(u, USE_LABELS[u]) for u in USES]), validators=[DataRequired()]
    )
    decision = SelectField(
        "Decision", choices=choices([(d, DECISION_LABELS[d]) for d in DECISIONS])
    )
    constraint = StringField("Conditions (licence text or URL)", validators=[Length(max=2000)])


class ProfileForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    phone = StringField("Phone", validators=[Optional(), Length(max=40)])
    notify_decisions = BooleanField("Email me legal's decisions on my submissions")


class PasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField("New password", validators=[DataRequired(), Length(max=1024)])


class InviteForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    relation = SelectField(
        "Who is this",
        choices=choices(
            [
                ("creator", "The creator themselves"),
                ("representative", "Their representative (agent)"),
            ]
        ),
    )


RIGHTS_CHOICES = [
    ("creator", "I own it (I made it for myself)"),
    ("shared", "I share the rights with others"),
    ("client", "I made it for a client"),
    ("unknown", "I do not know yet"),
]
RELICENSE_CHOICES = [
    ("unknown", "Not known"),
    ("yes", "Yes, the contract lets me license it again"),
    ("no", "No"),
]


class ImportWorksForm(FlaskForm):
    file = FileField("CSV file")


class ConfirmImportForm(FlaskForm):
    token = HiddenField(validators=[DataRequired(), Length(max=64)])


class RightsFormFields:
    rights = SelectField("Who holds the rights", choices=choices(RIGHTS_CHOICES))
    co_holders = StringField(
        "The other holders (for shared rights, comma-separated)", validators=[Length(max=4000)]
    )
    client_name = StringField("The client (for client work)", validators=[Length(max=300)])
    relicense = SelectField(
        "May you license client work again?", choices=choices(RELICENSE_CHOICES)
    )
    evidence = TextAreaField(
        "What shows it (the contract, commission or your statement)",
        validators=[Length(max=5000)],
    )


class WorkRightsForm(RightsFormFields, FlaskForm):
    people_present = BooleanField("It shows people who can be recognised")
    people_count = BoundedIntegerField(
        "How many people (optional)", validators=[Optional()], low=1, high=10_000
    )
    property_present = BooleanField("It shows property or a brand (a building, a product, a logo)")
    created_on = DateField("Made on (optional)", validators=[Optional()])


class BulkRightsForm(RightsFormFields, FlaskForm):
    kind = SelectField(
        "For my works of kind", choices=choices([("", "Every kind"), *WORK_KINDS]), default=""
    )
    created_from = DateField("Made from (optional)", validators=[Optional()])
    created_to = DateField("Made until (optional)", validators=[Optional()])


class PortalReleaseForm(ReleaseForm):
    document = FileField("Signed release (PDF)")
