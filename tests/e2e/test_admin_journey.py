"""Journey 4: an admin invites a user, raises their role (confirmed), deactivates another
user, whose open session then stops working."""

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

    form = admin.page.locator("form[action='/admin/users/invite']")
    form.get_by_label("Email").fill("new.hire@example.com")
    form.get_by_label("Name").fill("New Hire")
    expect(form.get_by_label("Role")).to_have_value("viewer")  # the default
    form.get_by_role("button", name="Invite").click()
    expect(
        admin.page.get_by_text(re.compile("Invitation emailed to new.hire@example.com"))
    ).to_be_visible()

    row = admin.page.locator("tr", has_text="new.hire@example.com")
    expect(row.get_by_text("invitation pending")).to_be_visible()
    row.get_by_label("Role of new.hire@example.com").select_option("manager")
    row.get_by_role("button", name="Change").click()
    admin.page.get_by_role("button", name="Yes, make them manager").click()  # raising confirms
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
