from __future__ import annotations

from datetime import date

import factory

from crm.agreements.models import Payment
from crm.reminders.models import Reminder
from tests.factories import BaseFactory


class ReminderFactory(BaseFactory):
    class Meta:
        model = Reminder

    title = factory.Sequence(lambda n: f"Task {n}")
    due_on = factory.LazyFunction(lambda: date(2026, 6, 10))
    status = "open"
    rule = ""


class PaymentFactory(BaseFactory):
    class Meta:
        model = Payment

    due_on = factory.LazyFunction(lambda: date(2026, 6, 30))
    amount_minor = 50000
    currency = "USD"
    note = ""
