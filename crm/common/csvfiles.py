"""Reading uploaded CSV files: the csv module's errors (a field past its size limit, a NUL
byte, an unclosed quote) are the file's fault, reported like any other row error."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from crm.common.errors import Invalid


def csv_text(data: bytes | str) -> str:
    """An upload's text: UTF-8 (a byte-order mark dropped); a binary or otherwise encoded
    file is refused whole (the field `file`)."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    if b"\x00" in data:
        raise Invalid({"file": ["is not a text CSV file"]})
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid({"file": ["must be a UTF-8 CSV file"]}) from None


class CsvReader:
    """A csv.DictReader whose header and rows raise Invalid, naming the line, on a csv error."""

    def __init__(self, text: str) -> None:
        self._reader = csv.DictReader(io.StringIO(text, newline=""))

    def _refuse(self, exc: csv.Error) -> Invalid:
        return Invalid({"file": [f"line {self._reader.line_num}: not valid CSV ({exc})"]})

    @property
    def fieldnames(self) -> list[str] | None:
        try:
            names = self._reader.fieldnames
        except csv.Error as exc:
            raise self._refuse(exc) from None
        return list(names) if names is not None else None

    def __iter__(self) -> Iterator[dict]:
        rows = iter(self._reader)
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except csv.Error as exc:
                raise self._refuse(exc) from None
            yield row
