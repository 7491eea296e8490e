"""The frame every staff page shares: the bar's menus by role, the user zone, the favicon.

Layout itself (one bar at 1280 px, no sideways scrolling at 390 px, the menu opening without
JavaScript) is measured in a browser by tests/e2e/test_layout.py; these check the markup."""

from __future__ import annotations

import re

import pytest

from crm.web.badges import tone

ADMIN_PAGES = ("Users", "Custom fields", "Check settings", "Outbox", "Webhooks", "Audit")


def _bar(page: str) -> str:
    return page.split('<nav class="navbar', 1)[1].split("</nav>", 1)[0]


def _admin_menu(bar: str) -> str | None:
    match = re.search(
        r'<summary class="nav-link dropdown-toggle[^"]*">Admin.*?</details>', bar, re.S
    )
    return match.group(0) if match else None


def test_admin_pages_are_grouped_under_one_admin_menu(client, login):
    login("admin")
    bar = _bar(client.get("/").get_data(as_text=True))
    menu = _admin_menu(bar)
    assert menu is not None, bar
    for label in ADMIN_PAGES:
        assert f">{label}" in menu, label
    outside = bar.replace(menu, "")
    for label in ADMIN_PAGES:
        assert f">{label}\n" not in outside, label


@pytest.mark.parametrize("role", ["manager", "legal", "viewer"])
def test_other_roles_get_no_admin_menu_but_keep_their_pages(client, login, role):
    login(role)
    bar = _bar(client.get("/").get_data(as_text=True))
    assert _admin_menu(bar) is None
    assert ('href="/audit/">Audit' in bar) == (role == "legal")
    assert ('href="/agreements/products/">Products' in bar) == (role in ("manager", "legal"))
    assert "/admin/users/" not in bar


def test_the_user_zone_shows_name_role_zone_and_log_out(client, login):
    user = login("legal", name="Lee Legal", timezone="Europe/London")
    bar = _bar(client.get("/tasks/").get_data(as_text=True))
    zone = bar.split('class="site-user"', 1)[1]
    assert "Lee Legal" in zone
    assert re.search(r"Legal · <span[^>]*>time zone </span>Europe/London", zone), zone
    assert 'href="/profile"' in zone and 'href="/digest/preview"' in zone
    assert re.search(r'action="/logout".*?>Log out</button>', zone, re.S)
    assert user.timezone == "Europe/London"


def test_menus_are_details_and_the_page_needs_no_script_to_open_them(client, login):
    login("admin")
    page = client.get("/").get_data(as_text=True)
    bar = _bar(page)
    assert 'class="site-menu-toggle"' in bar and "<summary" in bar
    assert "data-bs-toggle" not in bar
    assert bar.count("<details") == 3  # the phone menu, Admin, the user's menu


def test_the_current_page_is_marked_in_its_menu(client, login):
    login("admin")
    bar = _bar(client.get("/admin/webhooks/").get_data(as_text=True))
    menu = _admin_menu(bar)
    assert menu is not None and "dropdown-toggle active" in menu
    assert re.search(r'aria-current="page"\s*href="/admin/webhooks/"', menu)


def test_every_page_links_the_svg_favicon_and_favicon_ico_redirects_to_it(client, login):
    page = client.get("/login").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/static/favicon.svg")
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    icon.close()


@pytest.mark.parametrize(
    ("value", "colour"),
    [
        ("approved", "success"),
        ("paid", "success"),
        ("in_review", "warning"),
        ("sent", "warning"),
        ("pending", "warning"),
        ("rejected", "danger"),
        ("overdue", "danger"),
        ("draft", "secondary"),
        ("withdrawn", "secondary"),
        ("no-such-status", "secondary"),
    ],
)
def test_status_badges_are_coloured_by_meaning(value, colour):
    assert tone(value) == colour


def test_dates_in_running_text_do_not_break_at_their_hyphens():
    from crm.web.templating import dates_nobreak

    shown = dates_nobreak("No contact <b>for 39 days</b> (last contact 2026-10-24)")
    assert shown == (
        'No contact &lt;b&gt;for 39 days&lt;/b&gt; (last contact <span class="text-date">'
        "2026-10-24</span>)"
    )
    assert dates_nobreak("since 2026-12-02 05:22 Europe/London, by Ada") == (
        'since <span class="text-date">2026-12-02 05:22 Europe/London</span>, by Ada'
    )


def test_the_lists_say_how_many_rows_match(client, login, make_creator):
    for n in range(3):
        make_creator(display_name=f"Counted {n}")
    login("manager")
    page = client.get("/creators/?owner=any&q=Counted").get_data(as_text=True)
    assert re.search(r'class="result-count[^"]*">3 creators</p>', page)
    page = client.get("/creators/?owner=any&q=Counted 1").get_data(as_text=True)
    assert re.search(r'class="result-count[^"]*">1 creator</p>', page)


def test_a_count_stops_past_its_cap(db, make_creator):
    from sqlalchemy import select

    from crm.common.pagination import count_up_to
    from crm.creators.models import Creator

    for n in range(4):
        make_creator(display_name=f"Capped {n}")
    stmt = select(Creator).where(Creator.display_name.like("Capped %"))
    assert count_up_to(db, stmt) == 4
    assert count_up_to(db, stmt, cap=2) == 3
