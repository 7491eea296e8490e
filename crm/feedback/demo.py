"""Demo feedback notes: a spread of categories, severities and statuses over recent weeks."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from crm.agreements.models import Product
from crm.audit.services import system_actor
from crm.creators.models import Creator
from crm.db import utcnow
from crm.feedback import services

VOICE_CREATOR = "Daniel Okafor"
VOICE_NOTES = (
    "Asked for voice input: typing long prompts is hard for him because of limited hand mobility."
)

# (creator index, product index, category, severity, title, body, reproduction, status, team,
#  days ago)
NOTES = [
    (
        1,
        0,
        "limitation",
        "high",
        "Hands drift between shots in long clips",
        "Past ~8 seconds the hands **lose fingers** and the grip on objects changes.",
        "Prompt: a potter shaping a bowl on a wheel, close-up, 12 s",
        "triaged",
        None,
        20,
    ),
    (
        2,
        0,
        "bug",
        "critical",
        "Export fails on 4K renders",
        "The export stops at 99% and the file is empty. Happened on three projects.",
        "1. Render any 4K clip\n2. Export as MP4\n3. Download is 0 bytes",
        "new",
        None,
        3,
    ),
    (
        3,
        0,
        "bug",
        "critical",
        "4K export produces empty file",
        "Same as last week: 4K exports come out empty.",
        "Export a 4K clip as MP4",
        "new",
        None,
        1,
    ),
    (
        1,
        1,
        "feature_request",
        "medium",
        "Longer context for scripts",
        "Would like to paste a full 40-minute script and get chaptered edits.",
        "",
        "forwarded",
        "Long-context team",
        30,
    ),
    (
        2,
        1,
        "safety",
        "high",
        "Refuses harmless medical explainer",
        "A video script explaining how vaccines work was refused as 'medical advice'.",
        "Prompt: explain how mRNA vaccines teach the immune system, for teenagers",
        "triaged",
        None,
        12,
    ),
    (
        3,
        1,
        "praise",
        "low",
        "Tone matching is excellent",
        "The rewrite kept my voice; my audience could not tell the difference.",
        "",
        "resolved",
        None,
        40,
    ),
    (
        1,
        0,
        "limitation",
        "medium",
        "Text in scenes is garbled",
        "Signs and labels in generated scenes come out as nonsense letters.",
        "Prompt: a bakery storefront with a sign that says OPEN",
        "wont_fix",
        None,
        26,
    ),
    (
        2,
        1,
        "bug",
        "high",
        "Markdown tables lose columns",
        "Tables with more than 6 columns drop the last ones.",
        "Ask for a 8-column comparison",
        "new",
        None,
        5,
    ),
]


def _creators(session, context) -> list[Creator]:
    creators = list(context.get("creators") or [])
    if len(creators) < 4:
        for n in range(len(creators), 4):
            name = ("Ava Lindqvist", "Noor Haddad", "Leo Martins", "Kai Tanaka")[n]
            creator = Creator(
                display_name=name, search_name=name.lower(), status="active", country="US"
            )
            session.add(creator)
            creators.append(creator)
        session.flush()
        context.setdefault("creators", creators)
    return creators


def _products(session, context) -> list[Product]:
    products = list(context.get("products") or [])
    if not products:
        products = list(session.scalars(select(Product).order_by(Product.id).limit(2)))
    while len(products) < 2:
        name = ("Lumen Video", "Quill Writer")[len(products)]
        product = session.scalar(select(Product).where(Product.name == name))
        if product is None:
            product = Product(name=name, aliases=[])
            session.add(product)
            session.flush()
        products.append(product)
    context.setdefault("products", products)
    return products


def _voice_creator(session, creators: list[Creator]) -> Creator:
    for creator in creators:
        text = f"{creator.display_name} {creator.notes or ''}".lower()
        if VOICE_CREATOR.lower() in text or "voice input" in text:
            return creator
    creator = Creator(
        display_name=VOICE_CREATOR,
        search_name=VOICE_CREATOR.lower(),
        status="active",
        country="GB",
        notes=VOICE_NOTES,
    )
    session.add(creator)
    session.flush()
    creators.append(creator)
    return creator


def load(session, context: dict) -> None:
    users = context.get("users") or {}
    actor = users.get("manager@example.com") or system_actor("demo")
    creators = _creators(session, context)
    products = _products(session, context)
    now = utcnow()
    notes = []
    for ci, pi, category, severity, title, body, repro, status, team, days in NOTES:
        note = services.create_feedback(
            session,
            actor,
            creator_id=creators[ci % len(creators)].id,
            product_id=products[pi % len(products)].id,
            category=category,
            severity=severity,
            title=title,
            body=body,
            reproduction=repro,
        )
        note.created_at = now - timedelta(days=days, hours=ci)
        if status != "new":
            services.change_status(session, actor, note, status, team)
        notes.append(note)
    # The second 4K export report repeats the first: linked, not filed twice.
    notes[2].duplicate_of_id = notes[1].id

    voice = _voice_creator(session, creators)
    grant_id = None
    for grant in context.get("grants") or []:
        if grant.creator_id == voice.id:
            grant_id = grant.id
            break
    product = products[0]
    if grant_id is not None:
        product = next(
            (p for p in products if p.id == grant.product_id),
            session.get(Product, grant.product_id),
        )
    note = services.create_feedback(
        session,
        actor,
        creator_id=voice.id,
        product_id=product.id,
        grant_id=grant_id,
        category="accessibility",
        severity="high",
        title="Voice input for prompts",
        body=(
            "Typing is hard for him (limited hand mobility), so long prompts take a long time "
            "and he stops early.\n\nHe asked for **voice input**: dictate a prompt, review the "
            "transcript, then generate. Keyboard shortcuts for *regenerate* would help too."
        ),
        reproduction="Write a 150-word prompt with an on-screen keyboard or a head pointer.",
    )
    note.created_at = now - timedelta(days=8)
    services.change_status(session, actor, note, "forwarded", "Accessibility team")
    session.flush()
    context["feedback"] = [*notes, note]
