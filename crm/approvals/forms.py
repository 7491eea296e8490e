"""Forms: shape and format only; the rules live in services."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from crm.approvals.disclosure.rules import AI_CAPTION_MODES, POSITIONS
from crm.common import labels
from crm.common.ids import MAX_ID
from crm.creators.models import PLATFORMS
from crm.web.fields import BoundedIntegerField, coerce_id
from crm.web.forms import choices

DISCLOSURE_CHOICES = (
    ("", "Not stated"),
    ("yes", "Yes, it is said or shown in the video"),
    ("no", "No"),
)


AI_LABEL_CHOICES = (
    ("", "Not asked"),
    ("yes", "Yes, the platform's AI label is set"),
    ("no", "No"),
)

RETOUCHED_CHOICES = (
    ("", "Not stated"),
    ("yes", "Yes, a face or a body was reshaped or retouched"),
    ("no", "No"),
)

PERSON_CHOICES = (
    ("", "Not stated"),
    ("yes", "Yes, a face or a body is shown"),
    ("no", "No"),
)


def disclosure_value(raw: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(raw or "")


def countries_value(raw: str | None) -> list[str]:
    """Country codes typed with spaces or commas between them."""
    return [c for c in re.split(r"[\s,;]+", raw or "") if c]


class RevisionFields:
    body = TextAreaField("Caption or script", validators=[Length(max=20000)])
    media_url = StringField("Media URL", validators=[Optional(), Length(max=500)])
    media = FileField("Upload image or video")
    disclosure_in_video = SelectField(
        "For video: is the disclosure also in the video itself?",
        choices=choices(DISCLOSURE_CHOICES),
        validators=[Optional()],
    )
    ai_label = SelectField(
        "Made with our AI products: is the platform's AI label set?",
        choices=choices(AI_LABEL_CHOICES),
        validators=[Optional()],
    )
    images_retouched = SelectField(
        "Were the images retouched (a face or a body reshaped)?",
        choices=choices(RETOUCHED_CHOICES),
        validators=[Optional()],
    )
    shows_person_body = SelectField(
        "Do the images or the video show a person's face or body?",
        choices=choices(PERSON_CHOICES),
        validators=[Optional()],
    )


class SubmissionForm(RevisionFields, FlaskForm):
    creator_id = SelectField("Creator", coerce=coerce_id, validators=[InputRequired()])
    deal_id = SelectField("Deal (optional)", validators=[Optional()])
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    platform = SelectField("Platform", choices=choices(labels.choices("platform", PLATFORMS)))
    planned_for = DateTimeLocalField(
        "Planned for (your time zone)", format="%Y-%m-%dT%H:%M", validators=[DataRequired()]
    )
    is_video = BooleanField("This is a video")
    audience_countries = StringField(
        "Audience countries (optional)", validators=[Optional(), Length(max=300)]
    )
    submit_now = BooleanField("Submit for legal review now", default=True)


class RevisionForm(RevisionFields, FlaskForm):
    pass


class DecisionForm(FlaskForm):
    revision = BoundedIntegerField("Revision", validators=[InputRequired()], low=0, high=MAX_ID)
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


class AudienceForm(FlaskForm):
    audience_countries = StringField("Audience countries", validators=[Optional(), Length(max=300)])
    back = HiddenField(default="detail")  # which page the form was on


class SettingsForm(FlaskForm):
    disclosure_markers = TextAreaField("Disclosure markers (one per line)")
    vague_tags = TextAreaField("Vague tags that do not count (one per line)")
    banned_claims = TextAreaField("Banned claims (one per line)")


LONG = [Optional(), Length(max=50000)]


class RuleSetForm(FlaskForm):
    """One jurisdiction's rule set; lists one entry per line (see crm/approvals/disclosure)."""

    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    countries = StringField("Countries (ISO codes)", validators=[Optional(), Length(max=2000)])
    disclosure_required = BooleanField("A material connection must be disclosed")
    disclosure_general = BooleanField(
        "EU-wide: these disclosure rules apply only where no national rule set applies"
    )
    markers = TextAreaField("Markers that disclose", validators=LONG)
    vague = TextAreaField("Vague wording that does not count", validators=LONG)
    position = SelectField(
        "Where the marker must be", choices=choices(labels.choices("marker_position", POSITIONS))
    )
    start_words = BoundedIntegerField(
        "“At the start” means within this many words",
        validators=[NumberRange(0, 50)],
        low=0,
        high=50,
    )
    in_video = BooleanField("A video must disclose in the video itself too")
    negations = TextAreaField("Negation words", validators=LONG)
    fillers = TextAreaField("Words skipped between a negation and a marker", validators=LONG)
    breaks = TextAreaField("Words that end a clause (“but”)", validators=LONG)
    negation_exceptions = TextAreaField("Negations that deny nothing (“not only”)", validators=LONG)
    negation_window = BoundedIntegerField(
        "A negation denies a phrase among the nearest … words",
        validators=[NumberRange(1, 10)],
        low=1,
        high=10,
    )
    ai_platform_label = BooleanField("AI-made content needs the platform's AI label")
    ai_caption = SelectField(
        "When the caption must say the content is AI-made",
        choices=choices(labels.choices("ai_caption_mode", AI_CAPTION_MODES)),
    )
    ai_markers = TextAreaField("What says so in the caption", validators=LONG)
    retouched_markers = TextAreaField(
        "What says the images were retouched (empty: no such rule)", validators=LONG
    )
    review_sentiments = TextAreaField("Review terms: opinions", validators=LONG)
    review_conditions = TextAreaField("Review terms: conditions", validators=LONG)
    review_neutral = TextAreaField("Review terms: neutral phrases", validators=LONG)
    remedies = TextAreaField("Remedies (one per line: check code: text)", validators=LONG)
    sources = TextAreaField("Sources (one per line: rule | citation | URL)", validators=LONG)

    LISTS = (
        "markers",
        "vague",
        "negations",
        "fillers",
        "breaks",
        "negation_exceptions",
        "ai_markers",
        "retouched_markers",
        "review_sentiments",
        "review_conditions",
        "review_neutral",
    )

    def fill(self, rule_set) -> None:
        """Show a rule set (a crm.approvals.disclosure.rules.RuleSet)."""
        self.name.data = rule_set.name
        self.countries.data = " ".join(rule_set.countries)
        for key in (
            "disclosure_required",
            "disclosure_general",
            "in_video",
            "ai_platform_label",
            "position",
        ):
            getattr(self, key).data = getattr(rule_set, key)
        for key in ("start_words", "negation_window", "ai_caption"):
            getattr(self, key).data = getattr(rule_set, key)
        for key in self.LISTS:
            getattr(self, key).data = "\n".join(getattr(rule_set, key))
        self.remedies.data = "\n".join(f"{code}: {text}" for code, text in rule_set.remedies)
        self.sources.data = "\n".join(
            " | ".join([s.rule, s.citation] + ([s.url] if s.url else [])) for s in rule_set.sources
        )

    def document(self) -> dict:
        """The form as a rule-set document (the service validates it)."""
        doc: dict = {
            "name": self.name.data or "",
            "countries": countries_value(self.countries.data),
            "disclosure_required": bool(self.disclosure_required.data),
            "disclosure_general": bool(self.disclosure_general.data),
            "in_video": bool(self.in_video.data),
            "ai_platform_label": bool(self.ai_platform_label.data),
            "position": self.position.data,
            "start_words": self.start_words.data,
            "negation_window": self.negation_window.data,
            "ai_caption": self.ai_caption.data,
        }
        for key in self.LISTS:
            doc[key] = (getattr(self, key).data or "").splitlines()
        remedies = {}
        for line in (self.remedies.data or "").splitlines():
            code, sep, text = line.partition(":")
            if line.strip():
                remedies[code.strip()] = text.strip() if sep else ""
        doc["remedies"] = remedies
        sources = []
        for line in (self.sources.data or "").splitlines():
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            rule, citation = parts[0], " | ".join(parts[1:2])
            url = parts[2] if len(parts) > 2 else ""
            sources.append({"rule": rule, "citation": citation, "url": url})
        doc["sources"] = sources
        return doc
