"""Creator pages: the list, a creator's page, forms, import and export, one module per page
group. Thin: parse, call a service, commit, redirect. Importing the package adds every page
to `bp`."""

# isort: off
# The page groups in the order their routes have always been registered in the URL map.
from crm.creators.views import (  # noqa: F401 (adds the pages to bp)
    lists,
    creator,
    erase,
    accounts,
    representatives,
    interactions,
    csv_import,
    bulk,
    custom_fields,
)

# isort: on
from crm.creators.views.base import TIMELINE_LIMIT, bp, creator_sections, creator_timeline

__all__ = ["TIMELINE_LIMIT", "bp", "creator_sections", "creator_timeline"]
