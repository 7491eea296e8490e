"""CSV import of works in the media manager: every row previewed (new, duplicate, error with
the reason), the file kept on the server for this creator only until confirmed, and the
confirmation writing all the new rows or none."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from crm.audit.models import AuditEvent
from crm.common.errors import Conflict, Invalid
from crm.licensing.models import Work
from crm.portal.services import accounts, works_import
from tests.portal.conftest import portal_post

HEADER = (
    "title,url,kind,sha256,description,tags,language,duration_s,width,height,"
    "people_present,property_present\n"
)
GOOD = (
    HEADER
    + "Dawn,https://example.com/csv/dawn.mp4,video,,Harbour at dawn,harbour;clear-audio,"
    + "en,65.5,1920,1080,no,yes\n"
    + "Dusk,https://example.com/csv/dusk.jpg,image,,,,,,,,yes,no\n"
)


def _count(db, creator):
    return db.scalar(select(func.count()).select_from(Work).where(Work.creator_id == creator.id))


@pytest.fixture
def actor(db, make_creator, make_portal_account):
    creator = make_creator()
    return creator, accounts.actor_for(make_portal_account(creator), creator.id)


def test_preview_then_confirm_writes_every_new_row(db, actor, tmp_path):
    creator, me = actor
    plan, _text = works_import.preview(db, me, GOOD.encode(), str(tmp_path))
    assert [r.action for r in plan.rows] == ["new", "new"] and plan.token
    assert _count(db, creator) == 0  # nothing written by the preview
    works = works_import.confirm(db, me, plan.token, str(tmp_path))
    assert [w.title for w in works] == ["Dawn", "Dusk"]
    dawn = works[0]
    assert (dawn.tags, dawn.language, dawn.duration_s, dawn.width, dawn.property_present) == (
        ["clear-audio", "harbour"], "en", 65.5, 1920, True,
    )  # fmt: skip
    assert works[1].people_present and works[0].rights == "unknown"
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "work.import"))
    assert event.changes["source"] == "creator_request" and "(portal)" in event.actor_label
    with pytest.raises(Conflict):  # used once
        works_import.confirm(db, me, plan.token, str(tmp_path))


def test_duplicates_and_errors_are_named_per_row(db, actor, make_creator, tmp_path):
    creator, me = actor
    other = make_creator()
    db.add(
        Work(
            creator_id=creator.id,
            kind="image",
            title="Mine",
            url="https://example.com/csv/mine.jpg",
        )
    )
    db.add(
        Work(
            creator_id=other.id,
            kind="image",
            title="Theirs",
            url="https://example.com/csv/theirs.jpg",
        )
    )
    db.flush()
    data = (
        "title,url,kind\n"
        "A,https://example.com/csv/a.jpg,image\n"
        "Mine again,https://example.com/csv/mine.jpg,image\n"
        "Theirs,https://example.com/csv/theirs.jpg,image\n"
        "A twice,https://example.com/csv/a.jpg,image\n"
        "No kind,https://example.com/csv/b.jpg,painting\n"
        ",not a url,video\n"
    )
    plan, _ = works_import.preview(db, me, data.encode(), str(tmp_path))
    rows = {r.line: r for r in plan.rows}
    assert [rows[n].action for n in range(2, 8)] == [
        "new", "duplicate", "duplicate", "duplicate", "error", "error",
    ]  # fmt: skip
    assert rows[3].reasons == ["already one of your works (“Mine”)"]
    assert rows[4].reasons == ["this address is already registered as a work"]  # no name leaks
    assert rows[5].reasons == ["the same address as line 2"]
    assert any(r.startswith("kind:") for r in rows[6].reasons)
    assert any(r.startswith("title:") for r in rows[7].reasons)
    assert any(r.startswith("url:") for r in rows[7].reasons)
    assert plan.token is None  # a file with errors is not kept: fix it and upload again


def test_the_file_is_refused_whole_for_its_shape(db, actor, tmp_path):
    _creator, me = actor
    for data, message in (
        (b"title,url\nA,https://example.com/x.jpg\n", "missing: kind"),
        (b"title,url,kind,rights\nA,https://example.com/x.jpg,image,creator\n", "unknown columns"),
        (b"title,url,kind\n", "has no rows"),
        (b"\xff\xfe\x00t", "not a text CSV"),
        (b"title,url,kind\n" + b"x" * (works_import.MAX_BYTES + 1), "larger than"),
    ):
        with pytest.raises(Invalid) as exc:
            works_import.preview(db, me, data, str(tmp_path))
        assert message in " ".join(exc.value.errors["file"]), message
    rows = "title,url,kind\n" + "".join(
        f"W{n},https://example.com/many/{n}.jpg,image\n" for n in range(works_import.MAX_ROWS + 1)
    )
    with pytest.raises(Invalid) as exc:
        works_import.preview(db, me, rows.encode(), str(tmp_path))
    assert "more than" in exc.value.errors["file"][0]


def test_a_preview_is_this_creators_only(db, actor, make_creator, make_portal_account, tmp_path):
    _creator, me = actor
    plan, _ = works_import.preview(db, me, GOOD.encode(), str(tmp_path))
    other = make_creator()
    stranger = accounts.actor_for(make_portal_account(other), other.id)
    with pytest.raises(Conflict):
        works_import.confirm(db, stranger, plan.token, str(tmp_path))
    assert _count(db, other) == 0


def test_confirm_is_all_or_nothing_when_the_plan_changed(db, actor, make_creator, tmp_path):
    creator, me = actor
    plan, _ = works_import.preview(db, me, GOOD.encode(), str(tmp_path))
    db.add(Work(creator_id=make_creator().id, kind="image", title="Taken meanwhile",
                url="https://example.com/csv/dusk.jpg"))  # fmt: skip
    db.flush()
    with pytest.raises(Conflict):
        works_import.confirm(db, me, plan.token, str(tmp_path))
    assert _count(db, creator) == 0


def test_import_over_http_preview_then_confirm(app, db, portal_client):
    client, _account, creator = portal_client
    assert client.get("/portal/works/import").status_code == 200
    page = portal_post(
        client, "/portal/works/import", {"file": (io.BytesIO(GOOD.encode()), "works.csv")},
        content_type="multipart/form-data",
    )  # fmt: skip
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "2 new, 0 duplicate (left out)" in body
    assert _count(db, creator) == 0
    token = re.search(r'name="token"[^>]*value="([^"]+)"', body).group(1)
    done = portal_post(client, "/portal/works/import/confirm", {"token": token})
    assert done.status_code == 302 and done.headers["Location"].endswith("/portal/works/")
    assert _count(db, creator) == 2
    again = portal_post(client, "/portal/works/import/confirm", {"token": token})
    assert again.status_code == 409 and "upload the file again" in again.get_data(as_text=True)


def test_import_over_http_shows_errors_inline(app, db, portal_client):
    client, _account, creator = portal_client
    bad = portal_post(
        client, "/portal/works/import",
        {"file": (io.BytesIO(b"title,url\nA,https://example.com/a.jpg\n"), "works.csv")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert bad.status_code == 422 and "missing: kind" in bad.get_data(as_text=True)
    none = portal_post(client, "/portal/works/import", {}, content_type="multipart/form-data")
    assert none.status_code == 422 and "choose a CSV file" in none.get_data(as_text=True)
    rows = portal_post(
        client, "/portal/works/import",
        {"file": (io.BytesIO(b"title,url,kind\nA,https://example.com/a.jpg,painting\n"), "w.csv")},
        content_type="multipart/form-data",
    )  # fmt: skip
    text = rows.get_data(as_text=True)
    assert rows.status_code == 200 and 'data-action="error"' in text and "Fix the rows" in text
    assert 'name="token"' not in text or 'value=""' in text
    assert _count(db, creator) == 0


def test_import_respects_the_creators_upload_quota(app, db, portal_client, monkeypatch):
    client, _account, _creator = portal_client
    monkeypatch.setitem(app.config, "UPLOAD_QUOTA_BYTES_PER_DAY", 10)
    response = portal_post(
        client, "/portal/works/import", {"file": (io.BytesIO(GOOD.encode()), "works.csv")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 429 and "Retry-After" in response.headers
