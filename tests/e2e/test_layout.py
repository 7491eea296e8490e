"""The frame in a real browser, as every role: no page scrolls sideways at 390 px or at
1280 px, the bar (brand to Log out) fits on one line at 1280 px, the phone menu opens with
JavaScript off, and focus is visible on the dark bar.

Every main page is found the way a person finds it: the links of the bar itself (so a page
added to the navigation is measured without touching this file), the Admin menu for admins,
then the pages behind ids reached by following links (a creator and each of its tabs, a
submission or review, an NDA, a deal, a feedback report). Screenshots of the daily pages at
1366 and 390 px are kept in the artifacts folder (E2E_KEEP_ARTIFACTS=1 keeps them).
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import ARTIFACTS, DEMO_PASSWORD, Session

ROLES = ("admin", "manager", "legal", "viewer")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

# Links that end a session or download a file are not pages to measure.
SKIP = ("/logout",)
DOWNLOADS = ("/document", ".csv", ".json", ".ics", "/media")

FITS = """() => ({
    scroll: document.documentElement.scrollWidth,
    inner: window.innerWidth,
    wide: [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                     && getComputedStyle(e).position !== 'fixed'
                     && e.offsetParent !== null)
        .slice(0, 3)
        .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                  + (e.className && typeof e.className === 'string'
                     ? '.' + e.className.trim().split(/\\s+/).join('.') : '')),
})"""

BAR = """() => {
    const nav = document.querySelector('nav.site-nav');
    const rect = (el) => el.getBoundingClientRect();
    const items = [nav.querySelector('.navbar-brand'),
                   ...nav.querySelectorAll('.site-links > li'),
                   nav.querySelector('.site-user summary'),
                   nav.querySelector('.site-logout button')];
    const boxes = items.map(rect);
    return {
        height: rect(nav).height,
        inner: window.innerWidth,
        tops: boxes.map(b => Math.round(b.top)),
        bottoms: boxes.map(b => Math.round(b.bottom)),
        logoutRight: boxes[boxes.length - 1].right,
        logoutVisible: boxes[boxes.length - 1].width > 0,
        count: items.length,
    };
}"""


def _login(session: Session, role: str) -> None:
    session.login(f"{role}@example.com", DEMO_PASSWORD)
    assert "/login" not in session.page.url, f"{role} could not log in"


def _hrefs(session: Session, selector: str) -> list[str]:
    return session.page.eval_on_selector_all(
        selector, "els => els.map(e => e.getAttribute('href')).filter(Boolean)"
    )


def _first(session: Session, path: str, selector: str) -> str | None:
    session.go(path)
    hrefs = _hrefs(session, selector)
    return hrefs[0] if hrefs else None


def _pages(session: Session, role: str) -> list[str]:
    """Every main page this role reaches: the bar's links, then pages behind ids."""
    session.go("/")
    pages = ["/", *_hrefs(session, "nav.site-nav .site-menu a.nav-link")]
    creator = _first(session, "/creators/?owner=any", "table a[href^='/creators/']")
    if creator:
        session.go(creator)
        pages += [creator, *_hrefs(session, ".nav-tabs a[href*='tab=']")]
    if role in ("admin", "legal"):
        pages.append(_first(session, "/review/", "table a[href^='/review/']"))
    if role in ("admin", "manager", "viewer"):
        pages.append(_first(session, "/submissions/", "table a[href^='/submissions/']"))
    if creator:
        session.go(f"{creator}?tab=agreements")
        pages += _hrefs(
            session, "main a[href^='/agreements/ndas/'], main a[href^='/agreements/deals/']"
        )[:4]
    pages.append(_first(session, "/feedback/report", "a[href^='/feedback/products/']"))
    pages += ["/calendar/", "/digest/preview", "/profile"]
    seen: list[str] = []
    for page in pages:
        if not page or page in seen or not page.startswith("/") or page.startswith(SKIP):
            continue
        if not any(part in page for part in DOWNLOADS):
            seen.append(page)
    return seen


@pytest.mark.parametrize("role", ROLES)
def test_no_page_scrolls_sideways_and_the_bar_is_one_line(browser, live_server, role):
    session = Session(browser, live_server, f"layout-{role}")
    try:
        _login(session, role)
        pages = _pages(session, role)
        assert len(pages) >= 12, pages
        wide: dict[str, dict] = {}
        for path in pages:
            session.page.set_viewport_size(DESKTOP)
            response = session.go(path)
            assert response.status == 200, (role, path, response.status)
            desktop = session.page.evaluate(FITS)
            session.page.set_viewport_size(PHONE)
            phone = session.page.evaluate(FITS)
            for width, fit in (("1280", desktop), ("390", phone)):
                if fit["scroll"] > fit["inner"]:
                    wide[f"{path} at {width}"] = fit
        assert not wide, wide

        session.page.set_viewport_size(DESKTOP)
        session.go("/")
        bar = session.page.evaluate(BAR)
        assert bar["logoutVisible"], bar
        assert bar["logoutRight"] <= bar["inner"], bar
        # One line: every entry, the user zone and Log out share the bar's single row.
        assert bar["height"] <= 72, bar
        assert max(bar["tops"]) < min(bar["bottoms"]), bar
    finally:
        session.close()


def test_the_admin_menu_opens_inside_the_window(person):
    admin = person("layout-admin-menu")
    _login(admin, "admin")
    admin.page.set_viewport_size(DESKTOP)
    admin.go("/")
    menu = admin.page.locator("nav.site-nav .site-links details", has_text="Admin")
    menu.locator("summary").click()
    audit = menu.get_by_role("link", name="Audit")
    assert audit.is_visible()
    box = menu.locator(".site-dropdown-menu").bounding_box()
    assert box is not None and box["x"] + box["width"] <= DESKTOP["width"], box
    admin.page.keyboard.press("Escape")  # closing needs app.js; opening does not
    assert not audit.is_visible()
    user = admin.page.locator("nav.site-nav .site-user details")
    user.locator("summary").click()
    profile = user.get_by_role("link", name="Profile and time zone")
    assert profile.is_visible()
    box = user.locator(".site-dropdown-menu").bounding_box()
    assert box is not None and box["x"] + box["width"] <= DESKTOP["width"], box


def test_the_phone_menu_opens_without_javascript(browser, live_server):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/login")
        page.get_by_label("Email").fill("admin@example.com")
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()
        assert "/login" not in page.url
        tasks = page.locator("nav.site-nav").get_by_role("link", name=re.compile("^Tasks"))
        assert not tasks.is_visible()
        page.locator("nav.site-nav summary", has_text="Menu").click()
        assert tasks.is_visible()
        page.screenshot(path=str(ARTIFACTS / "layout-phone-menu-no-js-390.png"), full_page=True)
        # The Admin menu inside it opens the same way, and its pages are reachable.
        page.locator("nav.site-nav .site-links summary", has_text="Admin").click()
        audit = page.locator("nav.site-nav").get_by_role("link", name="Audit")
        assert audit.is_visible()
        audit.click()
        page.wait_for_load_state()
        assert page.url.endswith("/audit/")
        # From the keyboard: Tab to the menu button, Enter opens it, Log out is reachable.
        summary = page.locator("nav.site-nav summary", has_text="Menu")
        summary.focus()
        page.keyboard.press("Enter")
        logout = page.locator("nav.site-nav").get_by_role("button", name="Log out")
        assert logout.is_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        context.close()


def test_focus_is_a_three_pixel_ring_light_on_the_dark_bar(person):
    manager = person("layout-focus")
    _login(manager, "manager")
    manager.page.set_viewport_size(DESKTOP)
    manager.go("/creators/?owner=any")
    ring = """(el) => { const s = getComputedStyle(el);
        return {width: s.outlineWidth, style: s.outlineStyle, color: s.outlineColor}; }"""
    manager.page.keyboard.press("Tab")  # the skip link
    manager.page.keyboard.press("Tab")  # the brand
    brand = manager.page.locator("nav.site-nav .navbar-brand")
    assert brand.evaluate("el => el === document.activeElement")
    on_bar = brand.evaluate(ring)
    assert on_bar == {"width": "3px", "style": "solid", "color": "rgb(255, 212, 59)"}, on_bar
    search = manager.page.get_by_label("Search")
    search.focus()
    on_page = search.evaluate(ring)
    assert on_page["width"] == "3px" and on_page["style"] == "solid", on_page
    assert on_page["color"] == "rgb(11, 94, 215)", on_page


SHOTS = [
    ("home", "manager", lambda s: "/"),
    ("creator-list", "manager", lambda s: "/creators/?owner=any"),
    (
        "creator-page",
        "manager",
        lambda s: _first(s, "/creators/?owner=any&q=Maya", "table a[href^='/creators/']"),
    ),
    ("review-queue", "legal", lambda s: "/review/"),
    ("review-page", "legal", lambda s: _first(s, "/review/", "table a[href^='/review/']")),
    ("tasks", "manager", lambda s: "/tasks/"),
]


@pytest.mark.parametrize(("label", "role", "where"), SHOTS, ids=[s[0] for s in SHOTS])
def test_screenshots_of_the_daily_pages(person, label, role, where):
    session = person(f"layout-{role}-shots")
    _login(session, role)
    path = where(session)
    assert path, label
    for width, height in ((1366, 900), (390, 844)):
        session.page.set_viewport_size({"width": width, "height": height})
        response = session.go(path)
        assert response.status == 200, (path, response.status)
        session.page.screenshot(path=str(ARTIFACTS / f"{label}-{width}.png"), full_page=True)
        assert session.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
