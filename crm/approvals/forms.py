"""Forms: shape and format only; the rules live in services."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from crm.creators.models import PLATFORMS
from crm.web.forms import choices

DISCLOSURE_CHOICES = (
    ("", "Not stated"),
    ("yes", "Yes, it is said or shown in the video"),
    ("no", "No"),
)


def disclosure_value(raw: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(raw or "")


class RevisionFields:
    body = TextAreaField("Caption or script", validators=[Length(max=20000)])
    media_url = StringField("Media URL", validators=[Optional(), Length(max=500)])
    media = FileField("Upload image or video")
    disclosure_in_video = SelectField(
        "For video: is the disclosure also in the video itself?",
        choices=choices(DISCLOSURE_CHOICES),
        validators=[Optional()],
    )


class SubmissionForm(RevisionFields, FlaskForm):
    creator_id = SelectField("Creator", coerce=int, validators=[InputRequired()])
    deal_id = SelectField("Deal (optional)", validators=[Optional()])
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    platform = SelectField("Platform", choices=choices(PLATFORMS))
    planned_for = DateTimeLocalField(
        "Planned for (your time zone)", format="%Y-%m-%dT%H:%M", validators=[DataRequired()]
    )
    is_video = BooleanField("This is a video")
    submit_now = BooleanField("Submit for legal review now", default=True)


class RevisionForm(RevisionFields, FlaskForm):
    pass


class DecisionForm(FlaskForm):
    revision = IntegerField("Revision", validators=[InputRequired()])
    decision = RadioField(
        "Decision",
        choices=choices(
            (("approve", "Approve"), ("request_changes", "Request changes"), ("reject", "Reject"))
        ),
        validators=[InputRequired()],
    )
    comment = TextAreaField(
        "Comment (required to request changes or reject)", validators=[Length(max=5000)]
    )


class PublishForm(FlaskForm):
    published_url = StringField("Published URL", validators=[DataRequired(), Length(max=500)])


class WithdrawForm(FlaskForm):
    note = StringField("Reason (optional)", validators=[Length(max=2000)])


class EmptyForm(FlaskForm):
    pass


class SettingsForm(FlaskForm):
    disclosure_markers = TextAreaField("Disclosure markers (one per line)")
    vague_tags = TextAreaField("Vague tags that do not count (one per line)")
    banned_claims = TextAreaField("Banned claims (one per line)")
