"""Licensing pages as each role sees them."""

from __future__ import annotations

import io
from datetime import date

from sqlalchemy import func, select

from crm.audit.services import system_actor
from crm.licensing import licences as lic
from crm.licensing.models import Consent, Licence, Work
from tests.conftest import post_form

FAR_PAST = date(2020, 1, 1)
ACTOR = system_actor("test")


def test_creator_page_shows_the_grid_and_why(
    client, login, db, make_creator, make_work, make_consent
):
    creator = make_creator(display_name="Iris Lens")
    work = make_work(creator, title="Lagos street")
    decider = make_consent(
        creator,
        kind="image",
        decision="constrained",
        constraint="credit the photographer",
        effective_on=FAR_PAST,
    )
    login("viewer")
    html = client.get(f"/licensing/creators/{creator.id}").get_data(as_text=True)
    assert "Lagos street" in html
    assert f"consent #{decider.id} for all image works (contract, effective 2020-01-01)" in html
    assert "credit the photographer" in html
    assert "no consent recorded" in html  # the other uses
    assert "Record consent" not in html and "Add work" not in html  # viewer: read-only
    assert work.id


def test_manager_adds_a_work_and_legal_records_and_revokes_consent(client, login, db, make_creator):
    creator = make_creator()
    login("manager")
    bad = post_form(
        client,
        f"/licensing/creators/{creator.id}/works",
        {"kind": "image", "title": "X", "url": "not-a-url"},
    )
    assert bad.status_code == 422
    assert "must be an absolute http(s) URL" in bad.get_data(as_text=True)
    ok = post_form(
        client,
        f"/licensing/creators/{creator.id}/works",
        {"kind": "image", "title": "Dune", "url": "https://p.example/dune.jpg"},
    )
    assert ok.status_code == 302
    work = db.scalar(select(Work).where(Work.creator_id == creator.id))
    post_form(client, "/logout")
    login("legal")
    missing = post_form(
        client,
        f"/licensing/creators/{creator.id}/consents",
        {
            "scope": f"work:{work.id}",
            "uses": ["ai_training"],
            "decision": "constrained",
            "source": "contract",
            "effective_on": "2024-01-01",
        },
    )
    assert missing.status_code == 422
    assert "required when the decision is constrained" in missing.get_data(as_text=True)
    response = post_form(
        client,
        f"/licensing/creators/{creator.id}/consents",
        {
            "scope": f"work:{work.id}",
            "uses": ["ai_training", "data_mining"],
            "decision": "allowed",
            "source": "creator_request",
            "evidence": "email of 3 Jan",
            "effective_on": "2024-01-01",
        },
    )
    assert response.status_code == 302
    consents = db.scalars(select(Consent).where(Consent.work_id == work.id)).all()
    assert sorted(c.use for c in consents) == ["ai_training", "data_mining"]
    html = client.get(f"/licensing/creators/{creator.id}").get_data(as_text=True)
    assert html.count(f"for work #{work.id} (creator&#39;s request") == 2  # words, escaped
    revoke = post_form(
        client, f"/licensing/consents/{consents[0].id}/revoke", {"revoked_on": "2024-02-01"}
    )
    assert revoke.status_code == 302
    db.expire_all()
    assert db.get(Consent, consents[0].id).revoked_on == date(2024, 2, 1)
    early = post_form(
        client, f"/licensing/consents/{consents[1].id}/revoke", {"revoked_on": "2023-01-01"}
    )
    assert early.status_code == 422  # the works page, the date kept beside its message
    page = early.get_data(as_text=True)
    assert "must be on or after 2024-01-01" in page and 'value="2023-01-01"' in page
    assert f'id="revoke-{consents[1].id}-errors"' in page


def test_lookup_by_url_and_hash(client, login, db, make_creator, make_work, make_consent):
    creator = make_creator()
    work = make_work(creator, title="Canoe", url="https://v.example/watch?v=1", sha256="c" * 64)
    make_consent(creator, decision="allowed", effective_on=FAR_PAST)
    login("legal")
    by_url = client.get("/licensing/lookup?q=HTTPS://V.example/watch?v=1")
    assert by_url.status_code == 200
    assert "Canoe" in by_url.get_data(as_text=True)
    by_hash = client.get(f"/licensing/lookup?q={'C' * 64}").get_data(as_text=True)
    assert "Canoe" in by_hash and "allowed" in by_hash
    unknown = client.get("/licensing/lookup?q=https://v.example/other").get_data(as_text=True)
    assert "Unknown work" in unknown
    assert client.get("/licensing/lookup?q=hello").status_code == 422
    assert work.id


def test_csv_import_checks_everything_first(client, login, db, make_creator):
    creator = make_creator()
    login("manager")
    rows = (
        "creator_id,kind,title,url\n"
        f"{creator.id},image,One,https://i.example/1\n"
        f"{creator.id},sculpture,Two,https://i.example/2\n"
    )
    bad = post_form(
        client, "/licensing/works/import", {"file": (io.BytesIO(rows.encode()), "works.csv")}
    )
    assert bad.status_code == 422
    assert "line 3: kind must be one of" in bad.get_data(as_text=True)
    count = select(func.count()).select_from(Work).where(Work.creator_id == creator.id)
    assert db.scalar(count) == 0
    good = rows.replace("sculpture", "image")
    dry = post_form(
        client,
        "/licensing/works/import",
        {"file": (io.BytesIO(good.encode()), "works.csv"), "dry_run": "y"},
    )
    assert "All 2 rows are valid" in dry.get_data(as_text=True)
    assert db.scalar(count) == 0
    done = post_form(
        client, "/licensing/works/import", {"file": (io.BytesIO(good.encode()), "works.csv")}
    )
    assert done.status_code == 302
    assert db.scalar(count) == 2


def _licence(db, make_creator, make_work, make_consent):
    creator = make_creator()
    works = [make_work(creator, title=f"Book {n}", kind="text") for n in range(3)]
    make_consent(creator, decision="allowed", effective_on=FAR_PAST)
    licence = lic.create_licence(
        db,
        ACTOR,
        creator_id=creator.id,
        title="Backlist",
        uses=["ai_training"],
        fee_model="per_work",
        rate="1234.56",
        currency="EUR",
        starts_on=date(2024, 1, 1),
        all_allowed_works=True,
    )
    return creator, works, licence


def test_licence_page_payouts_and_money_for_roles(
    client, login, db, make_creator, make_work, make_consent
):
    _creator, _works, licence = _licence(db, make_creator, make_work, make_consent)
    login("manager")
    response = post_form(client, f"/licensing/licences/{licence.id}/payouts", {"period": "2024-03"})
    assert response.status_code == 302
    html = client.get(f"/licensing/licences/{licence.id}").get_data(as_text=True)
    assert "3,703.68 EUR" in html and "1,234.56 EUR" in html
    payout = lic.list_payouts(db, licence)[0]
    paid = post_form(
        client,
        f"/licensing/licences/{licence.id}/payouts/{payout.id}/paid",
        {"paid_on": "2024-04-02"},
    )
    assert paid.status_code == 302
    db.expire_all()
    assert lic.list_payouts(db, licence)[0].paid_on == date(2024, 4, 2)
    twice = post_form(client, f"/licensing/licences/{licence.id}/payouts", {"period": "2024-03"})
    assert twice.status_code == 409  # the licence page, the period kept, the reason above
    assert "already stored" in twice.get_data(as_text=True)
    assert 'value="2024-03"' in twice.get_data(as_text=True)
    post_form(client, "/logout")
    login("viewer")
    for url in (f"/licensing/licences/{licence.id}", "/licensing/licences/"):
        page = client.get(url).get_data(as_text=True)
        assert "Backlist" in page
        assert "3,703.68" not in page and "1,234.56" not in page and "EUR" not in page
    assert client.get("/licensing/fund").status_code == 403


def test_licence_form_refuses_not_allowed_works(
    client, login, db, make_creator, make_work, make_consent
):
    creator = make_creator()
    fine = make_work(creator, title="Fine")
    refused = make_work(creator, title="Withdrawn piece")
    make_consent(creator, decision="allowed", effective_on=FAR_PAST)
    make_consent(creator, work=refused, decision="not_allowed", effective_on=FAR_PAST)
    login("manager")
    data = {
        "title": "Deal",
        "uses": ["ai_training"],
        "fee_model": "flat",
        "rate": "100",
        "currency": "USD",
        "starts_on": "2024-01-01",
        "work_ids": [fine.id, refused.id],
    }
    response = post_form(client, f"/licensing/creators/{creator.id}/licences", data)
    assert response.status_code == 409
    assert f"&#34;Withdrawn piece&#34; (#{refused.id}" in response.get_data(as_text=True)
    assert (
        db.scalar(select(func.count()).select_from(Licence).where(Licence.creator_id == creator.id))
        == 0
    )
    data["work_ids"] = [fine.id]
    assert post_form(client, f"/licensing/creators/{creator.id}/licences", data).status_code == 302


def test_fund_page_computes_shares(client, login, db, make_creator, make_work, make_consent):
    _creator, _works, licence = _licence(db, make_creator, make_work, make_consent)
    lic.compute_payout(db, ACTOR, licence, "2024-05", on=date(2024, 6, 1))
    login("manager")
    response = post_form(
        client, "/licensing/fund", {"period": "2024", "amount": "0.01", "currency": "USD"}
    )
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Fund 2024: 0.01 USD" in html
    assert "Total weight 4" in html  # 3 works used + 1 licence earned
    empty = post_form(
        client, "/licensing/fund", {"period": "2019", "amount": "10", "currency": "USD"}
    )
    assert empty.status_code == 409
    post_form(client, "/logout")
    login("legal")
    assert client.get("/licensing/fund").status_code == 200
    assert post_form(client, "/licensing/fund", {"period": "2024"}).status_code == 403


def test_creator_section_and_timeline(app, db, make_creator, make_work, make_consent, make_user):
    from flask import render_template

    from crm.common.registry import registry
    from crm.licensing.views import creator_section, timeline_entries

    creator = make_creator()
    make_work(creator, title="Only work")
    consent = make_consent(
        creator, decision="allowed", effective_on=FAR_PAST, revoked_on=date(2021, 1, 1)
    )
    viewer = make_user("viewer")
    assert any(s.name == "licensing" for s in registry(app).creator_sections)
    with app.test_request_context():
        section = creator_section(db, creator, viewer)
        html = render_template("licensing/section.html", section=section, creator=creator)
        entries = timeline_entries(db, creator, viewer, 10)
    assert "Only work" in html and "1 work ·" in html
    titles = [e.title for e in entries]
    assert any(f"Consent #{consent.id} revoked" in t for t in titles)
    assert any(t.startswith("Consent recorded") for t in titles)


def test_timeline_has_consents_licences_and_paid_payouts_in_one_statement(
    app, db, make_creator, make_consent, make_user, count_queries
):
    from crm.licensing.models import Licence, Payout
    from crm.licensing.views import timeline_entries

    creator = make_creator()
    consent = make_consent(creator, decision="allowed", effective_on=FAR_PAST)
    licence = Licence(
        creator_id=creator.id,
        title="Voice set",
        uses=["ai_training", "search"],
        fee_model="flat",
        rate_minor=1000,
        currency="EUR",
        starts_on=FAR_PAST,
    )
    db.add(licence)
    db.flush()
    common = dict(licence_id=licence.id, period_start=FAR_PAST, period_end=FAR_PAST)
    db.add_all(
        [
            Payout(
                period="2024-01",
                works_count=3,
                amount_minor=12345,
                currency="EUR",
                paid_on=date(2024, 2, 1),
                **common,
            ),
            Payout(period="2024-02", works_count=4, amount_minor=99, currency="EUR", **common),
        ]
    )
    db.flush()
    viewer, admin = make_user("viewer"), make_user("admin")
    with app.test_request_context(), count_queries() as counter:
        seen_by_viewer = timeline_entries(db, creator, viewer, 10)
    with app.test_request_context():
        seen_by_admin = timeline_entries(db, creator, admin, 10)
    assert counter.count == 1
    titles = [e.title for e in seen_by_viewer]
    assert any(t.startswith("Consent recorded") for t in titles)
    assert "Licence: Voice set" in titles
    assert "Payout for 2024-01 paid (Voice set)" in titles
    assert not any("2024-02" in t for t in titles)  # not paid: not on the timeline
    licence_entry = next(e for e in seen_by_viewer if e.kind == "licence")
    assert licence_entry.detail == "Uses: AI training, Search"
    payout = next(e for e in seen_by_admin if e.kind == "payout")
    assert payout.detail.startswith("3 works, ") and "123.45" in payout.detail
    assert next(e for e in seen_by_viewer if e.kind == "payout").detail == "3 works"
    assert consent.id
