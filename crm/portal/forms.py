from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
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
from crm.licensing.models import DECISIONS, USES, WORK_KINDS
from crm.web.fields import coerce_id
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
