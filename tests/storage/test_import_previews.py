"""CSV import previews live in the upload storage: with `CRM_STORAGE=s3` the checked file is
an object in the bucket (the S3 path against the loopback S3 server), so a confirmation on
another web host finds it; on either backend an expired preview is refused and purged."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from crm.common.errors import Conflict
from crm.common.storage import LocalStorage, storage_for
from crm.creators.csvio import previews
from crm.creators.models import Creator
from crm.db import utcnow
from tests.conftest import log_in, post_form

CSV = b"display_name,status\nBucket Person,active\nSecond Person,paused\n"


@pytest.fixture(params=["local", "s3"])
def app_storage(request, app):
    """The session app's upload storage: its local folder, or a fresh bucket of the loopback
    S3 server (the S3 tests' own fixture)."""
    if request.param == "s3":
        return request.getfixturevalue("s3_storage")
    app.extensions.pop("crm_storage", None)
    return storage_for(app)


def _preview_keys(storage) -> set[str]:
    return {key for key, _written in storage.listing(previews.FOLDER)}


def _token(page: str) -> str:
    field = re.search(r'<input[^>]*name="token"[^>]*>', page).group(0)
    return re.search(r'value="([^"]+)"', field).group(1)


def test_a_preview_is_kept_in_the_storage_until_confirmed(app, client, db, make_user, app_storage):
    log_in(client, make_user("manager"))
    page = post_form(
        client,
        "/creators/import",
        {"file": (io.BytesIO(CSV), "c.csv"), "action": "preview"},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    token = _token(page)
    key = f"{previews.FOLDER}/{token}.json"
    assert key in _preview_keys(app_storage)
    if app_storage.backend == "s3":  # nothing on this host's disk: every host sees it
        assert not LocalStorage(app.config["UPLOAD_DIR"]).exists(key)

    done = post_form(client, "/creators/import/confirm", {"token": token})
    assert done.status_code == 302, done.get_data(as_text=True)
    assert (
        db.scalar(
            select(func.count()).select_from(Creator).where(Creator.display_name.like("% Person"))
        )
        == 2
    )
    assert key not in _preview_keys(app_storage)  # a confirmation removes its own


def test_expired_previews_are_refused_and_purged(make_user, app_storage):
    user = make_user("manager")
    old = previews.store(app_storage, user.id, CSV.decode(), "plan")
    assert previews.load(app_storage, old, user.id).data == CSV.decode()
    with pytest.raises(Conflict):
        previews.load(app_storage, old, user.id + 1)  # someone else's
    with time_machine.travel(utcnow() + timedelta(minutes=31), tick=False):
        with pytest.raises(Conflict, match="expired"):
            previews.load(app_storage, old, user.id)
        new = previews.store(app_storage, user.id, CSV.decode(), "plan")  # purges the old
    keys = _preview_keys(app_storage)
    assert f"{previews.FOLDER}/{old}.json" not in keys
    assert f"{previews.FOLDER}/{new}.json" in keys
    previews.discard(app_storage, new)
    assert f"{previews.FOLDER}/{new}.json" not in _preview_keys(app_storage)


def test_listing_names_the_keys_under_a_folder_with_their_time(app_storage):
    before = utcnow() - timedelta(seconds=5)
    app_storage.save("listing-test/a.json", [b"{}"])
    app_storage.save("listing-test/b.json", [b"{}"])
    app_storage.save("listing-tests/c.json", [b"{}"])  # a sibling folder is not listed
    try:
        listed = dict(app_storage.listing("listing-test"))
        assert set(listed) == {"listing-test/a.json", "listing-test/b.json"}
        after = utcnow() + timedelta(seconds=5)
        assert all(before <= written <= after for written in listed.values())
        assert list(app_storage.listing("nothing-here")) == []
    finally:
        for key in ("listing-test/a.json", "listing-test/b.json", "listing-tests/c.json"):
            app_storage.delete(key)
