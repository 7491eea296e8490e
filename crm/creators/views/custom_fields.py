"""Admin page of the custom fields of creators and deals: list, define, remove."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from crm.common import labels
from crm.common.permissions import ADMINS, allow
from crm.creators import custom_fields
from crm.creators.models import CUSTOM_FIELD_ENTITIES, CUSTOM_FIELD_TYPES
from crm.creators.views.base import bp
from crm.db import get_session
from crm.web.forms import choices, handle_action, handle_form


class FieldForm(FlaskForm):
    entity = SelectField(
        "Record",
        choices=choices(labels.choices("custom_field_entity", CUSTOM_FIELD_ENTITIES)),
        validate_choice=True,
    )
    key = StringField("Key", validators=[DataRequired(), Length(max=40)])
    label = StringField("Label", validators=[DataRequired(), Length(max=100)])
    type = SelectField(
        "Type",
        choices=choices(labels.choices("custom_field_type", CUSTOM_FIELD_TYPES)),
        validate_choice=True,
    )
    choices_text = StringField("Choices (comma separated)", validators=[Length(max=5000)])
    required = BooleanField("Required")


def _page(form: FieldForm | None = None, status: int = 200):
    return render_template(
        "creators/custom_fields.html",
        form=form or FieldForm(),
        fields=custom_fields.list_fields(get_session()),
    ), status


@bp.route("/custom-fields", methods=["GET", "POST"])
@allow(ADMINS)
def custom_fields_admin():
    form = FieldForm()
    if request.method == "GET":
        return _page(form)
    return handle_form(
        form,
        lambda db: custom_fields.define_field(
            db,
            current_user,
            {
                "entity": form.entity.data,
                "key": form.key.data,
                "label": form.label.data,
                "type": form.type.data,
                "choices": [c.strip() for c in (form.choices_text.data or "").split(",")],
                "required": bool(form.required.data),
            },
        ),
        render=lambda status: _page(form, status),
        success=lambda f: (f"Field “{f.label}” added.", url_for("creators.custom_fields_admin")),
    )


@bp.post("/custom-fields/<int:field_id>/delete")
@allow(ADMINS)
def custom_field_delete(field_id: int):
    back = url_for("creators.custom_fields_admin")
    return handle_action(
        lambda db: custom_fields.remove_field(db, current_user, field_id),
        success=("Field removed; its values are kept in the audit log.", back),
        back=back,
        refusals=(),
    )
