"""One form path for the pages (crm.web.forms), one upload path (crm.web.uploads).

The first test reads every view module and every API module and fails when one of them ends a
transaction by hand again (`rollback()`; for pages also `commit()`): views hand the service
call to `handle_form` / `handle_action`, which validate, call, commit or roll back, and show
the outcome. The few places that must do it themselves are listed in ALLOWED with the reason.
The other tests pin down what the path does.
"""

from __future__ import annotations

import ast
import io
from pathlib import Path

import pytest
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

from crm.common.errors import Conflict, Forbidden, Invalid
from crm.web import forms as form_path
from crm.web.forms import Stay, handle_action, handle_form
from crm.web.uploads import with_upload

ROOT = Path(__file__).resolve().parents[1]

# (module, function, method): why it ends the transaction itself.
ALLOWED = {
    ("crm/auth/views.py", "login", "commit"): (
        "a failed login's attempt row is committed (it is the throttle's memory) and answers "
        "401; the session cookie is set only after the commit"
    ),
    ("crm/auth/views.py", "login", "rollback"): (
        "throttled: the login page is shown again with 429 and Retry-After, not an error page"
    ),
    ("crm/auth/views.py", "logout", "commit"): (
        "the session row ends before Flask-Login and the cookie forget the user"
    ),
    ("crm/auth/views.py", "reauth", "commit"): (
        "a wrong password is audited, so the failure is committed, and the form shown again"
    ),
    ("crm/api/idempotency.py", "before", "rollback"): (
        "the Idempotency-Key reservation is its own transaction, before the handler runs"
    ),
    ("crm/api/idempotency.py", "after", "rollback"): (
        "the stored response is its own transaction, after the handler committed"
    ),
    # The creator portal's login, links and logout, for the same reasons as the staff ones.
    ("crm/portal/views.py", "_begin", "commit"): (
        "a portal session row is committed before the cookie carries its key"
    ),
    ("crm/portal/views.py", "login", "commit"): (
        "a failed portal login's attempt row is committed (the throttle's memory); 401"
    ),
    ("crm/portal/views.py", "login", "rollback"): (
        "throttled: the portal login page again with 429 and Retry-After"
    ),
    ("crm/portal/views.py", "login_link", "commit"): (
        "the request is counted and the same page answers whether or not an email went out"
    ),
    ("crm/portal/views.py", "login_link", "rollback"): (
        "a malformed address (422) or a throttled address (429) on the same page"
    ),
    ("crm/portal/views.py", "_redeem_page", "commit"): (
        "the link is used up before the new session starts"
    ),
    ("crm/portal/views.py", "_redeem_page", "rollback"): (
        "a refused password keeps the link usable; an unusable link gets its own page"
    ),
    ("crm/portal/views.py", "logout", "commit"): (
        "the portal session rows end before the cookie forgets them"
    ),
    ("crm/licensing/views/rights.py", "_manifest", "commit"): (
        "a GET that freezes a finished payout period's manifest on its first request"
    ),
    ("crm/feedback/views.py", "report_csv", "rollback"): (
        "ends the read transaction (on SQLite its lock) before the CSV download goes out"
    ),
}


def _modules() -> list[tuple[Path, bool]]:
    """(path, is a page module) for every view, admin view and API module."""
    crm = ROOT / "crm"
    pages = sorted(
        {
            *crm.glob("**/views.py"),
            *crm.glob("**/views_*.py"),
            *crm.glob("**/views/*.py"),
            *crm.glob("**/*_views.py"),
        }
    )
    apis = sorted({*crm.glob("**/api.py"), *crm.glob("**/*_api.py"), *(crm / "api").glob("*.py")})
    return [(p, True) for p in pages] + [(p, False) for p in apis]


def _transaction_calls(path: Path, methods: tuple[str, ...]):
    """(function, method, line) of every `<something>.rollback()` / `.commit()` call."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for top in ast.walk(tree):
        if not isinstance(top, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(top):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in methods
                and not node.args
            ):
                yield top.name, node.func.attr, node.lineno


def test_no_view_or_api_module_ends_a_transaction_by_hand():
    found, unexplained = set(), []
    modules = _modules()
    assert len(modules) > 20, "the view and API modules were not found"
    for path, is_page in modules:
        methods = ("rollback", "commit") if is_page else ("rollback",)
        name = path.relative_to(ROOT).as_posix()
        for function, method, line in _transaction_calls(path, methods):
            key = (name, function, method)
            if key in ALLOWED:
                found.add(key)
            else:
                unexplained.append(f"{name}:{line} {function}() calls {method}()")
    assert not unexplained, (
        "hand-written transaction handling; use crm.web.forms.handle_form / handle_action "
        "(or add the place to ALLOWED with the reason):\n" + "\n".join(unexplained)
    )
    stale = set(ALLOWED) - found
    assert not stale, f"ALLOWED names places that no longer need it: {stale}"


# --- what the path does --------------------------------------------------------------------


class FakeSession:
    def __init__(self):
        self.log: list[str] = []

    def commit(self):
        self.log.append("commit")

    def rollback(self):
        self.log.append("rollback")


@pytest.fixture
def session(monkeypatch):
    fake = FakeSession()
    monkeypatch.setattr(form_path, "get_session", lambda: fake)
    return fake


class NameForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField(validators=[DataRequired()])


def _page(form, log):
    def render(status):
        log.append(("render", status, list(form.name.errors), list(form.form_errors)))
        return "page", status

    return render


def _post(app, data=None, method="POST"):
    return app.test_request_context("/thing", method=method, data=data or {})


def _flashes():
    from flask import get_flashed_messages

    return get_flashed_messages(with_categories=True)


def test_get_renders_and_an_invalid_post_is_422_without_calling(app, session):
    for method, data, status in (("GET", {}, 200), ("POST", {}, 422)):
        with _post(app, data, method):
            form, log = NameForm(), []
            result = handle_form(
                form, lambda db: pytest.fail("called"), render=_page(form, log), success=("", "/")
            )
            assert result == ("page", status)
    assert session.log == []


def test_success_commits_flashes_and_redirects(app, session):
    with _post(app, {"name": "Ada"}):
        form = NameForm()
        response = handle_form(
            form,
            lambda db: f"#{form.name.data}",
            render=_page(form, []),
            success=lambda made: (f"Made {made}.", "/done"),
            code=303,
        )
        assert (response.status_code, response.location) == (303, "/done")
        assert _flashes() == [("success", "Made #Ada.")]
    assert session.log == ["commit"]


def test_invalid_rolls_back_and_shows_the_messages_beside_the_fields(app, session):
    def refuse(db):
        raise Invalid({"name": ["is taken"], "other": ["is odd"]})

    with _post(app, {"name": "Ada"}):
        form, log = NameForm(), []
        assert handle_form(form, refuse, render=_page(form, log), success=("", "/")) == (
            "page",
            422,
        )
        assert log == [("render", 422, ["is taken"], ["other: is odd"])]
    assert session.log == ["rollback"]


def test_conflict_is_shown_above_the_form_or_flashed_on_the_page_before(app, session):
    def refuse(db):
        raise Conflict("Someone else changed it.")

    with _post(app, {"name": "Ada"}):
        form, log = NameForm(), []
        assert handle_form(form, refuse, render=_page(form, log), success=("", "/"))[1] == 409
        assert log[0][3] == ["Someone else changed it."]
    with _post(app, {"name": "Ada"}):
        form = NameForm()
        response = handle_form(
            form, refuse, render=_page(form, []), success=("", "/"), conflict_back="/back"
        )
        assert response.location == "/back"
        assert _flashes() == [("danger", "Someone else changed it.")]
    assert session.log == ["rollback", "rollback"]


def test_other_errors_roll_back_and_reach_the_error_pages(app, session):
    def refuse(db):
        raise Forbidden("No.")

    with _post(app, {"name": "Ada"}), pytest.raises(Forbidden):
        form = NameForm()
        handle_form(form, refuse, render=_page(form, []), success=("", "/"))
    assert session.log == ["rollback"]


def test_stay_draws_the_page_before_rolling_back_unless_it_commits(app, session):
    with _post(app, {"name": "Ada"}):
        form = NameForm()

        def render(status):
            session.log.append(f"render {status}")
            return "page", status

        handle_form(form, lambda db: None, render=render, success=lambda _: Stay(422))
        handle_form(form, lambda db: None, render=render, success=Stay(200, commit=True))
    assert session.log == ["render 422", "rollback", "commit", "render 200"]


def test_an_action_flashes_refusals_and_goes_back(app, session):
    def refuse(db):
        raise Invalid({"due_on": ["must be after today"]})

    with _post(app):
        response = handle_action(refuse, success=("", "/"), back="/tasks")
        assert response.location == "/tasks"
        assert _flashes() == [("danger", "due_on: must be after today")]
    with _post(app), pytest.raises(Invalid):
        handle_action(refuse, success=("", "/"), back="/tasks", refusals=())
    with _post(app):
        done = handle_action(lambda db: 1, success=("Revoked.", "/me", "info"), back="/x")
        assert done.location == "/me" and _flashes() == [("info", "Revoked.")]
    assert session.log == ["rollback", "rollback", "commit"]


# --- uploads -------------------------------------------------------------------------------


class Upload:
    def __init__(self, data: bytes, filename: str = "a.pdf"):
        self.stream = io.BytesIO(data)
        self.filename = filename


class Allowance:
    def __init__(self, left: int | None = None):
        self.left = left
        self.asked = 0

    def check_any_left(self):
        if self.left == 0:
            raise Conflict("quota")


def _upload_call(file, files, quota, service, **kwargs):
    def allowance():
        quota.asked += 1
        return quota

    def store(stream, filename, allowance):
        files.append(filename)
        return filename

    return with_upload(
        file,
        allowance=allowance,
        store=store,
        call=service,
        discard=files.remove,
        **kwargs,
    )


def test_a_stored_file_goes_when_the_change_is_refused(app, session):
    files, quota = [], Allowance()

    def refuse(db, stored):
        assert files == [stored]
        raise Invalid({"media": ["is not allowed here"]})

    with _post(app, {"name": "Ada"}):
        form = NameForm()
        call = _upload_call(Upload(b"x", "clip.mp4"), files, quota, refuse)
        assert handle_form(form, call, render=_page(form, []), success=("", "/"))[1] == 422
    assert files == [] and quota.asked == 1 and session.log == ["rollback"]


def test_after_the_commit_the_replaced_file_goes_and_the_new_one_stays(app, session):
    files, quota, replaced = ["old.pdf"], Allowance(), []

    def attach(db, stored):
        return "old.pdf"

    call = _upload_call(
        Upload(b"%PDF-", "new.pdf"),
        files,
        quota,
        attach,
        after_commit=lambda previous: (replaced.append(previous), files.remove(previous)),
    )
    with _post(app):
        handle_action(call, success=("Stored.", "/nda"), back="/nda", refusals=())
    assert files == ["new.pdf"] and replaced == ["old.pdf"] and session.log == ["commit"]


def test_without_a_file_the_quota_is_not_asked_and_a_used_up_quota_stores_nothing(app, session):
    files, quota = [], Allowance(left=0)
    seen = []
    with _post(app):
        call = _upload_call(Upload(b"", ""), files, quota, lambda db, stored: seen.append(stored))
        handle_action(call, success=("", "/"), back="/")
        assert seen == [None] and quota.asked == 0
        call = _upload_call(Upload(b"x"), files, quota, lambda db, stored: seen.append(stored))
        handle_action(call, success=("", "/"), back="/")
        assert seen == [None] and files == [] and quota.asked == 1
    assert session.log == ["commit", "rollback"]


def test_beside_puts_a_rule_of_another_name_beside_the_one_field(app, session):
    from crm.web.forms import beside

    def refuse(db):
        raise Invalid({"snoozed_until": ["must be after today"], "other": ["is odd"]})

    with _post(app, {"name": "Ada"}):
        form, log = NameForm(), []
        handle_form(
            form, refuse, render=_page(form, log), success=("", "/"), on_invalid=beside(form.name)
        )
        assert log == [("render", 422, ["must be after today", "is odd"], [])]
    assert session.log == ["rollback"]
