"""Journey 4: an admin creates a user, changes a role, deactivates another user, whose open
session then stops working."""

from __future__ import annotations

import re

from tests.e2e.conftest import axe_violations


def test_admin_manages_users_and_deactivation_ends_a_session(person):
    viewer = person("viewer")
    viewer.login("viewer@example.com")
    viewer.go("/")
    assert viewer.page.get_by_role("heading", name="Today").is_visible()

    admin = person("admin")
    admin.login("admin@example.com")
    admin.go("/admin/users/")
    admin.shot("users")
    assert axe_violations(admin.page) == []

    form = admin.page.locator("form[action='/admin/users/']")
    form.get_by_label("Email").fill("new.hire@example.com")
    form.get_by_label("Name").fill("New Hire")
    form.get_by_label("Role").select_option("viewer")
    form.get_by_label("Initial password").fill("a long enough passphrase")
    form.get_by_role("button", name="Create user").click()
    assert admin.page.get_by_text("User new.hire@example.com created as viewer.").is_visible()

    row = admin.page.locator("tr", has_text="new.hire@example.com")
    row.get_by_label("Role of new.hire@example.com").select_option("manager")
    row.get_by_role("button", name="Change").click()
    assert admin.page.get_by_text("new.hire@example.com is now manager.").is_visible()

    admin.page.once("dialog", lambda dialog: dialog.accept())
    admin.page.locator("tr", has_text="viewer@example.com").get_by_role(
        "button", name="Deactivate"
    ).click()
    assert admin.page.get_by_text(re.compile("viewer@example.com deactivated")).is_visible()
    admin.shot("after-deactivation")

    viewer.go("/")
    assert "/login" in viewer.page.url
    viewer.shot("logged-out")
