"""Factories for the licensing domain (build only; tests add and flush)."""

from __future__ import annotations

from datetime import date

import factory

from crm.licensing.models import Consent, Work


class WorkFactory(factory.Factory):
    class Meta:
        model = Work

    kind = "image"
    title = factory.Sequence(lambda n: f"Work {n}")
    url = factory.Sequence(lambda n: f"https://media.example.com/works/{n}")
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    created_on = None


class ConsentFactory(factory.Factory):
    class Meta:
        model = Consent

    use = "ai_training"
    decision = "allowed"
    constraint = ""
    source = "contract"
    evidence = ""
    effective_on = factory.LazyFunction(lambda: date(2024, 1, 1))
    revoked_on = None
