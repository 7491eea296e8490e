"""Journey 4: an admin creates a user, changes a role, deactivates another user, whose open
session then stops working."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations


def test_admin_manages_users_and_deactivation_ends_a_session(person):
    # The user deactivated below is manager2, whom no other journey uses, so the journeys pass
    # in any order.
    other = person("manager2")
    other.login("manager2@example.com")
    other.go("/")
    expect(other.page.get_by_role("heading", name="Today")).to_be_visible()

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
    expect(admin.page.get_by_text("User new.hire@example.com created as viewer.")).to_be_visible()

    row = admin.page.locator("tr", has_text="new.hire@example.com")
    row.get_by_label("Role of new.hire@example.com").select_option("manager")
    row.get_by_role("button", name="Change").click()
    expect(admin.page.get_by_text("new.hire@example.com is now manager.")).to_be_visible()

    admin.page.once("dialog", lambda dialog: dialog.accept())
    admin.page.locator("tr", has_text="manager2@example.com").get_by_role(
        "button", name="Deactivate"
    ).click()
    expect(admin.page.get_by_text(re.compile("manager2@example.com deactivated"))).to_be_visible()
    admin.shot("after-deactivation")

    other.go("/")
    expect(other.page).to_have_url(re.compile(r"/login"))
    other.shot("logged-out")
