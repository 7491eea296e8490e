"""Rights and releases pages as each role sees them."""

from __future__ import annotations

import io
from datetime import date

from sqlalchemy import select

from crm.audit.services import system_actor
from crm.licensing import licences as lic
from crm.licensing import services
from crm.licensing.models import ManifestPeriod, Release, Work, WorkTag
from tests.conftest import post_form

FAR_PAST = date(2020, 1, 1)
ACTOR = system_actor("test")
PDF = b"%PDF-1.4\n% a signed release\n%%EOF\n"


def test_works_page_filters_and_counts_released_hours(client, login, db, make_creator, make_work):
    creator = make_creator()
    for title, seconds, people in (
        ("Talk A", 3600, False),
        ("Talk B", 5400, True),
        ("Talk C", 1800, False),
    ):
        w = make_work(creator, kind="video", title=title, duration_s=seconds, people_present=people)
        db.add(WorkTag(work_id=w.id, tag="interview"))
    make_work(creator, kind="image", title="Still")
    db.flush()
    login("viewer")
    page = client.get(f"/licensing/creators/{creator.id}?kind=video&tag=interview")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-works="3" data-released="2"' in html  # Talk B shows people, no release
    assert "3.0 hours" in html and "1.5 hours" in html
    assert "Still" not in html and "Not licensable: no model release for people shown" in html
    filtered = client.get(f"/licensing/creators/{creator.id}?min_minutes=60&people_present=no")
    assert 'data-works="1"' in filtered.get_data(as_text=True)  # Talk A
    bad = client.get(f"/licensing/creators/{creator.id}?min_minutes=long")
    assert bad.status_code == 422 and "must be a number of minutes" in bad.get_data(as_text=True)
    assert "Set rights in bulk" not in html  # viewers read only


def test_manager_adds_a_work_with_rights_and_edits_it(client, login, db, make_creator):
    creator = make_creator()
    login("manager")
    bad = post_form(
        client,
        f"/licensing/creators/{creator.id}/works",
        {
            "kind": "video",
            "title": "Shoot",
            "url": "https://v.example/shoot",
            "rights": "client",
            "duration_s": "long",
        },
    )
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "name the client the work was made for" in text and "must be a number of seconds" in text
    assert db.scalar(select(Work).where(Work.creator_id == creator.id)) is None
    ok = post_form(
        client,
        f"/licensing/creators/{creator.id}/works",
        {
            "kind": "video",
            "title": "Shoot",
            "url": "https://v.example/shoot",
            "rights": "client",
            "client_name": "Acme",
            "tags": "Interview, clear audio",
            "duration_s": "600",
            "people_present": "y",
        },
    )
    assert ok.status_code == 302
    work = services.get_work(db, db.scalar(select(Work.id).where(Work.creator_id == creator.id)))
    assert (work.rights, work.client_name, work.tags, work.duration_s) == (
        "client",
        "Acme",
        ["clear-audio", "interview"],
        600.0,
    )
    page = client.get(f"/licensing/works/{work.id}").get_data(as_text=True)
    assert "client-owned, no re-licence clause" in page
    edited = post_form(
        client,
        f"/licensing/works/{work.id}",
        {
            "kind": "video",
            "title": "Shoot",
            "url": "https://v.example/shoot",
            "rights": "client",
            "client_name": "Acme",
            "relicense_allowed": "yes",
            "tags": "interview",
            "people_present": "y",
            "people_count": "1",
        },
    )
    assert edited.status_code == 302, edited.get_data(as_text=True)
    db.refresh(work)
    assert work.relicense_allowed is True and work.people_count == 1


def test_releases_page_records_a_release_with_its_pdf(
    client, login, db, make_creator, make_work, app
):
    creator = make_creator()
    work = make_work(creator, people_present=True)
    login("legal")
    not_pdf = post_form(
        client,
        f"/licensing/creators/{creator.id}/releases",
        {
            "kind": "model",
            "subject": "Ada",
            "uses": ["ai_training"],
            "work_ids": [str(work.id)],
            "document": (io.BytesIO(b"hello"), "release.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert not_pdf.status_code == 422 and "is not a PDF" in not_pdf.get_data(as_text=True)
    no_works = post_form(
        client,
        f"/licensing/creators/{creator.id}/releases",
        {"kind": "model", "subject": "Ada", "uses": ["ai_training"]},
    )
    assert no_works.status_code == 422
    assert "attach the release to at least one work" in no_works.get_data(as_text=True)
    assert db.scalar(select(Release).where(Release.creator_id == creator.id)) is None
    made = post_form(
        client,
        f"/licensing/creators/{creator.id}/releases",
        {
            "kind": "model",
            "subject": "Ada",
            "uses": ["ai_training"],
            "work_ids": [str(work.id)],
            "territory": "worldwide",
            "document": (io.BytesIO(PDF), "signed.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert made.status_code == 302, made.get_data(as_text=True)
    release = db.scalar(select(Release).where(Release.creator_id == creator.id))
    import hashlib

    assert release.document_sha256 == hashlib.sha256(PDF).hexdigest()
    download = client.get(f"/licensing/releases/{release.id}/document")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    download.close()
    revoked = post_form(
        client, f"/licensing/releases/{release.id}/revoke", {"revoked_on": "2026-01-01"}
    )
    assert revoked.status_code == 302
    db.refresh(release)
    assert release.revoked_on == date(2026, 1, 1)
    post_form(client, "/logout")
    login("viewer")
    assert client.get(f"/licensing/releases/{release.id}/document").status_code == 404
    page = client.get(f"/licensing/creators/{creator.id}/releases").get_data(as_text=True)
    assert "Record a release" not in page and "download" not in page
    refused = post_form(
        client,
        f"/licensing/creators/{creator.id}/releases",
        {"kind": "model", "subject": "Bob", "uses": ["ai_training"], "work_ids": [str(work.id)]},
    )
    assert refused.status_code == 403


def test_bulk_rights_form(client, login, db, make_creator, make_work):
    creator = make_creator()
    images = [make_work(creator, kind="image", rights="unknown") for _ in range(3)]
    text = make_work(creator, kind="text", rights="unknown")
    login("manager")
    bad = post_form(
        client,
        f"/licensing/creators/{creator.id}/works/rights",
        {"bulk-kind": "image", "bulk-rights": "shared"},
        follow_redirects=True,
    )
    assert "name the other holders of shared rights" in bad.get_data(as_text=True)
    assert all(w.rights == "unknown" for w in images)
    ok = post_form(
        client,
        f"/licensing/creators/{creator.id}/works/rights",
        {"bulk-kind": "image", "bulk-rights": "creator", "bulk-rights_evidence": "Statement, 2026"},
    )
    assert ok.status_code == 302
    for w in [*images, text]:
        db.refresh(w)
    assert [w.rights for w in images] == ["creator"] * 3 and text.rights == "unknown"


def test_licence_page_links_the_manifest_downloads(
    client, login, db, make_creator, make_work, make_consent
):
    creator = make_creator()
    work = make_work(creator)
    make_consent(creator, decision="allowed", effective_on=FAR_PAST)
    licence = lic.create_licence(
        db,
        ACTOR,
        creator_id=creator.id,
        title="L",
        uses=["ai_training"],
        fee_model="flat",
        rate="1.00",
        currency="USD",
        starts_on=date(2024, 1, 1),
        work_ids=[work.id],
    )
    login("viewer")
    page = client.get(f"/licensing/licences/{licence.id}").get_data(as_text=True)
    assert "Croissant JSON-LD" in page
    csv_text = client.get(f"/licensing/licences/{licence.id}/manifest.csv?period=2025-06")
    assert csv_text.status_code == 200 and work.sha256 in csv_text.get_data(as_text=True)
    assert db.query(ManifestPeriod).filter_by(licence_id=licence.id, period="2025-06").count()
    doc = client.get(f"/licensing/licences/{licence.id}/croissant.json?period=2025-06")
    assert doc.get_json()["recordSet"][0]["data"][0]["works/sha256"] == work.sha256
    bad = client.get(f"/licensing/licences/{licence.id}/manifest.csv?period=soon")
    assert bad.status_code == 422
    services.update_work(db, ACTOR, work, {"rights": "unknown"})
    page = client.get(f"/licensing/licences/{licence.id}").get_data(as_text=True)
    assert "<strong>not covered</strong> (rights unknown)" in page
