"""axe-core on every main page, each seen by a role that uses it: no serious or critical
violation may appear.

Pages whose address holds an id (a creator, an NDA, a review, a report) are reached by
following the links a person would follow, so the scan does not depend on demo ids.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Session, axe_violations

DEMO_CREATOR = "Maya Chen Creates"


def _href(session: Session, path: str, role: str, name: str) -> str:
    """The address behind the link called `name` on the page at `path`."""
    session.go(path)
    link = session.page.get_by_role(role, name=name, exact=True).first
    href = link.get_attribute("href")
    assert href, (path, name)
    return href


def creator_page(s: Session) -> str:
    return _href(s, "/creators/?owner=any&q=Maya", "link", DEMO_CREATOR)


def nda_page(s: Session) -> str:
    return _href(s, creator_page(s), "link", "NDA #1")


def grant_form(s: Session) -> str:
    return _href(s, creator_page(s), "link", "Grant access")


def review_page(s: Session) -> str:
    s.go("/review/")
    link = s.page.get_by_role("table").get_by_role("link").first
    href = link.get_attribute("href")
    assert href and href.startswith("/review/"), href
    return href


def feedback_report(s: Session) -> str:
    return _href(s, "/feedback/report", "link", "Open the report for Aurora 2")


def licensing_works(s: Session) -> str:
    """The works page of the first creator in the licensing list who has works."""
    s.go("/licensing/")
    rows = s.page.locator("tbody tr")
    for n in range(rows.count()):
        row = rows.nth(n)
        if row.locator("td").nth(1).inner_text().strip() != "0":
            href = row.get_by_role("link").first.get_attribute("href")
            assert href and href.startswith("/licensing/creators/"), href
            return href
    raise AssertionError("no creator with works in the licensing list")


def licensing_releases(s: Session) -> str:
    return _href(s, licensing_works(s), "link", "Releases")


def licensing_work(s: Session) -> str:
    s.go(licensing_works(s))
    href = s.page.locator("a[href^='/licensing/works/']").first.get_attribute("href")
    assert href, "no work link"
    return href


# (label, role, path or a function finding the path from the role's session)
PAGES = [
    ("home", "manager", "/"),
    ("creators-list", "manager", "/creators/?owner=any"),
    ("creator-page", "manager", creator_page),
    ("creator-page-viewer", "viewer", creator_page),
    ("new-creator-form", "manager", "/creators/new"),
    ("agreements-expiring", "manager", "/agreements/"),
    ("nda-page", "legal", nda_page),
    ("grant-form", "manager", grant_form),
    ("payment-correction", "manager", "/agreements/payments/1/edit"),
    ("products-read-only", "manager", "/agreements/products/"),
    ("creator-import", "manager", "/creators/import"),
    ("submissions-list", "manager", "/submissions/"),
    ("new-submission-form", "manager", "/submissions/new"),
    ("review-queue", "legal", "/review/"),
    ("review-page", "legal", review_page),
    ("feedback-board", "manager", "/feedback/"),
    ("new-feedback-form", "manager", "/feedback/new"),
    ("feedback-report", "viewer", feedback_report),
    ("metrics-audience", "manager", "/metrics/"),
    ("licensing", "manager", "/licensing/"),
    ("licensing-works", "manager", licensing_works),
    ("licensing-work", "manager", licensing_work),
    ("licensing-releases", "legal", licensing_releases),
    ("tasks", "manager", "/tasks/"),
    ("digest-preview", "manager", "/digest/preview"),
    ("profile", "viewer", "/profile"),
    ("admin-users", "admin", "/admin/users/"),
    ("audit", "admin", "/audit/"),
    ("outbox", "admin", "/admin/outbox/"),
    ("webhooks", "admin", "/admin/webhooks/"),
    ("consent-conflicts", "legal", "/licensing/conflicts"),
    ("check-settings", "admin", "/admin/approval-settings"),
    ("login", None, "/login"),
]


@pytest.fixture(scope="module")
def sessions(browser, live_server):
    """One logged-in browser context per role, shared by the scans of this module."""
    opened: dict[str | None, Session] = {}

    def get(role: str | None) -> Session:
        if role not in opened:
            session = Session(browser, live_server, f"a11y-{role or 'anonymous'}")
            if role:
                session.login(f"{role}@example.com")
            opened[role] = session
        return opened[role]

    yield get
    for session in opened.values():
        session.close()


@pytest.mark.parametrize(("label", "role", "path"), PAGES, ids=[p[0] for p in PAGES])
def test_page_has_no_serious_accessibility_violations(sessions, label, role, path):
    session = sessions(role)
    target = path(session) if callable(path) else path
    response = session.go(target)
    assert response.status == 200, (target, response.status)
    assert "/login" not in session.page.url or role is None, f"{role} was sent to log in"
    session.shot(label)
    assert axe_violations(session.page) == [], target
