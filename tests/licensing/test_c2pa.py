"""C2PA manifests in creators' media: read with c2pa-python, stored as the creator's
signal with its evidence, and raised as a conflict against the consent we hold."""

from __future__ import annotations

import hashlib
import io
from datetime import date

import pytest

from crm.licensing import c2pa_read, signals_scan
from crm.licensing.models import SiteSignal
from tests.licensing.c2pa_assets import png, signed_png

PAST = date(2020, 1, 1)
REFUSES_TRAINING = {
    "cawg.ai_training": {"use": "notAllowed"},
    "cawg.data_mining": {"use": "allowed"},
    "cawg.ai_generative_training": {"use": "constrained", "constraint_info": "ask first"},
}


@pytest.fixture(scope="module")
def asset() -> bytes:
    return signed_png(REFUSES_TRAINING)


def test_the_assertion_is_read_from_a_signed_manifest(asset):
    reading = c2pa_read.read(asset)
    assert reading is not None and reading.label == "cawg.training-mining"
    assert reading.entries == {
        "ai_training": ("not_allowed", ""),
        "data_mining": ("allowed", ""),
        "ai_generative_training": ("constrained", "ask first"),
    }
    assert reading.validation_state  # e.g. "Valid" with an untrusted test certificate
    assert "ai_training: not_allowed" in reading.evidence()


def test_the_older_label_is_read_too():
    data = signed_png({"c2pa.ai_inference": {"use": "notAllowed"}}, label="c2pa.training-mining")
    reading = c2pa_read.read(data)
    assert reading is not None and reading.entries == {"ai_inference": ("not_allowed", "")}


def test_media_without_a_manifest_or_not_media_at_all():
    assert c2pa_read.read(png()) is None
    with pytest.raises(c2pa_read.NotMedia):
        c2pa_read.read(b"hello, not an image")
    broken = signed_png({"cawg.ai_training": {"use": "allowed"}})
    with pytest.raises(ValueError, match="cannot be read"):
        c2pa_read.read(broken[: len(broken) // 2])


def _upload(client, headers, work_id, data, name="work.png"):
    return client.post(
        f"/api/v1/works/{work_id}/c2pa",
        data={"file": (io.BytesIO(data), name)},
        headers=headers,
        content_type="multipart/form-data",
    )


def test_an_uploaded_manifest_refusing_training_conflicts_with_an_allowed_record(
    client, api, db, asset, make_creator, make_work, make_consent
):
    creator = make_creator(display_name="Manifest Maker")
    work = make_work(creator, title="Signed frame")
    consent = make_consent(
        creator, work=work, use="ai_training", decision="allowed", effective_on=PAST
    )
    db.commit()
    _u, legal = api("legal")
    res = _upload(client, legal, work.id, asset)
    assert res.status_code == 200, res.json
    assert res.json["found"] is True
    assert res.json["entries"]["ai_training"] == {"decision": "not_allowed", "constraint": None}
    signals = db.query(SiteSignal).filter_by(work_id=work.id).order_by(SiteSignal.use).all()
    assert [(s.source, s.use, s.decision) for s in signals] == [
        ("c2pa", "ai_generative_training", "constrained"),
        ("c2pa", "ai_training", "not_allowed"),
        ("c2pa", "data_mining", "allowed"),
    ]
    assert {s.sha256 for s in signals} == {hashlib.sha256(asset).hexdigest()}
    _u, viewer = api("viewer")
    items = client.get(f"/api/v1/consent/conflicts?creator_id={creator.id}", headers=viewer).json[
        "items"
    ]
    assert [(c["source"], c["use"], c["work_id"], c["consent_id"]) for c in items] == [
        ("c2pa", "ai_training", work.id, consent.id)
    ]
    # Reading the same work again replaces what it said, and a scan of the creator's sites
    # keeps what an upload said.
    assert _upload(client, legal, work.id, asset).status_code == 200
    signals_scan.scan(db, [creator.id])
    assert db.query(SiteSignal).filter_by(work_id=work.id).count() == 3


def test_malformed_uploads_are_refused_with_4xx(client, api, db, make_creator, make_work):
    work = make_work(make_creator())
    db.commit()
    _u, legal = api("legal")
    assert _upload(client, legal, work.id, b"not media at all").status_code == 422
    assert _upload(client, legal, work.id, b"").status_code == 422
    truncated = signed_png({"cawg.ai_training": {"use": "allowed"}})[:300]
    assert _upload(client, legal, work.id, truncated).status_code == 422
    assert client.post(f"/api/v1/works/{work.id}/c2pa", json={}, headers=legal).status_code == 422
    assert client.post(f"/api/v1/works/{work.id}/c2pa", headers=legal).status_code == 422
    assert _upload(client, legal, 999999, png()).status_code == 404
    res = _upload(client, legal, work.id, png())
    assert res.status_code == 200 and res.json["found"] is False
    _u, viewer = api("viewer")
    assert _upload(client, viewer, work.id, png()).status_code == 403


def test_the_scan_reads_manifests_of_linked_media(
    db, httpserver, asset, make_creator, make_work, make_consent, monkeypatch
):
    monkeypatch.setenv("CRM_FETCH_ALLOW_PRIVATE", "1")
    httpserver.expect_request("/media/frame.png").respond_with_data(asset, content_type="image/png")
    creator = make_creator()
    work = make_work(creator, url=httpserver.url_for("/media/frame.png"))
    make_work(creator, url=httpserver.url_for("/media/page.html"))  # not media: not read
    make_consent(creator, use="ai_training", decision="allowed", effective_on=PAST)
    db.flush()
    signals_scan.scan(db, [creator.id])
    found = db.query(SiteSignal).filter_by(creator_id=creator.id, source="c2pa").all()
    assert {(s.work_id, s.use) for s in found} == {
        (work.id, "ai_training"),
        (work.id, "data_mining"),
        (work.id, "ai_generative_training"),
    }
    assert {s.url for s in found} == {httpserver.url_for("/media/frame.png")}
    conflicts = signals_scan.conflicts(db, date.today(), creator_id=creator.id)
    assert [(c["use"], c["work_id"]) for c in conflicts] == [("ai_training", work.id)]
    assert [r.path for r, _ in httpserver.log] == ["/media/frame.png"]
