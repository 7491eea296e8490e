"""factory-boy factories. Password hashing is slow by design, so users share one hash."""

from __future__ import annotations

import factory

from crm.auth.models import User
from crm.auth.services import hash_password

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
