"""Demo feedback loads on its own (no creators/products loaders) and alongside them."""

from __future__ import annotations

from sqlalchemy import select

from crm.creators.models import Creator
from crm.feedback import demo
from crm.feedback.models import Feedback
from tests.factories import CreatorFactory, GrantFactory, ProductFactory


def test_demo_creates_what_it_needs_when_context_keys_are_missing(db, make_user):
    context = {"users": {"manager@example.com": make_user("manager")}}
    demo.load(db, context)
    notes = db.scalars(select(Feedback)).all()
    assert len(notes) == 9
    voice = db.scalar(select(Feedback).where(Feedback.category == "accessibility"))
    creator = db.get(Creator, voice.creator_id)
    assert creator.display_name == "Daniel Okafor" and "typing" in creator.notes.lower()
    assert voice.status == "forwarded" and voice.forwarded_to == "Accessibility team"
    assert {n.status for n in notes} == {"new", "triaged", "forwarded", "resolved", "wont_fix"}
    assert any(n.duplicate_of_id for n in notes)


def test_demo_uses_the_creators_products_and_grants_it_is_given(db):
    creators = [CreatorFactory.build() for _ in range(4)]
    creators.append(CreatorFactory.build(display_name="Daniel Okafor", search_name="daniel okafor"))
    products = [ProductFactory.build(), ProductFactory.build()]
    db.add_all(creators + products)
    db.flush()
    grant = GrantFactory(creator_id=creators[-1].id, product_id=products[1].id)
    demo.load(db, {"creators": creators, "products": products, "grants": [grant]})
    voice = db.scalar(select(Feedback).where(Feedback.category == "accessibility"))
    assert (voice.creator_id, voice.grant_id, voice.product_id) == (
        creators[-1].id,
        grant.id,
        products[1].id,
    )
    assert db.scalar(select(Creator).where(Creator.display_name == "Ava Lindqvist")) is None
