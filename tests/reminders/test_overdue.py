"""One overdue arithmetic: the tasks page, the home panel and the digest count the same days
from the organisation's day; automatic tasks name and link their subject."""

from __future__ import annotations

from datetime import date, timedelta

from crm.common.timeutil import org_today
from crm.digest.services import compose, iso_week_of
from crm.reminders.services import days_overdue, overdue_text
from tests.factories import CreatorFactory, DealFactory
from tests.reminders.factories import PaymentFactory, ReminderFactory

SUNDAY = date(2026, 11, 15)


def test_the_function():
    assert days_overdue(SUNDAY, date(2026, 11, 17)) == 2
    assert days_overdue(SUNDAY, SUNDAY) == 0
    assert days_overdue(SUNDAY, date(2026, 11, 1)) == 0
    assert overdue_text(SUNDAY, date(2026, 11, 16)) == "1 day overdue"
    assert overdue_text(SUNDAY, date(2026, 11, 18)) == "3 days overdue"
    assert overdue_text(SUNDAY, SUNDAY) == ""


def test_the_page_and_the_digest_preview_say_the_same(app, client, db, login):
    user = login("manager")
    user.timezone = "Pacific/Kiritimati"  # far from the organisation: the count does not move
    today = org_today()
    monday = today - timedelta(days=today.weekday())
    due = monday - timedelta(days=1)  # the Sunday before: overdue in this week's digest
    ReminderFactory(title="Chase the invoice", due_on=due, assignee_id=user.id)
    db.flush()
    days = (today - due).days
    words = f"{days} day{'' if days == 1 else 's'} overdue"
    page = client.get("/tasks/").get_data(as_text=True)
    with app.app_context():
        email = compose(app, db, user, iso_week_of(today))
    assert f"({words})" in page
    assert email is not None
    assert f"Chase the invoice: due {due.isoformat()}, {words}" in email.text
    assert words in email.html


def test_an_automatic_task_links_to_its_subject(client, db, login):
    user = login("manager")
    creator = CreatorFactory(display_name="Pia Pixel", owner_id=user.id)
    deal = DealFactory(creator_id=creator.id, title="Spring video")
    payment = PaymentFactory(deal_id=deal.id)
    ReminderFactory(
        title="Payment due", due_on=date.today(), assignee_id=user.id, creator_id=creator.id,
        subject_type="payment", subject_id=payment.id, rule="payment-due",
    )  # fmt: skip
    db.flush()
    page = client.get("/tasks/").get_data(as_text=True)
    assert "Pia Pixel" in page
    assert f'href="/agreements/deals/{deal.id}' in page
    assert "Payment for “Spring video”" in page
