"""The CSV import preview: every row with what will happen, kept on the server until
confirmed (no second upload), case-insensitive choices, handle matches shown as updates."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from crm.creators import csvio
from crm.creators.models import Creator
from crm.db import utcnow
from tests.conftest import post_form


def _upload(client, data: bytes, action="preview"):
    return post_form(
        client,
        "/creators/import",
        {"file": (io.BytesIO(data), "c.csv"), "action": action},
        content_type="multipart/form-data",
    )


def _token(page: str) -> str:
    match = re.search(r'<input[^>]*name="token"[^>]*>', page)
    assert match, "no token in the page"
    return re.search(r'value="([^"]+)"', match.group(0)).group(1)


def _count(db) -> int:
    return db.scalar(select(func.count()).select_from(Creator))


@pytest.fixture
def maya(make_creator, make_account):
    creator = make_creator(display_name="Maya Makes", status="active", country="GB")
    make_account("youtube", creator=creator, handle="mayamakes")
    return creator


def test_preview_table_then_confirm_without_a_second_upload(client, db, login, maya):
    login("manager")
    data = (
        b"display_name,status,accounts\n"
        b"Maya M.,ACTIVE,YouTube:mayamakes\n"
        b"New Person,Paused,instagram:newperson\n"
    )
    page = _upload(client, data).get_data(as_text=True)
    assert "ready to import" in page
    assert "update</span> of" in page and ">Maya Makes</a>" in page
    assert "Display name: Maya Makes → Maya M." in page  # the rename is shown, not silent
    assert "2 rows: 1 new creator, 1 update." in " ".join(page.split())
    assert "new</span>" in page and "added as a new creator" in page
    assert _count(db) == 1  # nothing written yet
    token = _token(page)
    done = post_form(client, "/creators/import/confirm", {"token": token})
    assert done.status_code == 302
    db.expire_all()
    names = set(db.scalars(select(Creator.display_name)))
    assert names == {"Maya M.", "New Person"}
    assert db.scalar(select(Creator.status).where(Creator.display_name == "New Person")) == (
        "paused"
    )
    again = post_form(client, "/creators/import/confirm", {"token": token})
    assert again.status_code == 409 and "expired or does not exist" in again.get_data(as_text=True)
    assert _count(db) == 2


def test_rows_with_errors_are_listed_with_the_reason_and_nothing_is_kept(client, db, login):
    login("manager")
    page = _upload(client, b"display_name,status,country\nOk,active,\nBad,sleeping,XX\n")
    body = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "error</span>" in body and "status: must be one of" in body
    assert "country: must be an ISO 3166" in body
    assert 'name="token"' not in body
    assert _count(db) == 0


def test_confirm_refuses_bad_foreign_expired_and_changed_previews(app, client, db, login, maya):
    user = login("manager")
    data = b"display_name,accounts\nMaya Again,youtube:mayamakes\n"
    token = _token(_upload(client, data).get_data(as_text=True))
    for bad in ("", "../../etc/passwd", "x" * 65, "short", token[:-2] + "zz"):
        r = post_form(client, "/creators/import/confirm", {"token": bad})
        assert r.status_code in (409, 422), bad
    assert post_form(client, "/creators/import/confirm", {}).status_code == 422
    # The creator changed since the preview: the confirmation refuses, nothing is written.
    maya.display_name = "Maya Renamed"
    db.flush()
    r = post_form(client, "/creators/import/confirm", {"token": token})
    assert r.status_code == 409 and "changed since the preview" in r.get_data(as_text=True)
    db.refresh(maya)
    assert maya.display_name == "Maya Renamed"
    # Another user cannot use the token.
    post_form(client, "/logout")
    other = login("manager")
    assert other.id != user.id
    r = post_form(client, "/creators/import/confirm", {"token": token})
    assert r.status_code == 409 and "expired or does not exist" in r.get_data(as_text=True)
    # An expired one is refused.
    with app.app_context():
        stored = csvio.previews.store(app.config["UPLOAD_DIR"], user.id, data.decode(), "x")
    with time_machine.travel(utcnow() + timedelta(minutes=31), tick=False):
        with pytest.raises(Exception) as exc:
            csvio.previews.load(app.config["UPLOAD_DIR"], stored, user.id)
    assert "expired" in str(exc.value)


def test_viewers_and_legal_cannot_import(client, login):
    for role in ("viewer", "legal"):
        login(role)
        assert post_form(client, "/creators/import/confirm", {"token": "a" * 32}).status_code == 403
        post_form(client, "/logout")
