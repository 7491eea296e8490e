"""Users, roles, passwords, sessions, login throttling and API tokens: the auth rules, one
module per concept, each re-exported here so callers write `from crm.auth import services`
and `services.authenticate(...)`.

Every change here is audited (R6) without the secret itself. Sessions and tokens live in the
database so logout, deactivation and password changes take effect in every worker at once.

The modules build on each other in one direction: `_common` (addresses, hashing) < `sessions`,
`tokens`, `account_links` < `passwords` < `users` < `login`; `roles` uses `sessions`,
`tokens` and `account_links`.
"""

from crm.auth.services._common import EMAIL_RE, _sha256, normalise_email
from crm.auth.services.account_links import close_open_links
from crm.auth.services.login import (
    LoginFailed,
    ThrottleSettings,
    _retry_after,
    authenticate,
    purge_login_attempts,
)
from crm.auth.services.passwords import (
    PASSWORD_MAX,
    PASSWORD_MIN,
    change_password,
    hash_password,
    password_problems,
    set_password,
)
from crm.auth.services.roles import change_role, set_active
from crm.auth.services.sessions import (
    SessionLimits,
    end_all_sessions,
    end_session,
    load_session,
    log_out,
    reauthenticate,
    start_session,
    touch_session,
)
from crm.auth.services.tokens import (
    TOKEN_PREFIX,
    create_token,
    revoke_all_tokens,
    revoke_token,
    user_for_token,
    user_tokens,
)
from crm.auth.services.users import (
    _validate_profile,
    create_user,
    find_user_by_email,
    get_user,
    list_users,
    update_profile,
)

__all__ = [
    "EMAIL_RE",
    "PASSWORD_MAX",
    "PASSWORD_MIN",
    "TOKEN_PREFIX",
    "LoginFailed",
    "SessionLimits",
    "ThrottleSettings",
    "_retry_after",
    "_sha256",
    "_validate_profile",
    "authenticate",
    "change_password",
    "change_role",
    "close_open_links",
    "create_token",
    "create_user",
    "end_all_sessions",
    "end_session",
    "find_user_by_email",
    "get_user",
    "hash_password",
    "list_users",
    "load_session",
    "log_out",
    "normalise_email",
    "password_problems",
    "purge_login_attempts",
    "reauthenticate",
    "revoke_all_tokens",
    "revoke_token",
    "set_active",
    "set_password",
    "start_session",
    "touch_session",
    "update_profile",
    "user_for_token",
    "user_tokens",
]
