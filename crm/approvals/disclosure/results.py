"""What a check reports."""

from __future__ import annotations

from dataclasses import dataclass, field

Span = tuple[int, int]


@dataclass(frozen=True)
class CheckResult:
    """One flag: a code for machines, a sentence for people, spans for highlighting.

    Disclosure and AI-label flags name the `jurisdiction` whose rule set raised them, what
    would satisfy it (`remedy`) and the `source` it cites.
    """

    code: str
    message: str
    spans: list[Span] = field(default_factory=list)
    product_id: int | None = None
    jurisdiction: str | None = None
    remedy: str | None = None
    source: str | None = None

    def as_dict(self) -> dict:
        """Plain JSON-able form; the rule-set fields only when the check has them."""
        out: dict = {
            "code": self.code,
            "message": self.message,
            "spans": [list(s) for s in self.spans],
            "product_id": self.product_id,
        }
        for key in ("jurisdiction", "remedy", "source"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out
