"""Form fields for numbers, parsed like every other request argument (crm.common.ids).

WTForms' IntegerField and `coerce=int` use `int()`, which also takes "1_2", "١٢"
(Arabic-Indic digits), "１２" (fullwidth) and numbers past any column. Forms use these
instead: `BoundedIntegerField` for a number typed by a person, `coerce_id` for a select or
checkbox list of record ids.
"""

from __future__ import annotations

from typing import Any

from wtforms import IntegerField

from crm.common.ids import MAX_BIGINT, MAX_ID, parse_id, parse_int


def coerce_id(value: Any) -> int | None:
    """`coerce=` of a SelectField whose values are ids: ASCII digits within the id column.

    A value that is no id raises ValueError, which WTForms shows as an invalid choice.
    None and "" stay None (a select's empty option)."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        if 0 <= value <= MAX_ID:
            return value
        raise ValueError("not an id")
    parsed = parse_id(value)
    if parsed is None:
        raise ValueError("not an id")
    return parsed


class BoundedIntegerField(IntegerField):
    """A whole number in ASCII digits (optional sign) within `low..high`.

    Anything else ("1_2", "²", "1e3", 40 digits) is refused with a message naming the
    bounds, never handed to `int()`."""

    data: Any  # int, or None when blank or refused

    def __init__(
        self,
        label: str | None = None,
        validators: Any = None,
        *,
        low: int = -MAX_BIGINT,
        high: int = MAX_BIGINT,
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.low = low
        self.high = high

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        raw = valuelist[0]
        if raw is None or str(raw).strip() == "":
            self.data = None
            return
        value = parse_int(raw, low=self.low, high=self.high)
        if value is None:
            self.data = None
            raise ValueError(f"Must be a whole number (digits 0-9) from {self.low} to {self.high}.")
        self.data = value
