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
`Conflict` shows its detail above the form with 409 (or, with `conflict_back`, is flashed on
the page the user came from). Either way the transaction is rolled back first, so nothing
half-written stays. Other domain errors (NotFound, Forbidden …) propagate to the error
handlers after the same rollback.

`success` may answer `Stay(status)` instead of a (message, url) pair: the same page is shown
again, drawn from what the call read, and then everything is rolled back — a dry run, an import
whose report lists problems, a step that shows similar records before filing a new one.
`Stay(status, commit=True)` commits first: a page that shows what was just made, once.

Buttons that post without a form of their own (archive, mark done …) use `handle_action`,
which flashes a refused action's reason and goes back where the user was.

`once=True` makes a create safe against double submits: the form's one-time nonce
(crm/web/nonces.py, `{{ form_nonce() }}` in the template) is stored with the record, in the
same transaction, and a second post of the same form is sent to the page the first one led
to instead of creating a second record.

A call may carry two hooks, `rolled_back()` and `committed(result)`, run after the
transaction ends either way: `crm.web.uploads` uses them to remove a stored file again, or
the file a change replaced.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, request
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from crm.common.errors import Conflict, DomainError, Invalid
from crm.db import get_session
from crm.web import nonces


@dataclass(frozen=True)
class Stay:
    """A success that shows the same page again with `status` instead of redirecting.
    Nothing is committed, unless `commit` (a page that shows what was just made, once:
    a new API token)."""

    status: int = 200
    commit: bool = False


#: A (message, url) or (message, url, flash category) pair; a message of None flashes nothing.
Done = tuple[str | None, str] | tuple[str | None, str, str]
#: What to do after a successful call: a `Done`, or a function of the service's result
#: returning a `Done` (or, for `handle_form`, a `Stay`).
Success = Done | Callable[[Any], "Done | Stay"]


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


def beside(field: Any) -> Callable[[Invalid], None]:
    """An `on_invalid` for a form of one field whose service names the rule's own key
    (`snoozed_until` for the "until" box, `countries` for the audience): every message goes
    beside that field."""

    def show(exc: Invalid) -> None:
        messages = [m for found in exc.errors.values() for m in found] or [exc.detail]
        field.errors = list(field.errors or []) + messages

    return show


def _hook(call: Any, name: str, *args: Any) -> None:
    hook = getattr(call, name, None)
    if hook is not None:
        hook(*args)


def _run(call: Callable[[Session], Any], success: Success) -> Done | Stay:
    """Call the service once and commit; roll back on any error. After a `Stay` without
    `commit` the transaction stays open for the page to be drawn from what the call read:
    the caller ends it with `_undo`."""
    db = get_session()
    try:
        result = call(db)
        outcome = success(result) if callable(success) else success
        keep = not isinstance(outcome, Stay) or outcome.commit
        if keep:
            db.commit()
    except BaseException:
        _undo(call)
        raise
    if keep:
        _hook(call, "committed", result)
    return outcome


class _Once:
    """A call that first stores the form's nonce, and records where its success leads."""

    def __init__(self, call: Callable[[Session], Any], nonce: str) -> None:
        self.call, self.nonce = call, nonce
        self.row: nonces.FormNonce | None = None

    def __call__(self, db: Session) -> Any:
        self.row = nonces.claim(db, self.nonce)
        return self.call(db)

    def __getattr__(self, name: str) -> Any:  # the hooks of the wrapped call
        return getattr(self.call, name)

    def success(self, success: Success) -> Success:
        def record(result: Any) -> Done | Stay:
            outcome = success(result) if callable(success) else success
            if self.row is not None and not isinstance(outcome, Stay):
                self.row.url = outcome[1][:500]
            return outcome

        return record


def _already_submitted(
    form: Any, nonce: str, render: Callable[[int], ResponseReturnValue]
) -> ResponseReturnValue:
    url = nonces.earlier_url(get_session(), nonce)
    if url:
        flash("This form was already submitted; here is what it created.", "info")
        return redirect(url, 303)
    form.form_errors = [
        *list(getattr(form, "form_errors", []) or []),
        "This form was already submitted.",
    ]
    return render(409)


def _undo(call: Callable[[Session], Any]) -> None:
    get_session().rollback()
    _hook(call, "rolled_back")


def _finish(done: Done, code: int) -> ResponseReturnValue:
    message, url, *rest = done
    if message:
        flash(message, rest[0] if rest else "success")
    return redirect(url, code)


def handle_form(
    form: Any,
    call: Callable[[Session], Any],
    *,
    render: Callable[[int], ResponseReturnValue],
    success: Success,
    method: str = "POST",
    code: int = 302,
    conflict_back: str | None = None,
    on_invalid: Callable[[Invalid], None] | None = None,
    once: bool = False,
) -> ResponseReturnValue:
    """Validate → one service call → commit → redirect; errors inline on the same form.

    `code` is the redirect's status; `conflict_back` sends a refused change (Conflict) back
    to that page with a flash message instead of showing it above the form; `on_invalid`
    shows a service's `Invalid` some other way than beside the fields; `once` stores the
    form's nonce with what the call made, so a second post of it makes nothing."""
    if request.method != method:
        return render(200)
    if not form.validate_on_submit():
        return render(422)
    nonce = nonces.posted() if once else None
    if nonce is not None:
        once_call = _Once(call, nonce)
        call, success = once_call, once_call.success(success)
    try:
        outcome = _run(call, success)
    except nonces.AlreadySubmitted:
        assert nonce is not None
        return _already_submitted(form, nonce, render)
    except Invalid as exc:
        (on_invalid or (lambda e: apply_errors(form, e)))(exc)
        return render(422)
    except Conflict as exc:
        if conflict_back is not None:
            flash(exc.detail, "danger")
            return redirect(conflict_back, code)
        form.form_errors = [*list(getattr(form, "form_errors", []) or []), exc.detail]
        return render(exc.status)
    if isinstance(outcome, Stay):
        if outcome.commit:
            return render(outcome.status)
        try:
            return render(outcome.status)
        finally:
            _undo(call)
    return _finish(outcome, code)


def handle_action(
    call: Callable[[Session], Any],
    *,
    success: Success,
    back: str,
    form: Any | None = None,
    refusals: tuple[type[DomainError], ...] = (Invalid, Conflict),
    message: Callable[[DomainError], str] | None = None,
    category: str = "danger",
    code: int = 302,
) -> ResponseReturnValue:
    """A button's POST: (its CSRF form validated) → one service call → commit → redirect.

    A refused call (by default Invalid or Conflict) flashes its reason (`message`, else
    `refusal_message`) with `category` and returns to `back`; `refusals=()` leaves every
    domain error to the error pages. `code` is the status of both redirects."""
    if form is not None and not form.validate_on_submit():
        flash("The form expired; please try again.", "danger")
        return redirect(back, code)
    try:
        outcome = _run(call, success)
    except refusals as exc:
        flash((message or refusal_message)(exc), category)
        return redirect(back, code)
    if isinstance(outcome, Stay):  # a mistake in the view: an action has no page of its own
        if not outcome.commit:
            _undo(call)
        raise TypeError("an action has no page to stay on")
    return _finish(outcome, code)


def refusal_message(exc: DomainError) -> str:
    """One line for a flash message: the service's detail, which for `Invalid` names each
    field with its reasons."""
    return exc.detail


def choices(pairs: Any) -> list:
    """SelectField choices from (value, label) pairs or plain values."""
    from wtforms import SelectChoice

    out = []
    for pair in pairs:
        value, label = pair if isinstance(pair, tuple) else (pair, pair)
        out.append(SelectChoice(value, label))
    return out
