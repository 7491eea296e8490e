"""Demo agreements: every NDA, grant and deal state, payments paid, due and overdue."""

from __future__ import annotations

from datetime import timedelta

from crm.agreements import services
from crm.audit.services import system_actor
from crm.common.timeutil import org_today


def _creators(session, context: dict) -> list:
    creators = context.get("creators")
    if creators:
        return list(creators)
    from crm.creators.models import Creator

    owner = (context.get("users") or {}).get("manager@example.com")
    made = []
    for name in ("Ava Lumen", "Bo Strand", "Cyd Okafor", "Dee Marsh"):
        creator = Creator(
            display_name=name,
            search_name=name.lower(),
            legal_name=name,
            email=f"{name.split()[0].lower()}@creators.example",
            country="US",
            status="active",
            owner_id=owner.id if owner else None,
        )
        session.add(creator)
        made.append(creator)
    session.flush()
    context["creators"] = made
    return made


STORY = ("Maya Chen Creates", "Pixel Forge", "Synthwave Sam", "Tomás Rivera")


def load(session, context: dict) -> None:
    actor = system_actor("demo")
    today = org_today()
    d = lambda days: today + timedelta(days=days)  # noqa: E731
    creators = _creators(session, context)
    while len(creators) < 4:
        creators = creators + creators
    a, b, c, e = creators[:4]
    # With the creators' demo, each agreement fits its creator's craft: the AI artist has the
    # image-model NDA and the launch videos, the 3D artist the early look, the synth musician
    # the voice model, the music producer the video tool and the festival stand.
    by_name = {x.display_name: x for x in creators}
    if all(name in by_name for name in STORY):
        a, b, c, e = (by_name[name] for name in STORY)

    products = [
        services.create_product(session, actor, name="Aurora 2", aliases=["aurora-next"]),
        services.create_product(session, actor, name="Vela Video", aliases=["VV", "vela-v"]),
        services.create_product(session, actor, name="Lyra Voice", public_on=d(-120)),
        services.create_product(session, actor, name="Orion Studio", public_on=d(45)),
    ]
    aurora, vela, lyra, orion = products

    def nda(creator, prods, start, end, *steps):
        n = services.create_nda(
            session, actor, creator_id=creator.id, product_ids=[p.id for p in prods],
            effective_on=start, expires_on=end, terms="Mutual NDA covering pre-release models.",
        )  # fmt: skip
        for step in steps:
            signing = {"signed_on": max(start - timedelta(days=3), d(-400)), "on_paper": True}
            extra = signing if step == "signed" else {}
            services.transition_nda(session, actor, n, step, today, **extra)
        return n

    signed_a = nda(a, [aurora, vela, orion], d(-90), d(300), "sent", "signed")
    soon_b = nda(b, [aurora], d(-200), d(20), "sent", "signed")
    draft_c = nda(c, [vela], d(5), d(370))
    sent_e = nda(e, [orion], d(0), None, "sent")
    to_expire = nda(c, [aurora], d(-400), d(-10), "sent", "signed")
    to_end = nda(e, [vela], d(-100), d(200), "sent", "signed")

    def grant(creator, product, start, end, value="200.00", currency="USD", tier="unlimited"):
        return services.create_grant(
            session, actor, creator_id=creator.id, product_id=product.id, starts_on=start,
            ends_on=end, tier=tier, monthly_value=value, currency=currency,
        )  # fmt: skip

    g_active = grant(a, aurora, d(-60), d(200))
    g_soon = grant(b, aurora, d(-30), d(12), tier="1000 credits/month")
    g_public = grant(c, lyra, d(-100), d(100), value="15.00", currency="EUR")
    g_revoked = grant(a, vela, d(-50), d(100), value="3000", currency="JPY")
    services.revoke_grant(session, actor, g_revoked, "Shared access with a third party.", d(-5))
    g_expired = grant(c, aurora, d(-300), d(-20))
    g_suspended = grant(e, vela, d(-90), d(150), value="99.00")
    # The daily job expires g_expired and the NDA `to_expire`; terminating `to_end` suspends
    # g_suspended (R2).
    services.expire_agreements(session, today, actor)
    services.transition_nda(session, actor, to_end, "terminated", today)

    def deal(creator, title, kind, status_path=(), **fields):
        x = services.create_deal(session, actor, creator_id=creator.id, title=title, kind=kind,
                                 starts_on=d(-30), ends_on=d(150), **fields)  # fmt: skip
        for status in status_path:
            services.update_deal(session, actor, x, status=status)
        return x

    paid = deal(
        a,
        "Launch video series",
        "paid",
        ("negotiating", "signed", "active"),
        fee="4500.00",
        currency="USD",
        deliverables="Three launch videos.",
        usage_rights="Company channels and paid social",
        usage_rights_until=d(365),
    )
    services.add_payment(session, actor, paid, due_on=d(-20), amount="1500.00", paid_on=d(-18))
    services.add_payment(session, actor, paid, due_on=d(-3), amount="1500.00")
    services.add_payment(session, actor, paid, due_on=d(10), amount="1500.00")
    deal(b, "Aurora early look", "in_kind", ("signed",), grant_ids=[g_soon.id])
    hybrid = deal(c, "Voice workshop", "hybrid", ("signed", "active", "completed"),
                  fee="800.00", currency="EUR", grant_ids=[g_public.id])  # fmt: skip
    services.add_payment(session, actor, hybrid, due_on=d(-40), amount="800.00", paid_on=d(-35))
    deal(e, "Festival stand", "in_kind", ("negotiating",), in_kind_value="250000",
         currency="JPY")  # fmt: skip
    deal(a, "Podcast mention", "paid", (), fee="300.00", currency="GBP")
    deal(b, "Cancelled tour", "paid", ("cancelled",), fee="1200.00", currency="USD")

    _demo_clearance(session, context, products)
    context["products"] = products
    context["ndas"] = [signed_a, soon_b, draft_c, sent_e, to_expire, to_end]
    context["grants"] = [g_active, g_soon, g_public, g_revoked, g_expired, g_suspended]
    context["deals"] = list(session.scalars(_deals_stmt(creators)))


def _demo_clearance(session, context: dict, products) -> None:
    """Need-to-know in the demo: the managers are cleared for every unreleased product; the
    viewer is not cleared for Vela Video, so logging in as the viewer shows it missing."""
    from crm.agreements.models import ProductClearance
    from crm.db import utcnow

    staff = [u for u in (context.get("users") or {}).values() if u.role in ("manager", "viewer")]
    for product in products:
        if product.public_on is not None and product.public_on <= org_today():
            continue
        for user in staff:
            if user.role == "viewer" and product.name == "Vela Video":
                continue
            session.add(
                ProductClearance(product_id=product.id, user_id=user.id, granted_at=utcnow())
            )
    session.flush()


def _deals_stmt(creators):
    from sqlalchemy import select

    from crm.agreements.models import Deal

    return select(Deal).where(Deal.creator_id.in_([c.id for c in creators])).order_by(Deal.id)
