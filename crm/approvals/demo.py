"""Demo submissions in every state, run through the real services so history and audit exist."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from crm.common.registry import DemoLoader
from crm.common.timeutil import org_today, org_zone


def _ensure_context(session, context: dict) -> tuple[list, list, dict]:
    """Creators and products from earlier loaders, or a few of our own when they are missing."""
    from crm.agreements.models import Deal, Product
    from crm.creators.models import Creator

    users = context.get("users") or {}
    creators = list(context.get("creators") or [])
    if not creators:
        owner = users.get("manager@example.com")
        for name in ("Maya Frames", "Theo Talks Tech"):
            creator = Creator(
                display_name=name,
                search_name=name.lower(),
                status="active",
                country="US",
                owner_id=owner.id if owner else None,
            )
            session.add(creator)
            creators.append(creator)
        session.flush()
        today = org_today()
        session.add(
            Deal(
                creator_id=creators[0].id,
                title="Launch video series",
                kind="paid",
                status="active",
                starts_on=today - timedelta(days=30),
                ends_on=today + timedelta(days=120),
            )
        )
    products = list(context.get("products") or [])
    if not products:
        products = [
            Product(name="Aurora Video", aliases=["Aurora", "AV-2"], public_on=None),
            Product(name="Lumen Chat", aliases=["Lumen"], public_on=org_today()),
        ]
        session.add_all(products)
    session.flush()
    return creators, products, users


def load(session, context: dict) -> None:
    from crm.approvals import services
    from crm.approvals.services import RevisionInput
    from crm.audit.services import system_actor

    creators, products, users = _ensure_context(session, context)
    manager = users.get("manager@example.com") or system_actor("demo")
    legal = users.get("legal@example.com")
    if getattr(manager, "id", None) is None or legal is None:
        return  # the services need real users (submitter and reviewer)
    unreleased = next((p for p in products if p.public_on is None), products[0])
    released = next((p for p in products if p.public_on is not None), products[-1])
    soon = datetime.combine(org_today() + timedelta(days=2), time(15, 0), org_zone())

    def make(title, body, *, creator=0, platform="instagram", days=2, video=False, submit=True):
        return services.create_submission(
            session,
            manager,
            creator_id=creators[creator % len(creators)].id,
            platform=platform,
            title=title,
            planned_for=soon + timedelta(days=days - 2),
            is_video=video,
            revision=RevisionInput(body=body, disclosure_in_video=True if video else None),
            submit=submit,
        )

    make("Studio tour (draft)", "Behind the scenes in my studio. #ad", submit=False)
    make(
        "First look reel",
        f"Trying {unreleased.name} before anyone else!\n\n#art #studio #process #ad",
        platform="tiktok",
        days=1,
    )
    make(
        "Tutorial: colour grading",
        f"#ad Colour grading with {released.name}. Guaranteed results every time!",
        platform="youtube",
        video=True,
        days=6,
        creator=1,
    )
    changes = make("Weekend vlog", "Weekend vlog with my new setup #spon", days=4)
    services.decide(
        session, legal, changes.id, 1, "request_changes", "Use #ad instead of #spon, at the top."
    )
    approved = make("Caption for carousel", f"#ad My favourite {released.name} prompts")
    services.decide(session, legal, approved.id, 1, "approve", "")
    rejected = make("Comparison post", "This tool is never wrong, 100% accurate. #ad", creator=1)
    services.decide(session, legal, rejected.id, 1, "reject", "Unsupported claims.")
    published = make("Launch day post", f"#ad {released.name} is out today — here is my take")
    services.decide(session, legal, published.id, 1, "approve", "")
    services.publish(session, manager, published, "https://www.instagram.com/p/demo123/")
    withdrawn = make("Cancelled collab", "#ad A post we decided not to make", creator=1)
    services.withdraw(session, manager, withdrawn, "Campaign cancelled.")
    revised = make("Podcast clip", "Clip from my podcast. #collab", platform="youtube", video=True)
    services.decide(session, legal, revised.id, 1, "request_changes", "Say it is an ad, clearly.")
    services.add_revision(
        session,
        manager,
        revised,
        RevisionInput(body="#ad Clip from my podcast, sponsored.", disclosure_in_video=True),
    )


LOADER = DemoLoader("submissions", load, order=30)
