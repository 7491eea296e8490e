"""Factories of the licensing domain."""

from __future__ import annotations

from datetime import date

import factory

from crm.licensing.models import Consent, Work
from tests.factories import BaseFactory


class WorkFactory(BaseFactory):
    class Meta:
        model = Work

    kind = "image"
    title = factory.Sequence(lambda n: f"Work {n}")
    url = factory.Sequence(lambda n: f"https://media.example.com/works/{n}")
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    created_on = None
    # The creator's own work unless a test says otherwise (the service's default is unknown).
    rights = "creator"


class ConsentFactory(BaseFactory):
    class Meta:
        model = Consent

    use = "ai_training"
    decision = "allowed"
    constraint = ""
    source = "contract"
    evidence = ""
    effective_on = factory.LazyFunction(lambda: date(2024, 1, 1))
    revoked_on = None
