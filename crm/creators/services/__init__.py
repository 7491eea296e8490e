"""Creators, representatives, accounts, interactions and saved views: the rules, one module
per aggregate, plus what they share (`_common`). Everything is re-exported here, so callers
write `from crm.creators import services` and `services.create_creator(...)`.

The HTML views, the API, the CSV import and the CLI all call these functions; the caller
commits once. Field checks are plain functions (`clean_*`) so the CSV import can validate
10,000 rows without a query per row.
"""

from crm.creators.services._common import EMAIL_RE
from crm.creators.services.accounts import (
    HANDLE_RE,
    PROFILE_URLS,
    account_holder,
    add_account,
    clash_message,
    clean_account,
    delete_account,
    get_account,
    handle_key,
    normalise_handle,
    parse_channels,
    parse_profile_url,
    profile_url,
    update_account,
)
from crm.creators.services.creators import (
    COUNTRIES,
    CREATOR_FIELDS,
    MAX_SITES,
    TAG_MAX,
    TAGS_MAX,
    _apply,
    archive_creator,
    clean_creator,
    create_creator,
    get_creator,
    normalise_sites,
    normalise_tag,
    normalise_tags,
    owner_choices,
    restore_creator,
    update_creator,
)
from crm.creators.services.interactions import (
    recent_interactions,
    record_interaction,
)
from crm.creators.services.representatives import (
    add_representative,
    clean_representative,
    delete_representative,
    get_representative,
    update_representative,
)
from crm.creators.services.saved_view import (
    delete_view,
    save_view,
    saved_views,
)

__all__ = [
    "COUNTRIES",
    "CREATOR_FIELDS",
    "EMAIL_RE",
    "HANDLE_RE",
    "MAX_SITES",
    "PROFILE_URLS",
    "TAGS_MAX",
    "TAG_MAX",
    "_apply",
    "account_holder",
    "add_account",
    "add_representative",
    "archive_creator",
    "clash_message",
    "clean_account",
    "clean_creator",
    "clean_representative",
    "create_creator",
    "delete_account",
    "delete_representative",
    "delete_view",
    "get_account",
    "get_creator",
    "get_representative",
    "handle_key",
    "normalise_handle",
    "normalise_sites",
    "normalise_tag",
    "normalise_tags",
    "owner_choices",
    "parse_channels",
    "parse_profile_url",
    "profile_url",
    "recent_interactions",
    "record_interaction",
    "restore_creator",
    "save_view",
    "saved_views",
    "update_account",
    "update_creator",
    "update_representative",
]
