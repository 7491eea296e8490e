"""Demo creators: about 40 across platforms, owners and statuses, with their histories."""

from __future__ import annotations

import random
from datetime import timedelta

from crm.audit.services import system_actor
from crm.common.registry import DemoLoader
from crm.common.timeutil import org_today
from crm.creators import services
from crm.db import utcnow

# display name, country, status, tags, [(platform, handle, followers)]
CREATORS = [
    (
        "Maya Chen Creates",
        "US",
        "active",
        "ai art;tutorials",
        [("youtube", "MayaChenCreates", 842000), ("instagram", "maya.chen.art", 310000)],
    ),
    (
        "Pixel Forge",
        "GB",
        "active",
        "3d;gaming",
        [("youtube", "PixelForge", 1250000), ("twitch", "pixelforge", 98000)],
    ),
    (
        "Lena Hoffmann",
        "DE",
        "negotiating",
        "photography",
        [("instagram", "lenahoffmann.photo", 156000)],
    ),
    (
        "Tomás Rivera",
        "MX",
        "contacted",
        "music;production",
        [("tiktok", "tomasbeats", 2100000), ("youtube", "TomasRiveraMusic", 410000)],
    ),
    (
        "Code With Priya",
        "IN",
        "active",
        "coding;education",
        [
            ("youtube", "CodeWithPriya", 675000),
            ("x", "priya_codes", 88000),
            ("linkedin", "priya-natarajan", 41000),
        ],
    ),
    (
        "The Prompt Lab",
        "US",
        "active",
        "prompting;education",
        [("youtube", "ThePromptLab", 389000), ("x", "promptlab", 120000)],
    ),
    (
        "Sakura Sketches",
        "JP",
        "prospect",
        "illustration;anime",
        [("instagram", "sakura.sketches", 520000), ("x", "sakura_sketch", 230000)],
    ),
    ("Jonas Berg", "SE", "paused", "filmmaking", [("youtube", "JonasBergFilms", 215000)]),
    (
        "Amara Okafor",
        "NG",
        "negotiating",
        "fashion;design",
        [("instagram", "amara.designs", 287000), ("tiktok", "amaraokafor", 640000)],
    ),
    ("Dev Diaries", "CA", "active", "coding;productivity", [("youtube", "DevDiaries", 143000)]),
    (
        "Chloé Martin",
        "FR",
        "contacted",
        "writing;books",
        [("instagram", "chloe.ecrit", 67000), ("x", "chloemartin", 24000)],
    ),
    (
        "Synthwave Sam",
        "AU",
        "active",
        "music;synth",
        [("youtube", "SynthwaveSam", 312000), ("tiktok", "synthwavesam", 455000)],
    ),
    (
        "Rosa Delgado",
        "ES",
        "prospect",
        "photography;travel",
        [("instagram", "rosadelgado.travel", 198000)],
    ),
    (
        "Mind the Model",
        "GB",
        "active",
        "ai news;analysis",
        [("youtube", "MindTheModel", 528000), ("linkedin", "mindthemodel", 35000)],
    ),
    ("Kai Nakamura", "US", "ended", "animation", [("youtube", "KaiAnimates", 96000)]),
    (
        "Lucas Oliveira",
        "BR",
        "negotiating",
        "gaming;streaming",
        [("twitch", "lucasoliveira", 410000), ("youtube", "LucasOliveiraGG", 730000)],
    ),
    (
        "Hannah Writes",
        "IE",
        "active",
        "writing;productivity",
        [("x", "hannahwrites", 51000), ("linkedin", "hannah-byrne-writer", 22000)],
    ),
    ("Studio Nox", "NL", "contacted", "3d;architecture", [("instagram", "studio.nox", 134000)]),
    ("Ahmed Karim", "EG", "prospect", "education;science", [("youtube", "AhmedExplains", 260000)]),
    (
        "Brush & Byte",
        "US",
        "active",
        "ai art;illustration",
        [("instagram", "brushandbyte", 415000), ("tiktok", "brushandbyte", 880000)],
    ),
    (
        "Nora Lindqvist",
        "NO",
        "do_not_contact",
        "photography",
        [("instagram", "noralindqvist", 72000)],
    ),
    (
        "The Data Dojo",
        "SG",
        "active",
        "data science;education",
        [("youtube", "TheDataDojo", 198000), ("linkedin", "the-data-dojo", 56000)],
    ),
    (
        "Giulia Romano",
        "IT",
        "negotiating",
        "food;video",
        [("tiktok", "giuliacucina", 1340000), ("instagram", "giulia.cucina", 590000)],
    ),
    ("Retro Robot", "US", "paused", "gaming;retro", [("youtube", "RetroRobot", 355000)]),
    ("Zanele Dube", "ZA", "contacted", "music;dance", [("tiktok", "zaneledances", 920000)]),
    (
        "Felix Wagner",
        "AT",
        "prospect",
        "filmmaking;vfx",
        [("youtube", "FelixVFX", 187000), ("instagram", "felix.vfx", 45000)],
    ),
    (
        "Sofia Petrova",
        "BG",
        "active",
        "illustration;comics",
        [("instagram", "sofia.draws", 233000), ("x", "sofiapetrova", 61000)],
    ),
    (
        "Quantum Quinn",
        "US",
        "active",
        "science;education",
        [("youtube", "QuantumQuinn", 1020000), ("tiktok", "quantumquinn", 1500000)],
    ),
    (
        "Mateo Silva",
        "AR",
        "contacted",
        "photography;street",
        [("instagram", "mateo.silva.street", 112000)],
    ),
    (
        "Aisha Rahman",
        "AE",
        "negotiating",
        "design;ux",
        [("linkedin", "aisha-rahman-ux", 38000), ("x", "aisha_ux", 19000)],
    ),
    (
        "Build in Public Ben",
        "US",
        "active",
        "startups;productivity",
        [("x", "benbuilds", 205000), ("youtube", "BuildInPublicBen", 91000)],
    ),
    ("Ingrid Solberg", "DK", "prospect", "music;ambient", [("youtube", "IngridSolberg", 58000)]),
    (
        "Mochi Motion",
        "KR",
        "active",
        "animation;anime",
        [("tiktok", "mochimotion", 2700000), ("instagram", "mochi.motion", 820000)],
    ),
    ("Patrick O'Neill", "GB", "ended", "writing;comedy", [("x", "patrickoneill", 143000)]),
    ("Wei Zhang", "TW", "contacted", "hardware;reviews", [("youtube", "WeiReviews", 460000)]),
    (
        "Camille Dubois",
        "BE",
        "active",
        "fashion;photography",
        [("instagram", "camille.dubois", 301000), ("tiktok", "camilledubois", 212000)],
    ),
    (
        "Open Source Olga",
        "PL",
        "negotiating",
        "coding;open source",
        [("youtube", "OpenSourceOlga", 77000), ("x", "olga_oss", 33000)],
    ),
    ("Ravi Kapoor", "IN", "prospect", "filmmaking;music", [("youtube", "RaviKapoorFilms", 540000)]),
    (
        "Night Owl Streams",
        "CA",
        "active",
        "gaming;streaming",
        [("twitch", "nightowlstreams", 260000)],
    ),
    (
        "Elena Costa",
        "PT",
        "contacted",
        "travel;video",
        [("youtube", "ElenaCostaTravels", 175000), ("instagram", "elena.costa", 240000)],
    ),
]

AGENCIES = ["Northstar Talent", "Brightline Creators", "Wavelength Management", "Studio Agents"]
REP_NAMES = ["Jordan Blake", "Sam Patel", "Alex Moreau", "Taylor Kim", "Casey Novak"]
SUMMARIES = {
    "email": ["Sent the early-access programme overview.", "Followed up on the draft terms."],
    "call": ["Intro call: interested in video generation.", "Discussed deliverables and timing."],
    "meeting": ["Met at the studio; walked through the new image model.", "Quarterly review."],
    "message": ["Asked for the NDA to be resent.", "Shared a first test render."],
    "event": ["Attended the creator summit panel.", "Joined the launch livestream."],
    "note": ["Prefers email over calls.", "Agency handles all contracts."],
}


def load(session, context: dict) -> None:
    rng = random.Random(20260101)  # the same demo every time
    actor = system_actor("demo")
    users = context.get("users", {})
    owners = [u for e, u in users.items() if e in ("manager@example.com", "manager2@example.com")]
    now = utcnow()
    creators = []
    for n, (name, country, status, tags, accounts) in enumerate(CREATORS):
        owner = owners[n % len(owners)] if owners else None
        slug = "".join(c for c in name.lower() if c.isalnum())[:20]
        creator = services.create_creator(
            session,
            actor,
            {
                "display_name": name,
                "legal_name": name if n % 3 else None,
                "email": f"hello@{slug}.example",
                "country": country,
                "status": status,
                "tags": tags.split(";"),
                "notes": "Met through the creator programme." if n % 4 == 0 else "",
                "owner_id": owner.id if owner else None,
            },
        )
        creator.created_at = now - timedelta(days=200 - n * 4)
        for platform, handle, followers in accounts:
            account = services.add_account(
                session, actor, creator, {"platform": platform, "handle": handle}
            )
            account.followers = followers
            account.followers_on = org_today()
        creator.followers_total = sum(f for _p, _h, f in accounts)
        if n % 3 == 0:
            services.add_representative(
                session,
                actor,
                creator,
                {
                    "name": REP_NAMES[n % len(REP_NAMES)],
                    "agency": AGENCIES[n % len(AGENCIES)],
                    "email": f"talent{n}@agency.example",
                    "phone": f"+1 555 01{n:02d}",
                },
            )
        if status != "prospect":
            for _ in range(rng.randint(1, 4)):
                kind = rng.choice(list(SUMMARIES))
                services.record_interaction(
                    session,
                    owner or actor,
                    creator,
                    kind=kind,
                    occurred_at=now - timedelta(days=rng.randint(1, 75), hours=rng.randint(0, 9)),
                    summary=rng.choice(SUMMARIES[kind]),
                )
        creators.append(creator)
    session.flush()
    context["creators"] = creators


LOADER = DemoLoader("creators", load, order=10)
