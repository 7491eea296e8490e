"""An uploaded file's one path: quota → store → the service call → commit → clean-up.

Knows no domain. The view names the file (a werkzeug `FileStorage`, or None), the user's
allowance (`crm.common.uploads.allowance`), how to store the bytes, how to remove them again
and the one service call that records what was stored; `with_upload` returns a call for
`handle_form` or `handle_action`, which commit and then run its hooks:

- rolled back (any error, a refusal, a failed commit): the file just stored is removed, so no
  file stays without the row that names it;
- committed: `after_commit(result)` runs — e.g. removes the file the change replaced, only
  now, so a failed change never loses the file still in use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any, Generic, TypeVar

from flask import Response, send_file
from sqlalchemy.orm import Session

from crm.common.storage import StoredFile
from crm.common.uploads import Allowance

S = TypeVar("S")  # what `store` returns: the stored file's description
T = TypeVar("T")  # what the service call returns


def has_file(file: Any) -> bool:
    """True when the request carried a file (a browser sends an empty part for none)."""
    return file is not None and bool(getattr(file, "filename", None))


class UploadCall(Generic[S, T]):
    """The call `with_upload` builds; `handle_form` / `handle_action` run it and its hooks."""

    def __init__(
        self,
        file: Any,
        *,
        allowance: Callable[[], Allowance],
        store: Callable[[IO[bytes], str, Allowance], S],
        call: Callable[[Session, S | None], T],
        discard: Callable[[S], None],
        after_commit: Callable[[T], None] | None = None,
    ) -> None:
        self.file = file
        self.allowance = allowance
        self.store = store
        self.call = call
        self.discard = discard
        self.after_commit = after_commit
        self.stored: S | None = None

    def __call__(self, db: Session) -> T:
        self.stored = None
        if has_file(self.file):
            quota = self.allowance()
            quota.check_any_left()
            self.stored = self.store(self.file.stream, self.file.filename, quota)
        return self.call(db, self.stored)

    def rolled_back(self) -> None:
        stored, self.stored = self.stored, None
        if stored is not None:
            self.discard(stored)

    def committed(self, result: T) -> None:
        self.stored = None
        if self.after_commit is not None:
            self.after_commit(result)


def with_upload(
    file: Any,
    *,
    allowance: Callable[[], Allowance],
    store: Callable[[IO[bytes], str, Allowance], S],
    call: Callable[[Session, S | None], T],
    discard: Callable[[S], None],
    after_commit: Callable[[T], None] | None = None,
) -> UploadCall[S, T]:
    """The service call with its file: `allowance()` is asked only when a file came, and
    refuses (429) when nothing is left today; `store(stream, filename, allowance)` writes the
    file (refusing oversize, the wrong type, or a file past the allowance); `call(db, stored)`
    records it (`stored` is None without a file); `discard(stored)` removes a file again;
    `after_commit(result)` runs once the change is committed."""
    return UploadCall(
        file,
        allowance=allowance,
        store=store,
        call=call,
        discard=discard,
        after_commit=after_commit,
    )


def send_stored(
    stored: StoredFile, *, mimetype: str, download_name: str, max_age: int | None = None
) -> Response:
    """A response carrying a stored upload as an attachment: a local file is sent by its
    path (length, modification time, conditional requests), an object streamed from the
    object storage with its length."""
    if stored.path is not None:
        stored.stream.close()
        return send_file(
            stored.path,
            mimetype=mimetype,
            as_attachment=True,
            download_name=download_name,
            max_age=max_age,
        )
    response = send_file(
        stored.stream,
        mimetype=mimetype,
        as_attachment=True,
        download_name=download_name,
        max_age=max_age,
    )
    if stored.size is not None:
        response.content_length = stored.size
    return response
