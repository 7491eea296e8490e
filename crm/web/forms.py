"""The one way an HTML view handles a form or an action button.

A view builds its form, then hands the rest to `handle_form`:

    return handle_form(
        form,
        lambda db: services.create_nda(db, current_user, ...),   # the one service call
        render=lambda status: (render_template("…", form=form), status),
        success=lambda nda: (f"NDA #{nda.id} created.", url_for("…", nda_id=nda.id)),
    )

GET renders the form (200). POST validates the form's shape (WTForms); when valid it calls
the service once, commits and redirects with a flash message (POST/redirect/GET). A service's
`Invalid` puts its messages beside the fields and re-renders the same form with 422; a
`Conflict` shows its detail above the form with 409. Either way the transaction is rolled back
first, so nothing half-written stays. Other domain errors (NotFound, Forbidden …) propagate
to the error handlers after the same rollback.

Buttons that post without a form of their own (archive, mark done …) use `handle_action`,
which flashes a refused action's reason and goes back where the user was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import flash, redirect, request
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from crm.common.errors import Conflict, DomainError, Invalid
from crm.db import get_session

T = TypeVar("T")

#: What to do after a successful call: a (message, url) pair, or a function of the service's
#: result returning one. A message of None flashes nothing.
Success = tuple[str | None, str] | Callable[[Any], tuple[str | None, str]]


def apply_errors(form: Any, exc: Invalid) -> None:
    """Show a service's field errors beside the form's fields (unknown fields go to `form`)."""
    leftovers: list[str] = []
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


def _finish(success: Success, result: Any) -> ResponseReturnValue:
    message, url = success(result) if callable(success) else success
    if message:
        flash(message, "success")
    return redirect(url)


def handle_form(
    form: Any,
    call: Callable[[Session], Any],
    *,
    render: Callable[[int], ResponseReturnValue],
    success: Success,
    method: str = "POST",
) -> ResponseReturnValue:
    """Validate → one service call → commit → redirect; errors inline on the same form."""
    if request.method != method:
        return render(200)
    status = 422
    if form.validate_on_submit():
        db = get_session()
        try:
            result = call(db)
        except Invalid as exc:
            db.rollback()
            apply_errors(form, exc)
        except Conflict as exc:
            db.rollback()
            form.form_errors = [*list(getattr(form, "form_errors", []) or []), exc.detail]
            status = exc.status
        except DomainError:
            db.rollback()
            raise
        else:
            db.commit()
            return _finish(success, result)
    return render(status)


def handle_action(
    call: Callable[[Session], Any],
    *,
    success: Success,
    back: str,
    form: Any | None = None,
) -> ResponseReturnValue:
    """A button's POST: (its CSRF form validated) → one service call → commit → redirect.
    A refused call (Invalid or Conflict) flashes its reason and returns to `back`."""
    if form is not None and not form.validate_on_submit():
        flash("The form expired; please try again.", "danger")
        return redirect(back)
    db = get_session()
    try:
        result = call(db)
    except (Invalid, Conflict) as exc:
        db.rollback()
        flash(refusal_message(exc), "danger")
        return redirect(back)
    except DomainError:
        db.rollback()
        raise
    db.commit()
    return _finish(success, result)


def refusal_message(exc: DomainError) -> str:
    """One line for a flash message: the detail, then each field's reasons."""
    if isinstance(exc, Invalid) and exc.errors:
        parts = [
            f"{', '.join(m)}" if f in ("", "body") else f"{f}: {', '.join(m)}"
            for f, m in exc.errors.items()
        ]
        return "; ".join(parts)
    return exc.detail


def choices(pairs: Any) -> list:
    """SelectField choices from (value, label) pairs or plain values."""
    from wtforms import SelectChoice

    out = []
    for pair in pairs:
        value, label = pair if isinstance(pair, tuple) else (pair, pair)
        out.append(SelectChoice(value, label))
    return out
