"""Inline errors on every form, in Chromium: no form post may end on a stand-alone error
page.

For each role the crawl logs in, reads every page reachable by links from the home page
(one per URL shape, navigation first: the main pages, then the creator, submission, deal,
NDA and grant pages of the demo data and what they link to), and collects every POST form
with a field a person types into. Each form is then used as a person would: its page is
opened, one field is filled with a value that must be refused (tests/form_oracle.py chooses
it: "not-a-url" for a URL, "abc" for a number, "2026-13-45" for a date, a text past its
limit or 10,000 characters) and the form is submitted with its own button. The browser's own
checks are switched off first (novalidate, the input turned into a text box), so what is
tested is the server's answer: the same form again, that field's message beside it (or the
reason on the form), the typed text kept, 422 or 409, and never a 500 or a redirect that
drops what was typed.

The crawl runs against a server of its own (a fresh demo database), so a form it happens to
fill correctly changes nothing another journey relies on. CRM_FORM_CRAWL_REPORT=path writes
the forms posted per role and every failure as JSON.
"""

from __future__ import annotations

import json
import os

import pytest

from tests import form_oracle as oracle
from tests.e2e.conftest import DEMO_PASSWORD, serve_demo

ROLES = {
    "admin": "admin@example.com",
    "manager": "manager@example.com",
    "legal": "legal@example.com",
    "viewer": "viewer@example.com",
}
# Fewer forms than this for a role means the crawl lost its way, not that all is well.
MINIMUM_FORMS = {"admin": 40, "manager": 35, "legal": 8, "viewer": 3}
# Detail pages the crawl must have reached for the editors (the issue names them).
DETAIL_SHAPES = (
    "/creators/{id}",
    "/submissions/{id}",
    "/agreements/deals/{id}",
    "/agreements/ndas/{id}",
)
REPORT = os.environ.get("CRM_FORM_CRAWL_REPORT")

# Switch off the browser's checks on the form, put the wrong value into the chosen field
# (as text, so a number or date box keeps it) and give empty required fields a plausible
# value, as `oracle.baseline` does for the test client; then submit with the form's button.
PREPARE = """
([index, action, name, value, plausible]) => {
  const form = document.forms[index];
  const path = (u) => { const x = new URL(u, location.href); return x.pathname + x.search; };
  if (!form || path(form.getAttribute("action") || location.href) !== path(action)) {
    return "the form moved";
  }
  form.noValidate = true;
  for (const el of form.elements) {
    if (!el.name || el.disabled) continue;
    if (el.type === "radio" && !form.querySelector(`[name="${el.name}"]:checked`)) {
      el.checked = true;
    } else if (el.tagName === "SELECT" && !el.value && el.required) {
      const option = [...el.options].find((o) => o.value);
      if (option) el.value = option.value;
    } else if (el.name !== name && el.required && !el.value && el.type !== "file"
               && el.type !== "checkbox" && el.type !== "hidden") {
      el.value = plausible[el.type] || "Crawl";
    }
  }
  const target = [...form.elements].find((el) => el.name === name);
  if (!target) return "the field is gone";
  for (const attr of ["maxlength", "minlength", "min", "max", "pattern", "required", "step"]) {
    target.removeAttribute(attr);
  }
  if (target.tagName === "INPUT") target.type = "text";
  target.value = value;
  return "";
}
"""
SUBMIT = """
([index]) => {
  const form = document.forms[index];
  const button = form.querySelector("button[type=submit], button:not([type]), input[type=submit]");
  form.requestSubmit(button || undefined);
}
"""


@pytest.fixture(scope="module")
def crawl_server(tmp_path_factory):
    with serve_demo(tmp_path_factory.mktemp("form-crawl")) as base:
        yield base


def log_in(browser, base: str, email: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(base + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{email} could not log in"
    page.on("dialog", lambda dialog: dialog.accept())  # data-confirm buttons
    return context, page


def crawl(context, base: str) -> tuple[list[str], list[oracle.Form]]:
    """The pages (read through the context's requests, cookies shared) and their forms."""

    def fetch(url: str) -> str | None:
        response = context.request.get(base + url, max_redirects=0, fail_on_status_code=False)
        try:
            html = "html" in response.headers.get("content-type", "")
            return response.text() if response.status == 200 and html else None
        finally:
            response.dispose()

    return oracle.crawl(fetch)


def submit_wrongly(page, base: str, form: oracle.Form, target: oracle.Target):
    """(status, html, redirected) of submitting the form with the wrong value in the field."""
    page.goto(base + form.page)
    moved = page.evaluate(
        PREPARE, [form.index, form.action, target.name, target.value, oracle.PLAUSIBLE]
    )
    if moved:
        return None, moved, False
    with page.expect_navigation(timeout=15_000) as navigation:
        page.evaluate(SUBMIT, [form.index])
    response = navigation.value
    redirected = response is not None and response.request.redirected_from is not None
    status = response.status if response is not None else 0
    return (303 if redirected else status), page.content(), redirected


@pytest.mark.parametrize("role", list(ROLES))
def test_every_form_of_every_role_shows_a_wrong_value_beside_its_field(browser, crawl_server, role):
    context, page = log_in(browser, crawl_server, ROLES[role])
    try:
        pages, forms = crawl(context, crawl_server)
        shapes = {oracle.url_shape(p) for p in pages}
        if role in ("admin", "manager"):
            missing = [s for s in DETAIL_SHAPES if s not in shapes]
            assert not missing, f"{role} never reached {missing}"
        failures, posted = [], []
        for form in forms:
            target = oracle.invalid_value(form)
            if target is None:
                continue
            status, html, _redirected = submit_wrongly(page, crawl_server, form, target)
            where = f"{form.action} (on {form.page}) [{target.name}: {target.why}]"
            if status is None:
                failures.append(f"{where}: {html}")
                continue
            posted.append(f"{where} → {status}")
            failures.extend(
                f"{where}: {problem}"
                for problem in oracle.check(form, target, status, html, form.action)
            )
    finally:
        context.close()
    summary = f"{role}: {len(pages)} pages, {len(posted)} forms posted"
    print(summary, *posted, sep="\n  ")
    if REPORT:
        existing = {}
        if os.path.exists(REPORT):
            with open(REPORT) as fh:
                existing = json.load(fh)
        existing[role] = {"pages": len(pages), "posted": posted, "failures": failures}
        with open(REPORT, "w") as fh:
            json.dump(existing, fh, indent=1, ensure_ascii=False)
    assert not failures, summary + "\n" + "\n".join(failures)
    assert len(posted) >= MINIMUM_FORMS[role], summary + "\n" + "\n".join(posted)
