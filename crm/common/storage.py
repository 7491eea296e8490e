"""Where uploaded files live: the local upload folder, or S3-compatible object storage.

Every stored upload (signed NDA documents, revision media) goes through one `Storage`,
chosen by the settings (`storage_for(app)`, cached per app):

- `CRM_STORAGE=local` (the default): files under `UPLOAD_DIR`, for one host;
- `CRM_STORAGE=s3`: objects in `CRM_S3_BUCKET` (under `CRM_S3_PREFIX`), through boto3, at
  `CRM_S3_ENDPOINT_URL` (empty: AWS itself) in `CRM_S3_REGION`, with
  `CRM_S3_ACCESS_KEY_ID` / `CRM_S3_SECRET_ACCESS_KEY` (empty: boto3's own chain of
  credentials). Every web host then sees every file.

Keys are relative names such as `approvals/<random>.jpg`, never a browser's filename. What
is kept only for a while (a CSV import's checked file between its preview and its
confirmation, under `import-previews/`) is stored the same way and purged by its owner from
`listing`, so every host sees it with either backend.
`save` writes all of a file or nothing: the chunks come from a generator that may refuse
part-way (size, quota), and a refused file leaves nothing behind in either backend.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Protocol

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$")
SPOOL_BYTES = 8 * 1024 * 1024  # an S3 upload is buffered in memory up to this, then on disk
BACKENDS = ("local", "s3")


class StorageError(RuntimeError):
    """The storage is misconfigured or cannot be reached."""


def check_key(key: str) -> str:
    """A stored file's key: relative, no `..`, only safe characters."""
    if not isinstance(key, str) or not KEY_PATTERN.match(key) or ".." in key.split("/"):
        raise FileNotFoundError(key)
    return key


@dataclass
class StoredFile:
    """An opened stored file: read `stream`, then close it. `path` is set for local files
    (so a response can send it with its length and modification time)."""

    stream: IO[bytes]
    size: int | None
    path: Path | None = None

    def read(self) -> bytes:
        try:
            return self.stream.read()
        finally:
            self.stream.close()


class Storage(Protocol):
    backend: str

    def save(self, key: str, chunks: Iterable[bytes]) -> int:
        """Write every chunk under `key` (new); returns the bytes written. If the chunks
        raise, nothing is stored and the exception propagates."""
        ...

    def open(self, key: str) -> StoredFile:
        """The stored file; FileNotFoundError when there is none."""
        ...

    def delete(self, key: str) -> None:
        """Remove the file; nothing happens when it is not there."""
        ...

    def exists(self, key: str) -> bool: ...

    def listing(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        """Every stored key under the folder `prefix` (e.g. `import-previews`), with the time
        it was written (aware, UTC): what a purge of expired files reads."""
        ...


class LocalStorage:
    """Files in a folder of this host (`UPLOAD_DIR`)."""

    backend = "local"

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        root = self.root.resolve()
        path = (root / check_key(key)).resolve()
        if root not in path.parents:
            raise FileNotFoundError(key)
        return path

    def save(self, key: str, chunks: Iterable[bytes]) -> int:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        size = 0
        try:
            with open(target, "xb") as out:
                for chunk in chunks:
                    size += len(chunk)
                    out.write(chunk)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        return size

    def open(self, key: str) -> StoredFile:
        path = self.path(key)
        if not path.is_file():
            raise FileNotFoundError(key)
        return StoredFile(open(path, "rb"), path.stat().st_size, path)

    def delete(self, key: str) -> None:
        try:
            self.path(key).unlink(missing_ok=True)
        except FileNotFoundError:
            pass

    def exists(self, key: str) -> bool:
        try:
            return self.path(key).is_file()
        except FileNotFoundError:
            return False

    def listing(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        folder = self.path(prefix)
        if not folder.is_dir():
            return
        root = self.root.resolve()
        for path in sorted(folder.rglob("*")):
            try:
                if path.is_file():
                    written = datetime.fromtimestamp(path.stat().st_mtime, UTC)
                    yield path.relative_to(root).as_posix(), written
            except FileNotFoundError:  # removed meanwhile (another process purging)
                continue


class S3Storage:
    """Objects in an S3-compatible bucket (AWS S3, MinIO, Ceph, Garage…) through boto3."""

    backend = "s3"

    def __init__(self, client: Any, bucket: str, prefix: str = ""):
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def object_key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def save(self, key: str, chunks: Iterable[bytes]) -> int:
        name = self.object_key(key)
        size = 0
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
            for chunk in chunks:  # a refusal raises here, before anything is sent
                size += len(chunk)
                spool.write(chunk)
            spool.seek(0)
            self.client.upload_fileobj(spool, self.bucket, name)
        return size

    def open(self, key: str) -> StoredFile:
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.object_key(key))
        except ClientError as exc:
            if _is_missing(exc):
                raise FileNotFoundError(key) from None
            raise
        return StoredFile(answer["Body"], answer.get("ContentLength"))

    def delete(self, key: str) -> None:
        try:
            name = self.object_key(key)
        except FileNotFoundError:
            return
        self.client.delete_object(Bucket=self.bucket, Key=name)

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.object_key(key))
        except FileNotFoundError:
            return False
        except ClientError as exc:
            if _is_missing(exc):
                return False
            raise
        return True

    def listing(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        folder = self.object_key(prefix).rstrip("/") + "/"
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=folder
        )
        for page in pages:
            for item in page.get("Contents", []):
                yield item["Key"].removeprefix(self.prefix), item["LastModified"]


def _is_missing(exc: Any) -> bool:
    error = getattr(exc, "response", {}).get("Error", {})
    return str(error.get("Code")) in ("NoSuchKey", "404", "NotFound")


def s3_client(config: Mapping[str, Any]) -> Any:
    import boto3
    from botocore.config import Config

    options: dict[str, Any] = {
        "region_name": config.get("CRM_S3_REGION") or "us-east-1",
        "config": Config(
            connect_timeout=5,
            read_timeout=30,
            retries={"max_attempts": 3, "mode": "standard"},
            s3={"addressing_style": config.get("CRM_S3_ADDRESSING_STYLE") or "path"},
        ),
    }
    if config.get("CRM_S3_ENDPOINT_URL"):
        options["endpoint_url"] = config["CRM_S3_ENDPOINT_URL"]
    if config.get("CRM_S3_ACCESS_KEY_ID"):
        options["aws_access_key_id"] = config["CRM_S3_ACCESS_KEY_ID"]
        options["aws_secret_access_key"] = config.get("CRM_S3_SECRET_ACCESS_KEY") or ""
    return boto3.session.Session().client("s3", **options)


def make_storage(config: Mapping[str, Any]) -> Storage:
    """The storage the settings name (CRM_STORAGE); StorageError when they are incomplete."""
    backend = (config.get("CRM_STORAGE") or "local").strip().lower()
    if backend == "local":
        return LocalStorage(config["UPLOAD_DIR"])
    if backend == "s3":
        bucket = (config.get("CRM_S3_BUCKET") or "").strip()
        if not bucket:
            raise StorageError("CRM_STORAGE=s3 needs CRM_S3_BUCKET.")
        return S3Storage(s3_client(config), bucket, config.get("CRM_S3_PREFIX") or "")
    raise StorageError(f"CRM_STORAGE must be one of {', '.join(BACKENDS)}, not {backend!r}.")


def storage_for(app: Any = None) -> Storage:
    """The app's storage (the current app's without one), made once per app."""
    if app is None:
        from flask import current_app

        app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is a LocalProxy typed as Flask
    found = app.extensions.get("crm_storage")
    if found is None:
        found = make_storage(app.config)
        app.extensions["crm_storage"] = found
    return found


def as_storage(where: Storage | str | os.PathLike[str]) -> Storage:
    """A storage, or a folder path taken as the local storage of that folder."""
    if isinstance(where, (str, os.PathLike)):
        return LocalStorage(where)
    return where
