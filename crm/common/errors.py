"""Domain errors raised by services; one handler per surface maps them (flash or problem+json)."""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str = "", *, errors: dict[str, list[str]] | None = None):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors or {}


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class Conflict(DomainError):
    """A rule refused the change, a duplicate, or a stale revision."""

    status = 409
    title = "Conflict"


class Invalid(DomainError):
    """Field-level validation failures: `errors` maps a field name to its messages."""

    status = 422
    title = "Invalid input"

    def __init__(self, errors: dict[str, list[str]] | dict[str, str], detail: str = ""):
        normalised = {k: ([v] if isinstance(v, str) else list(v)) for k, v in errors.items()}
        if not detail:
            detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in normalised.items())
        super().__init__(detail, errors=normalised)


class TooManyRequests(DomainError):
    status = 429
    title = "Too many requests"

    def __init__(self, detail: str, retry_after: int):
        super().__init__(detail)
        self.retry_after = retry_after


class FieldErrors:
    """Collects field errors so a service reports every bad field at once, not the first."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise Invalid(self.errors)
