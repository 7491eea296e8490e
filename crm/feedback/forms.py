from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from crm.common import labels
from crm.feedback.models import CATEGORIES, CATEGORY_LABELS, SEVERITIES, STATUS_LABELS, STATUSES
from crm.web.fields import coerce_id
from crm.web.forms import choices

CATEGORY_CHOICES = [(c, CATEGORY_LABELS[c]) for c in CATEGORIES]
SEVERITY_CHOICES = labels.choices("feedback_severity", SEVERITIES)
STATUS_CHOICES = [(s, STATUS_LABELS[s]) for s in STATUSES]


class FeedbackForm(FlaskForm):
    # Ids are checked by the service (unknown creator/product/grant → a field error there).
    # The creator is typed by name; `creator_id` carries a preselected creator (hidden) or
    # the choice among the few that match an ambiguous name (crm.creators.picker).
    creator = StringField(
        "Creator",
        validators=[Optional()],
        render_kw={"maxlength": 200, "autocomplete": "off", "placeholder": "Name, handle or email"},
    )
    creator_id = SelectField("Which one?", validate_choice=False)
    product_id = SelectField("Product", validate_choice=False)
    grant_id = SelectField("Access grant (optional)", validate_choice=False)
    category = SelectField("Category", choices=choices(CATEGORY_CHOICES))
    severity = SelectField("Severity", choices=choices(SEVERITY_CHOICES), default="medium")
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(
        "What they reported (Markdown)", validators=[Optional(), Length(max=20000)]
    )
    reproduction = TextAreaField(
        "Reproduction: prompt or steps", validators=[Optional(), Length(max=20000)]
    )
    duplicate_of = SelectField("Duplicate of", validate_choice=False)
    # Set once the similar notes have been shown, so the second submit files the note.
    reviewed_similar = HiddenField()


class StatusForm(FlaskForm):
    status = SelectField("New status", choices=choices(STATUS_CHOICES))
    forwarded_to = StringField("Forward to team", validators=[Optional(), Length(max=200)])


class BulkStatusForm(FlaskForm):
    ids = SelectMultipleField("Notes", coerce=coerce_id, validate_choice=False)
    status = SelectField("Move selected to", choices=choices(STATUS_CHOICES))
    forwarded_to = StringField("Team (when forwarding)", validators=[Optional(), Length(max=200)])
