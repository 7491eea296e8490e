"""The launch calendar: planned posts, embargo dates, NDA and grant ends and payments due,
by month and week, and each user's calendar as an iCalendar feed behind a secret URL.

A top domain: it reads creators, agreements and approvals, and nothing reads it.
"""

from flask import Flask

from crm.common.permissions import ALL_ROLES
from crm.common.registry import MeField, NavItem, registry


def register(app: Flask) -> None:
    from crm.calendar import services, views

    app.register_blueprint(views.bp)
    reg = registry(app)
    reg.nav.append(NavItem("calendar.index", "Calendar", ALL_ROLES, order=45))
    reg.me_fields.append(MeField("calendar_feed_url", services.feed_url))
