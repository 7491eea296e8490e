"""Glue between WTForms and service errors."""

from __future__ import annotations

from crm.common.errors import Invalid


def apply_errors(form, exc: Invalid) -> None:
    """Show a service's field errors beside the form's fields (unknown fields go to `form`)."""
    leftovers = []
    for field_name, messages in exc.errors.items():
        field = getattr(form, field_name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors or []) + list(messages)
        else:
            leftovers.extend(f"{field_name}: {m}" for m in messages)
    if leftovers or not exc.errors:
        form.form_errors = list(getattr(form, "form_errors", []) or []) + (
            leftovers or [exc.detail]
        )


def choices(pairs) -> list:
    """SelectField choices from (value, label) pairs or plain values."""
    from wtforms import SelectChoice

    out = []
    for pair in pairs:
        value, label = pair if isinstance(pair, tuple) else (pair, pair)
        out.append(SelectChoice(value, label))
    return out
