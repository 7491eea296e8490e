"""Which creators a user hears about in summaries (the weekly digest's sections)."""

from __future__ import annotations

from crm.common.permissions import MANAGER
from crm.creators.models import Creator


def creator_scope(user) -> list:
    """Conditions on `Creator`: managers hear about the creators they own; admin, legal and
    viewers about all. Archived creators are left out for everyone."""
    conditions = [Creator.archived.is_(False)]
    if user.role == MANAGER:
        conditions.append(Creator.owner_id == user.id)
    return conditions
