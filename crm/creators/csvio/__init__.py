"""CSV import and export of creators.

Import validates every row first (with a handful of bulk queries, never one per row) and
reports each problem with its row number; then all rows go in, or none do. A row updates an
existing creator when its `id` or one of its account handles matches, so an export imported
again changes nothing and duplicates nothing.

Export neutralises cells that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab,
carriage return) with a leading apostrophe; import removes that apostrophe again.

The file's columns and formula neutralising are in `_common`, export in `export`, reading and
checking rows in `reading`, matching and writing them in `importing`, the previews kept in
the upload storage until confirmed in `previews`; everything is re-exported here.

The import page previews first: a table of every row with what will happen (new, update of
<creator> with each field that changes, error with the reason); the checked file stays in
the upload storage (the local folder or the bucket) under a token for 30 minutes, and
confirming imports it without a second upload, only if the plan is still the one shown.
"""

from crm.creators.csvio._common import COLUMNS, FORMULA_STARTS, neutralise, unneutralise
from crm.creators.csvio.export import creator_row, export_lines
from crm.creators.csvio.importing import (
    CHUNK,
    confirm_import,
    import_creators,
    preview_import,
    reserve_ids,
)
from crm.creators.csvio.previews import PREVIEW_TTL
from crm.creators.csvio.reading import MAX_ROWS, ImportReport, RowError, RowPlan, read_csv

__all__ = [
    "CHUNK",
    "COLUMNS",
    "FORMULA_STARTS",
    "MAX_ROWS",
    "PREVIEW_TTL",
    "ImportReport",
    "RowError",
    "RowPlan",
    "confirm_import",
    "creator_row",
    "export_lines",
    "import_creators",
    "neutralise",
    "preview_import",
    "read_csv",
    "reserve_ids",
    "unneutralise",
]
