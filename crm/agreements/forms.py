"""Form shapes; the rules (R1, kinds, transitions, money) are the services' job."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from crm.web.fields import coerce_id
from crm.web.forms import choices


class ProductForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    aliases = StringField(
        "Aliases and code names (comma-separated)", validators=[Optional(), Length(max=5000)]
    )
    public_on = DateField("Public release date", validators=[Optional()])


class ClearanceForm(FlaskForm):
    """Who may see the product while it is unreleased (admins always may)."""

    user_ids = SelectMultipleField("Cleared users", coerce=coerce_id, validate_choice=True)
    legal_cleared = BooleanField("Legal is cleared (they review the leaks)")


class NdaForm(FlaskForm):
    creator_id = HiddenField()
    product_ids = SelectMultipleField("Covered products", coerce=coerce_id, validate_choice=True)
    effective_on = DateField("Effective on", validators=[Optional()])
    expires_on = DateField("Expires on (empty = open-ended)", validators=[Optional()])
    terms = TextAreaField("Terms", validators=[Optional(), Length(max=20000)])


class DocumentForm(FlaskForm):
    document = FileField(
        "Signed PDF", validators=[FileRequired("Choose the signed PDF to upload.")]
    )


class GrantForm(FlaskForm):
    creator_id = HiddenField()
    product_id = SelectField("Product", coerce=coerce_id)
    nda_id = SelectField("NDA", coerce=coerce_id)
    starts_on = DateField("Starts on", validators=[DataRequired()])
    ends_on = DateField("Ends on", validators=[DataRequired()])
    tier = StringField("Tier", validators=[Optional(), Length(max=200)])
    monthly_value = StringField("Monthly value", validators=[Optional(), Length(max=30)])
    currency = StringField("Currency", validators=[Optional(), Length(max=3)])


class RevokeForm(FlaskForm):
    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=2000)])


class DealForm(FlaskForm):
    creator_id = HiddenField()
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    kind = SelectField(
        "Kind",
        choices=choices(
            [("paid", "Paid"), ("in_kind", "In kind"), ("hybrid", "Hybrid (fee and in kind)")]
        ),
        validators=[DataRequired()],
    )
    fee = StringField("Fee", validators=[Optional(), Length(max=30)])
    in_kind_value = StringField("Stated in-kind value", validators=[Optional(), Length(max=30)])
    currency = StringField("Currency", validators=[Optional(), Length(max=3)])
    grant_ids = SelectMultipleField("Grants given in kind", coerce=coerce_id)
    starts_on = DateField("Starts on", validators=[Optional()])
    ends_on = DateField("Ends on", validators=[Optional()])
    deliverables = TextAreaField("Deliverables", validators=[Optional(), Length(max=20000)])
    usage_rights = TextAreaField(
        "Usage rights (where the company may reuse the content)",
        validators=[Optional(), Length(max=20000)],
    )
    usage_rights_until = DateField("Usage rights until", validators=[Optional()])


class StatusForm(FlaskForm):
    status = StringField("Status", validators=[DataRequired(), Length(max=20)])


class PaymentForm(FlaskForm):
    due_on = DateField("Due on", validators=[DataRequired()])
    amount = StringField("Amount", validators=[DataRequired(), Length(max=30)])
    paid_on = DateField("Paid on", validators=[Optional()])
    note = StringField("Note", validators=[Optional(), Length(max=500)])


class PaidForm(FlaskForm):
    paid_on = DateField("Paid on", validators=[DataRequired()])


class PaymentEditForm(FlaskForm):
    due_on = DateField("Due on", validators=[DataRequired()])
    amount = StringField("Amount", validators=[DataRequired(), Length(max=30)])
    paid_on = DateField("Paid on (empty = not paid)", validators=[Optional()])
    note = StringField("Note", validators=[Optional(), Length(max=500)])
    reason = StringField("Reason for the correction", validators=[DataRequired(), Length(max=500)])


class VoidForm(FlaskForm):
    void_reason = StringField("Reason for voiding", validators=[DataRequired(), Length(max=500)])


class SignForm(FlaskForm):
    signed_on = DateField("Signed on", validators=[DataRequired()])
    signed_on_paper = BooleanField("Signed on paper, the original is on file")
