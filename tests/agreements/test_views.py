"""Pages: what each role sees, R1 refusals in the form, uploads, viewer redaction."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from flask import render_template

from crm.agreements import sections, services
from crm.agreements.models import Nda
from crm.common.timeutil import today_in
from tests.agreements.conftest import ACTOR
from tests.conftest import post_form
from tests.factories import CreatorFactory, DealFactory, GrantFactory, NdaFactory

PDF = b"%PDF-1.7\n" + b"0" * 2000 + b"\n%%EOF\n"


def _today():
    return today_in("UTC")


@pytest.fixture
def paid_deal(db, creator):
    deal = DealFactory(creator_id=creator.id, fee_minor=123456, currency="USD")
    services.add_payment(db, ACTOR, deal, due_on=_today() + timedelta(days=3), amount="987.65")
    db.flush()
    return deal


def test_viewer_sees_no_amount_on_deal_and_expiring_pages(client, login, paid_deal):
    login("viewer")
    for url in (f"/agreements/deals/{paid_deal.id}", "/agreements/"):
        body = client.get(url).get_data(as_text=True)
        assert "1,234.56" not in body and "987.65" not in body, url
        assert "Mark paid" not in body
    post_form(client, "/logout")
    login("manager")
    body = client.get(f"/agreements/deals/{paid_deal.id}").get_data(as_text=True)
    assert "1,234.56 USD" in body and "987.65 USD" in body
    assert "987.65 USD" in client.get("/agreements/").get_data(as_text=True)


def test_grant_form_shows_the_r1_refusal(client, login, creator, product):
    login("manager")
    url = f"/agreements/grants/new?creator_id={creator.id}"
    assert client.get(url).status_code == 200
    response = post_form(
        client,
        url,
        {"product_id": product.id, "nda_id": 0, "starts_on": "2026-03-01", "ends_on": "2026-04-01"},
    )
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "Refused by the NDA rule" in body and "has no signed NDA" in body


def test_grant_form_creates_under_a_signed_nda(client, login, db, creator, product, make_nda):
    nda = make_nda(creator, [product])
    login("manager")
    response = post_form(
        client,
        f"/agreements/grants/new?creator_id={creator.id}",
        {"product_id": product.id, "nda_id": 0, "starts_on": "2026-03-01",
         "ends_on": "2026-06-30", "monthly_value": "200.00", "currency": "USD"},
    )  # fmt: skip
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"NDA #{nda.id}" in page and "200.00 USD" in page


def test_nda_pages_create_transition_and_refuse(client, login, db, creator, product):
    login("legal")
    response = post_form(
        client,
        f"/agreements/ndas/new?creator_id={creator.id}",
        {"product_ids": [product.id], "effective_on": "2026-01-01", "terms": "Mutual"},
    )
    assert response.status_code == 302
    nda = db.query(Nda).filter_by(creator_id=creator.id).one()
    url = f"/agreements/ndas/{nda.id}"
    early = post_form(client, f"{url}/sign", {"signed_on": "2026-01-02", "signed_on_paper": "y"})
    assert early.status_code == 409  # the NDA page again, with the reason
    page = early.get_data(as_text=True)
    assert "Cannot change this NDA from draft to signed. Allowed from draft: sent." in page
    post_form(client, f"{url}/status", {"status": "sent"})
    post_form(client, f"{url}/sign", {"signed_on": "2026-01-02", "signed_on_paper": "y"})
    db.refresh(nda)
    assert nda.status == "signed"
    post_form(client, f"{url}/terminate")
    db.refresh(nda)
    assert nda.status == "terminated"


def test_nda_form_field_errors(client, login, creator):
    login("manager")
    response = post_form(
        client,
        f"/agreements/ndas/new?creator_id={creator.id}",
        {"effective_on": "2026-05-01", "expires_on": "2026-04-01"},
    )
    assert response.status_code == 422
    assert "must be on or after the effective date" in response.get_data(as_text=True)


@pytest.fixture
def nda(db, creator, product):
    return NdaFactory(creator_id=creator.id, products=[product])


def upload(client, nda, data: bytes, name="signed.pdf"):
    return post_form(
        client,
        f"/agreements/ndas/{nda.id}/document",
        {"document": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_pdf_upload_download_and_viewer_404(app, client, login, db, nda):
    import hashlib

    login("manager")
    assert upload(client, nda, PDF).status_code == 302
    db.refresh(nda)
    assert nda.document_sha256 == hashlib.sha256(PDF).hexdigest()
    assert nda.document_path.startswith("ndas/") and "signed" not in nda.document_path
    response = client.get(f"/agreements/ndas/{nda.id}/document")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.mimetype == "application/pdf"
    response.close()
    post_form(client, "/logout")
    login("viewer")
    assert client.get(f"/agreements/ndas/{nda.id}/document").status_code == 404
    page = client.get(f"/agreements/ndas/{nda.id}").get_data(as_text=True)
    assert "/document" not in page and nda.document_sha256 not in page


def test_renamed_non_pdf_is_refused(client, login, db, nda):
    login("legal")
    response = upload(client, nda, b"\x89PNG\r\n\x1a\n" + b"0" * 100, name="contract.pdf")
    assert response.status_code == 422
    assert "is not a PDF" in response.get_data(as_text=True)
    db.refresh(nda)
    assert nda.document_path is None


def test_upload_over_the_limit_is_413(app, client, login, db, nda):
    login("manager")
    app.config["NDA_MAX_BYTES"] = 4096
    try:
        response = upload(client, nda, b"%PDF-1.7\n" + b"0" * 200_000)
    finally:
        app.config["NDA_MAX_BYTES"] = 10 * 1024 * 1024
    assert response.status_code == 413
    db.refresh(nda)
    assert nda.document_path is None


def test_products_page_admin_only_and_audits_release(client, login, db):
    login("admin")
    response = post_form(
        client, "/agreements/products/", {"name": "Nebula", "aliases": "nb, neb-x"}
    )
    assert response.status_code == 302
    page = client.get("/agreements/products/").get_data(as_text=True)
    assert "Nebula" in page and "nb, neb-x" in page
    dup = post_form(client, "/agreements/products/", {"name": "nebula"})
    assert dup.status_code == 422 and "already used" in dup.get_data(as_text=True)


def test_deal_form_and_payments(client, login, db, creator):
    login("manager")
    bad = post_form(
        client,
        f"/agreements/deals/new?creator_id={creator.id}",
        {"title": "Video", "kind": "paid", "fee": "0", "currency": "USD"},
    )
    assert bad.status_code == 422 and "must be above zero" in bad.get_data(as_text=True)
    ok = post_form(
        client,
        f"/agreements/deals/new?creator_id={creator.id}",
        {"title": "Video", "kind": "paid", "fee": "1500.00", "currency": "usd"},
    )
    assert ok.status_code == 302
    url = ok.headers["Location"]
    deal_id = int(url.rstrip("/").split("/")[-1])
    r = post_form(client, f"/agreements/deals/{deal_id}/payments",
                  {"due_on": "2026-02-01", "amount": "0.10"})  # fmt: skip
    assert r.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "0.10 USD" in page and "1,500.00 USD" in page
    post_form(client, f"/agreements/deals/{deal_id}/status", {"status": "completed"})
    assert "Allowed from proposed" in client.get(url).get_data(as_text=True)


def test_creator_section_hides_money_from_viewer(app, db, creator, paid_deal, make_user):
    viewer, manager = make_user("viewer"), make_user("manager")
    with app.test_request_context():
        assert sections.creator_section(db, creator, viewer)["totals"] is None
        built = sections.creator_section(db, creator, manager)
        assert built["totals"]["USD"].due == 98765 and built["can_add"]
        html = render_template("agreements/_creator_section.html", section=built, creator=creator)
    assert "Full cost per currency" in html and "Add deal" in html


def test_timeline_and_home_panel(app, db, creator, product, make_user):
    nda = NdaFactory(
        creator_id=creator.id, products=[product], effective_on=date(2020, 1, 1),
        expires_on=_today() + timedelta(days=10),
    )  # fmt: skip
    g = GrantFactory.build(
        creator_id=creator.id, product_id=product.id, nda_id=nda.id,
        starts_on=date(2020, 1, 1), ends_on=_today() + timedelta(days=5),
    )  # fmt: skip
    db.add(g)
    other = CreatorFactory()
    viewer = make_user("viewer")
    with app.test_request_context():
        entries = sections.nda_entries(db, creator, viewer, 10) + sections.grant_entries(
            db, creator, viewer, 10
        )
        assert {e.kind for e in entries} == {"nda", "grant"}
        assert sections.nda_entries(db, other, viewer, 10) == []
        panel = sections.home_panel(db, viewer)
    assert nda.id in [n.id for n in panel["ndas"]] and g in panel["grants"]


def test_home_and_agreements_pages_render_for_every_role(client, login, nda):
    for role in ("admin", "manager", "legal", "viewer"):
        login(role)
        expected = 403 if role == "viewer" else 200  # read-only for managers and legal
        assert client.get("/agreements/products/").status_code == expected
        assert client.get("/").status_code == 200
        assert client.get("/agreements/").status_code == 200
        assert client.get(f"/agreements/ndas/{nda.id}").status_code == 200
        post_form(client, "/logout")


def test_expiring_page_runs_a_fixed_number_of_queries(client, login, db, count_queries, product):
    login("manager")

    def add(n):
        for _ in range(n):
            c = CreatorFactory()
            nda = NdaFactory.build(creator_id=c.id, products=[product],
                                   expires_on=_today() + timedelta(days=9))  # fmt: skip
            g = GrantFactory.build(creator_id=c.id, product_id=product.id,
                                   ends_on=_today() + timedelta(days=8))  # fmt: skip
            d = DealFactory.build(creator_id=c.id)
            db.add_all([nda, g, d])
            db.flush()
            services.add_payment(db, ACTOR, d, due_on=_today(), amount="1.00")
        db.flush()

    add(2)
    with count_queries() as few:
        assert client.get("/agreements/").status_code == 200
    add(15)
    with count_queries() as many:
        body = client.get("/agreements/").get_data(as_text=True)
    assert body.count("NDA #") >= 17
    assert many.count == few.count, (few.count, many.count)


def test_expiring_page_pages_each_block_and_counts_in_sql(
    client, login, db, product, monkeypatch, count_queries
):
    import re

    from crm.agreements import queries

    monkeypatch.setattr(queries, "EXPIRING_PAGE", 2)
    login("manager")
    for n in range(3):
        c = CreatorFactory()
        nda = NdaFactory.build(creator_id=c.id, products=[product],
                               expires_on=_today() + timedelta(days=3 + n))  # fmt: skip
        d = DealFactory.build(creator_id=c.id)
        db.add_all([nda, d])
        db.flush()
        services.add_payment(db, ACTOR, d, due_on=_today() - timedelta(days=n), amount="2.50")
    db.flush()
    with count_queries() as counter:
        first = client.get("/agreements/").get_data(as_text=True)
    assert counter.count <= 12
    assert re.search(r"NDAs expiring <span[^>]*>3<", first)
    assert first.count("NDA #") == 2
    assert "2 overdue." in first and "Due in all: 7.50 USD." in first
    link = re.search(r'href="(/agreements/\?[^"]*ndas=[^"]+)"', first).group(1)
    second = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert second.count("NDA #") == 1 and "Back to the first" in second
    assert client.get("/agreements/?ndas=not-a-cursor").status_code in (400, 422)
