"""factory-boy factories on one base bound to the test's database session.

`UserFactory(role="legal")` adds the row to the `db` fixture's session and flushes it (so it
has its id); `UserFactory.build()` only makes the object, for tests that add it through a
session of their own. The `db` fixture binds the session (`bind_session`); creating a row in
a test without `db` is an error, not a write to some other database.

Password hashing is slow by design, so users share one precomputed hash. Domains with many
factories of their own keep them in tests/<domain>/factories.py, on the same base."""

from __future__ import annotations

from datetime import date

import factory
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy.orm import Session

from crm.agreements.models import Deal, Grant, Nda, Product
from crm.auth.models import User
from crm.auth.services import hash_password
from crm.creators.models import Account, Creator

DEFAULT_PASSWORD = "correct horse battery staple"
_DEFAULT_HASH = hash_password(DEFAULT_PASSWORD)

_bound: list[Session] = []


def bind_session(session: Session | None) -> None:
    """The session factories create rows in (None: unbound). Called by the `db` fixture."""
    _bound[:] = [session] if session is not None else []


def current_session() -> Session:
    if not _bound:
        raise RuntimeError("factories create rows in the `db` fixture's session: request `db`")
    return _bound[0]


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = current_session
        sqlalchemy_session_persistence = "flush"


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    name = factory.Sequence(lambda n: f"User {n}")
    role = "manager"
    active = True
    digest_opt_in = True
    timezone = "UTC"
    password_hash = _DEFAULT_HASH


class CreatorFactory(BaseFactory):
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


class AccountFactory(BaseFactory):
    class Meta:
        model = Account

    platform = "youtube"
    handle = factory.Sequence(lambda n: f"@channel{n}")
    handle_key = factory.LazyAttribute(lambda o: o.handle.lstrip("@").lower())
    external_id = factory.Sequence(lambda n: f"UC{n:022d}")


class ProductFactory(BaseFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Model {n}")
    aliases = factory.LazyFunction(list)
    public_on = None


class NdaFactory(BaseFactory):
    class Meta:
        model = Nda

    status = "signed"
    effective_on = factory.LazyFunction(lambda: date(2026, 1, 1))
    expires_on = factory.LazyFunction(lambda: date(2027, 12, 31))
    terms = "Standard mutual NDA."


class GrantFactory(BaseFactory):
    class Meta:
        model = Grant

    starts_on = factory.LazyFunction(lambda: date(2026, 2, 1))
    ends_on = factory.LazyFunction(lambda: date(2026, 12, 31))
    tier = "unlimited"
    status = "active"
    monthly_value_minor = 20000
    currency = "USD"


class DealFactory(BaseFactory):
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
