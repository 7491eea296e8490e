"""Factories of the creators domain."""

from __future__ import annotations

from datetime import UTC, datetime

import factory

from crm.creators.models import Interaction, Representative
from tests.factories import BaseFactory


class RepresentativeFactory(BaseFactory):
    class Meta:
        model = Representative

    name = factory.Sequence(lambda n: f"Agent {n}")
    agency = "Northstar Talent"
    email = factory.Sequence(lambda n: f"agent{n}@agency.test")
    phone = "+1 555 0100"


class InteractionFactory(BaseFactory):
    class Meta:
        model = Interaction

    kind = "email"
    occurred_at = factory.LazyFunction(lambda: datetime(2026, 3, 1, 12, tzinfo=UTC))
    summary = factory.Sequence(lambda n: f"Interaction {n}")
