"""The rule-set settings at phone width: the table of rule sets fits a 390 px screen (no
horizontal scrolling, inside its wrapper or on the page)."""

from __future__ import annotations

from tests.e2e.conftest import ARTIFACTS


def test_the_rule_set_table_fits_a_phone(person):
    admin = person("admin-narrow")
    admin.login("admin@example.com")
    admin.page.set_viewport_size({"width": 390, "height": 844})
    admin.go("/admin/approval-settings")
    admin.page.wait_for_load_state()
    sizes = admin.page.evaluate(
        """() => {
            const table = document.querySelector('#rules-h').parentElement.querySelector('table');
            const wrap = table.parentElement;
            return {
                page: document.documentElement.scrollWidth,
                viewport: window.innerWidth,
                table: table.scrollWidth,
                wrap: wrap.clientWidth,
                right: Math.max(...[...table.querySelectorAll('th, td')].map(
                    c => c.getBoundingClientRect().right)),
            };
        }"""
    )
    admin.page.screenshot(path=str(ARTIFACTS / "admin-rule-sets-390.png"), full_page=True)
    admin.page.locator("#rules-h").scroll_into_view_if_needed()
    admin.page.screenshot(path=str(ARTIFACTS / "admin-rule-sets-390-screen.png"))
    assert sizes["page"] <= sizes["viewport"], sizes
    assert sizes["table"] <= sizes["wrap"], sizes
    assert sizes["right"] <= sizes["viewport"], sizes
