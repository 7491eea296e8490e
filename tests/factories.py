"""factory-boy factories (build only: tests add and flush through the `db` session).

Password hashing is slow by design, so users share one precomputed hash. Domains with many
factories of their own keep them in tests/<domain>/factories.py."""

from __future__ import annotations

from datetime import date

import factory

from crm.agreements.models import Deal, Grant, Nda, Product
from crm.auth.models import User
from crm.auth.services import hash_password
from crm.creators.models import Account, Creator

DEFAULT_PASSWORD = "correct horse battery staple"
_DEFAULT_HASH = hash_password(DEFAULT_PASSWORD)


class UserFactory(factory.Factory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    name = factory.Sequence(lambda n: f"User {n}")
    role = "manager"
    active = True
    digest_opt_in = True
    timezone = "UTC"
    password_hash = _DEFAULT_HASH


class CreatorFactory(factory.Factory):
    class Meta:
        model = Creator

    display_name = factory.Sequence(lambda n: f"Creator {n}")
    search_name = factory.LazyAttribute(lambda o: o.display_name.lower())
    legal_name = factory.LazyAttribute(lambda o: f"{o.display_name} Legal")
    email = factory.Sequence(lambda n: f"creator{n}@example.test")
    country = "US"
    status = "active"
    notes = ""
    archived = False


class AccountFactory(factory.Factory):
    class Meta:
        model = Account

    platform = "youtube"
    handle = factory.Sequence(lambda n: f"@channel{n}")
    handle_key = factory.LazyAttribute(lambda o: o.handle.lstrip("@").lower())
    external_id = factory.Sequence(lambda n: f"UC{n:022d}")


class ProductFactory(factory.Factory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Model {n}")
    aliases = factory.LazyFunction(list)
    public_on = None


class NdaFactory(factory.Factory):
    class Meta:
        model = Nda

    status = "signed"
    effective_on = factory.LazyFunction(lambda: date(2026, 1, 1))
    expires_on = factory.LazyFunction(lambda: date(2027, 12, 31))
    terms = "Standard mutual NDA."


class GrantFactory(factory.Factory):
    class Meta:
        model = Grant

    starts_on = factory.LazyFunction(lambda: date(2026, 2, 1))
    ends_on = factory.LazyFunction(lambda: date(2026, 12, 31))
    tier = "unlimited"
    status = "active"
    monthly_value_minor = 20000
    currency = "USD"


class DealFactory(factory.Factory):
    class Meta:
        model = Deal

    title = factory.Sequence(lambda n: f"Deal {n}")
    kind = "paid"
    fee_minor = 150000
    currency = "USD"
    status = "active"
    starts_on = factory.LazyFunction(lambda: date(2026, 1, 1))
    ends_on = factory.LazyFunction(lambda: date(2026, 12, 31))
    deliverables = "One video."
