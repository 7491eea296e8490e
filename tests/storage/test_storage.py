"""The upload storage: the local folder and S3-compatible object storage behave alike (the
S3 path against a real S3 server on loopback), and uploads through the pages land there."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from crm.approvals import media
from crm.approvals.models import Revision, Submission
from crm.common.errors import Invalid
from crm.common.storage import (
    LocalStorage,
    S3Storage,
    StorageError,
    make_storage,
)
from tests.conftest import log_in, post_form

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path):
    if request.param == "local":
        return LocalStorage(tmp_path / "uploads")
    return request.getfixturevalue("s3_storage")


def _keys(storage) -> list[str]:
    if isinstance(storage, LocalStorage):
        if not storage.root.exists():
            return []
        return sorted(
            str(p.relative_to(storage.root)) for p in storage.root.rglob("*") if p.is_file()
        )
    listed = storage.client.list_objects_v2(Bucket=storage.bucket).get("Contents", [])
    return sorted(o["Key"].removeprefix(storage.prefix) for o in listed)


def test_save_open_delete(storage):
    assert storage.save("approvals/a.png", [b"one", b"two"]) == 6
    assert storage.exists("approvals/a.png")
    opened = storage.open("approvals/a.png")
    assert (opened.read(), opened.size) == (b"onetwo", 6)
    assert _keys(storage) == ["approvals/a.png"]

    storage.delete("approvals/a.png")
    storage.delete("approvals/a.png")  # twice: nothing happens
    assert not storage.exists("approvals/a.png")
    with pytest.raises(FileNotFoundError):
        storage.open("approvals/a.png")


def test_a_refused_file_leaves_nothing(storage):
    def chunks():
        yield b"x" * 100
        raise Invalid({"media": ["too big"]})

    with pytest.raises(Invalid):
        storage.save("approvals/b.png", chunks())
    assert _keys(storage) == []


@pytest.mark.parametrize("key", ["../x", "/etc/passwd", "a/../../b", "a//b", "", "a\\b", ".x"])
def test_keys_outside_the_storage_are_refused(storage, key):
    with pytest.raises(FileNotFoundError):
        storage.save(key, [b"x"])
    with pytest.raises(FileNotFoundError):
        storage.open(key)
    assert not storage.exists(key)


def test_media_store_writes_to_the_storage_and_discard_removes(storage):
    stored = media.store(io.BytesIO(PNG), "photo.png", storage, 10_000)
    assert stored.path.startswith("approvals/") and stored.size == len(PNG)
    assert media.open_media(storage, stored.path).read() == PNG
    media.discard(storage, stored)
    assert _keys(storage) == []


def test_oversize_media_is_not_stored(storage):
    from werkzeug.exceptions import RequestEntityTooLarge

    with pytest.raises(RequestEntityTooLarge):
        media.store(io.BytesIO(PNG * 100), "big.png", storage, 1000)
    assert _keys(storage) == []


def test_settings_choose_the_backend(tmp_path):
    assert isinstance(make_storage({"UPLOAD_DIR": str(tmp_path)}), LocalStorage)
    with pytest.raises(StorageError, match="CRM_S3_BUCKET"):
        make_storage({"CRM_STORAGE": "s3", "UPLOAD_DIR": str(tmp_path)})
    with pytest.raises(StorageError, match="local, s3"):
        make_storage({"CRM_STORAGE": "ftp", "UPLOAD_DIR": str(tmp_path)})
    s3 = make_storage(
        {"CRM_STORAGE": "s3", "CRM_S3_BUCKET": "b", "CRM_S3_ENDPOINT_URL": "http://127.0.0.1:9"}
    )
    assert isinstance(s3, S3Storage) and s3.bucket == "b"


def test_revision_media_goes_to_object_storage_and_back(
    app, client, db, make_user, make_creator, s3_storage, tmp_path
):
    manager = make_user("manager")
    creator = make_creator(owner=manager)
    log_in(client, manager)
    data = {
        "creator_id": str(creator.id),
        "deal_id": "",
        "title": "Unboxing in the bucket",
        "platform": "tiktok",
        "planned_for": "2026-03-20T10:00",
        "body": "#ad Unboxing my new lights",
        "media_url": "",
        "disclosure_in_video": "",
        "submit_now": "y",
        "media": (io.BytesIO(PNG), "photo.png"),
    }
    response = post_form(client, "/submissions/new", data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    sub = db.scalar(select(Submission).where(Submission.title == "Unboxing in the bucket"))
    key = db.scalar(select(Revision.media_path).where(Revision.submission_id == sub.id))
    assert _keys(s3_storage) == [key]
    # Nothing in the local folder: another host reads the same object.
    assert not LocalStorage(app.config["UPLOAD_DIR"]).exists(key)

    legal = app.test_client()
    log_in(legal, make_user("legal"))
    download = legal.get(f"/submissions/{sub.id}/revisions/1/media")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.data == PNG
    assert download.headers["Content-Length"] == str(len(PNG))
    download.close()

    s3_storage.delete(key)  # the object is gone: 404, not 500
    assert legal.get(f"/submissions/{sub.id}/revisions/1/media").status_code == 404


def test_a_signed_nda_goes_to_object_storage_and_a_replaced_one_is_removed(
    app, client, db, make_user, make_creator, s3_storage
):
    from crm.agreements.models import Nda
    from tests.factories import NdaFactory

    pdf = b"%PDF-1.4\n" + b"x" * 300 + b"\n%%EOF"
    creator = make_creator()
    nda = NdaFactory(creator_id=creator.id)
    log_in(client, make_user("legal"))

    def upload(body: bytes):
        return post_form(
            client,
            f"/agreements/ndas/{nda.id}/document",
            {"document": (io.BytesIO(body), "signed.pdf")},
            content_type="multipart/form-data",
        )

    assert upload(pdf).status_code == 302
    first = db.scalar(select(Nda.document_path).where(Nda.id == nda.id))
    assert _keys(s3_storage) == [first]
    download = client.get(f"/agreements/ndas/{nda.id}/document")
    assert download.status_code == 200 and download.data == pdf
    assert download.mimetype == "application/pdf"
    download.close()

    assert upload(pdf + b" ").status_code == 302  # a new signed copy replaces the first
    db.expire_all()
    second = db.scalar(select(Nda.document_path).where(Nda.id == nda.id))
    assert second != first and _keys(s3_storage) == [second]
    assert upload(b"not a pdf").status_code == 422
    assert _keys(s3_storage) == [second]
