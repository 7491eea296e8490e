"""Forms check shape; the services check the rules (country list, uniqueness, owner)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from crm.common import labels
from crm.creators.models import CREATOR_STATUSES, INTERACTION_KINDS, PLATFORMS
from crm.web.forms import choices

STATUS_LABELS = labels.choices("creator_status", CREATOR_STATUSES)
PLATFORM_LABELS = labels.choices("platform", PLATFORMS)


class CreatorForm(FlaskForm):
    display_name = StringField("Display name", validators=[DataRequired(), Length(max=200)])
    legal_name = StringField("Legal name", validators=[Optional(), Length(max=200)])
    email = EmailField("Email", validators=[Optional(), Length(max=254)])
    country = StringField(
        "Country (ISO code)", validators=[Optional(), Length(max=2)], render_kw={"maxlength": 2}
    )
    status = SelectField("Status", choices=choices(STATUS_LABELS))
    owner_id = SelectField("Owner", choices=[], validate_choice=False)
    tags = StringField("Tags", validators=[Optional(), Length(max=2000)])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=20000)])
    # Only on the new-creator form (the edit form drops it; channels have their own pages).
    channels = TextAreaField("Channels", validators=[Optional(), Length(max=5000)])


class AccountForm(FlaskForm):
    platform = SelectField("Platform", choices=choices(PLATFORM_LABELS))
    handle = StringField("Handle or profile address", validators=[DataRequired(), Length(max=300)])
    external_id = StringField("External id", validators=[Optional(), Length(max=200)])
    url = StringField("Profile address (other platforms)", validators=[Optional(), Length(max=500)])


class RepresentativeForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    agency = StringField("Agency", validators=[Optional(), Length(max=200)])
    email = EmailField("Email", validators=[Optional(), Length(max=254)])
    phone = StringField("Phone", validators=[Optional(), Length(max=50)])


class InteractionForm(FlaskForm):
    kind = SelectField(
        "Kind", choices=choices(labels.choices("interaction_kind", INTERACTION_KINDS))
    )
    occurred_at = DateTimeLocalField("When (your time zone)", validators=[DataRequired()])
    summary = TextAreaField("Summary", validators=[DataRequired(), Length(max=5000)])


class SaveViewForm(FlaskForm):
    name = StringField("View name", validators=[DataRequired(), Length(max=100)])


class ImportForm(FlaskForm):
    file = FileField("CSV file", validators=[FileRequired()])


class ConfirmImportForm(FlaskForm):
    token = HiddenField(validators=[DataRequired(), Length(max=64)])


class EmptyForm(FlaskForm):
    """Only the CSRF token, for buttons that post."""


class EraseForm(FlaskForm):
    understood = BooleanField(
        "I understand that the personal data is erased for good and cannot be restored",
        validators=[DataRequired(message="Tick the box to confirm.")],
    )
    confirm_in_force = BooleanField("Erase even though an NDA or deal is still in force")
