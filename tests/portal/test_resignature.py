"""R1 over changed terms, and the NDA emails to creators: a signed NDA whose terms change no
longer gates early access until the creator signs the new terms; the creator is emailed when
an NDA is sent to them and when its terms change."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm.agreements import services as agreements
from crm.agreements.models import terms_sha256
from crm.audit.models import AuditEvent
from crm.common.errors import Conflict
from crm.mail.models import OutboxMessage
from crm.portal.services import accounts, ndas
from tests.conftest import log_in
from tests.factories import NdaFactory, ProductFactory, UserFactory
from tests.portal.conftest import portal_post

TODAY = date(2026, 3, 10)


def _grant(db, manager, creator, product, days=30):
    return agreements.create_grant(
        db,
        manager,
        creator_id=creator.id,
        product_id=product.id,
        starts_on=TODAY,
        ends_on=TODAY + timedelta(days=days),
    )


@pytest.fixture
def signed(db, make_creator, make_portal_account):
    """A creator with a portal account who signed an NDA for the unreleased Zephyr."""
    creator = make_creator()
    account = make_portal_account(creator)
    product = ProductFactory(name="Zephyr", public_on=None)
    nda = NdaFactory(
        creator_id=creator.id,
        status="sent",
        effective_on=None,
        expires_on=date(2027, 12, 31),
        terms="Keep Zephyr secret.",
        products=[product],
    )
    actor = accounts.actor_for(account, creator.id)
    evidence = ndas.Evidence("Maya Lindqvist", ndas.document_version(nda), True, "203.0.113.9", "")
    ndas.sign(db, actor, nda, evidence, TODAY)
    return creator, account, product, nda


def test_signing_records_the_terms_hash_on_the_nda(db, signed):
    _creator, _account, _product, nda = signed
    assert nda.signed_terms_sha256 == terms_sha256("Keep Zephyr secret.")
    assert not nda.needs_resignature


def test_a_grant_is_refused_after_the_terms_change_and_allowed_after_re_signing(
    db, signed, make_user
):
    creator, account, product, nda = signed
    manager, legal = make_user("manager"), make_user("legal")
    first = _grant(db, manager, creator, product)  # R1 passes on the signature
    agreements.update_nda(db, legal, nda, terms="Keep Zephyr secret. Also its benchmarks.")
    assert nda.status == "signed" and nda.needs_resignature
    assert first.status == "active"  # a grant already given continues
    with pytest.raises(Conflict) as refused:
        _grant(db, manager, creator, product, days=60)
    assert "re-signature needed" in refused.value.detail
    with pytest.raises(Conflict):  # naming the NDA does not get round it either
        agreements.create_grant(
            db, manager, creator_id=creator.id, product_id=product.id, nda_id=nda.id,
            starts_on=TODAY, ends_on=TODAY + timedelta(days=60),
        )  # fmt: skip
    actor = accounts.actor_for(account, creator.id)
    evidence = ndas.Evidence("Maya Lindqvist", ndas.document_version(nda), True, "203.0.113.9", "")
    ndas.sign(db, actor, nda, evidence, TODAY)
    assert not nda.needs_resignature
    assert nda.signed_terms_sha256 == terms_sha256("Keep Zephyr secret. Also its benchmarks.")
    again = _grant(db, manager, creator, product, days=60)
    assert again.nda_id == nda.id
    resign = db.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "nda.resign", AuditEvent.entity_id == str(nda.id)
        )
    )
    assert resign is not None and "(portal)" in resign.actor_label


def test_an_edit_of_other_fields_is_not_refused_for_a_pending_re_signature(db, signed, make_user):
    creator, _account, product, nda = signed
    _grant(db, make_user("manager"), creator, product)
    legal = make_user("legal")
    agreements.update_nda(db, legal, nda, terms="Amended.")
    agreements.update_nda(db, legal, nda, expires_on=date(2028, 6, 30))  # no Conflict
    assert nda.needs_resignature


def test_a_newly_signed_pdf_is_the_re_signature_of_a_paper_nda(
    db, make_creator, make_user, tmp_path
):
    import io

    from crm.agreements import documents

    creator = make_creator()
    product = ProductFactory(public_on=None)
    nda = NdaFactory(creator_id=creator.id, status="sent", terms="Old.", products=[product])
    legal = make_user("legal")
    agreements.transition_nda(db, legal, nda, "signed", TODAY, signed_on=TODAY, on_paper=True)
    agreements.update_nda(db, legal, nda, terms="New.")
    with pytest.raises(Conflict):
        _grant(db, make_user("manager"), creator, product)
    documents.store_document(
        db, legal, nda, filename="signed.pdf", stream=io.BytesIO(b"%PDF-1.4 new terms"),
        upload_dir=str(tmp_path),
    )  # fmt: skip
    assert not nda.needs_resignature
    assert _grant(db, make_user("manager"), creator, product).nda_id == nda.id


def test_staff_see_re_signature_needed(app, db, signed, make_user, api):
    _creator, _account, _product, nda = signed
    agreements.update_nda(db, make_user("legal"), nda, terms="Changed after signing.")
    db.flush()
    client = app.test_client()
    log_in(client, UserFactory(role="manager"))
    page = client.get(f"/agreements/ndas/{nda.id}").get_data(as_text=True)
    assert "re-signature needed" in page and "Re-signature needed." in page
    _user, headers = api("manager")
    shown = app.test_client().get(f"/api/v1/ndas/{nda.id}", headers=headers).get_json()
    assert shown["needs_resignature"] is True


# --- emails --------------------------------------------------------------------------------


def _mails(db, kind):
    return list(
        db.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )
    )


def test_sending_an_nda_emails_the_creator_a_link_to_its_page(
    db, make_creator, make_portal_account, make_user
):
    creator = make_creator()
    account = make_portal_account(creator, email="maya@example.com")
    nda = NdaFactory(creator_id=creator.id, status="draft", terms="T.", products=[ProductFactory()])
    agreements.transition_nda(db, make_user("legal"), nda, "sent", TODAY)
    [message] = _mails(db, "portal_nda_sent")
    assert message.to == account.email
    assert f"/portal/ndas/{nda.id}" in message.text
    assert f"NDA #{nda.id}" in message.subject


def test_terms_changed_after_sending_and_after_signing_are_emailed(db, signed, make_user):
    _creator, account, _product, nda = signed
    legal = make_user("legal")
    agreements.update_nda(db, legal, nda, terms="Amended once.")
    agreements.update_nda(db, legal, nda, expires_on=date(2028, 1, 31))  # not the terms
    [message] = _mails(db, "portal_nda_terms")
    assert message.to == account.email and "sign them again" in message.text
    assert f"/portal/ndas/{nda.id}" in message.text


def test_no_nda_email_to_a_creator_without_a_joined_account(db, make_creator, make_user):
    creator = make_creator()
    nda = NdaFactory(creator_id=creator.id, status="draft", products=[ProductFactory()])
    agreements.transition_nda(db, make_user("legal"), nda, "sent", TODAY)
    assert _mails(db, "portal_nda_sent") == []


def test_the_portal_asks_for_the_new_signature_over_http(app, db, portal_client, make_user):
    client, _account, creator = portal_client
    product = ProductFactory(public_on=None)
    nda = NdaFactory(creator_id=creator.id, status="sent", terms="One.", products=[product])
    page = client.get(f"/portal/ndas/{nda.id}").get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="([0-9a-f]{64})"', page).group(1)
    signed = portal_post(
        client, f"/portal/ndas/{nda.id}", {"version": version, "typed_name": "Maya L", "agree": "y"}
    )
    assert signed.status_code == 302
    agreements.update_nda(db, make_user("legal"), nda, terms="Two.")
    db.flush()
    page = client.get(f"/portal/ndas/{nda.id}").get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="([0-9a-f]{64})"', page).group(1)
    again = portal_post(
        client, f"/portal/ndas/{nda.id}", {"version": version, "typed_name": "Maya L", "agree": "y"}
    )
    assert again.status_code == 302
    db.expire_all()
    assert not nda.needs_resignature
    assert _grant(db, make_user("manager"), creator, product).nda_id == nda.id
