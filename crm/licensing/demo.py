"""Demo data that tells one story with the demo creators: Lena Hoffmann's photo archive,
Chloé Martin's novels and Jonas Berg's films, each work on that creator's own site or
channel, each consent and licence fitting that craft.

The three are taken from the creators' demo (by name); loaded on their own, this module
adds them itself."""

from __future__ import annotations

from datetime import date, timedelta

from crm.audit.services import system_actor
from crm.common.registry import DemoLoader
from crm.creators.models import Creator
from crm.licensing import licences as lic
from crm.licensing import services
from crm.licensing.services import releases

# display name, legal name, country, own site: a photographer, a novelist, a filmmaker.
DEMO_CREATORS = [
    ("Lena Hoffmann", "Lena Hoffmann", "DE", "https://lenahoffmann.example"),
    ("Chloé Martin", "Chloé Martin", "FR", "https://chloemartin.example"),
    ("Jonas Berg", "Jonas Berg", "SE", "https://jonasbergfilms.example"),
]


def _creators(session, context: dict) -> list[Creator]:
    """The photographer, the novelist and the filmmaker, with their sites declared."""
    given = {c.display_name: c for c in context.get("creators") or []}
    chosen = []
    for name, legal, country, site in DEMO_CREATORS:
        creator = given.get(name)
        if creator is None:
            creator = Creator(
                display_name=name,
                search_name=name.lower(),
                legal_name=legal,
                country=country,
                status="active",
                notes="",
            )
            session.add(creator)
        creator.sites = [site]
        chosen.append(creator)
    session.flush()
    return chosen


def load(session, context: dict) -> None:
    actor = system_actor("demo")
    photographer, novelist, videographer = _creators(session, context)
    today = services.today()
    year_ago = today - timedelta(days=365)
    last_month_end = today.replace(day=1) - timedelta(days=1)
    period_before = (last_month_end.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")

    photos = services.create_works(
        session,
        actor,
        [
            {
                "creator_id": photographer.id,
                "kind": "image",
                "title": f"Berlin courtyards, frame {n}",
                "url": f"https://lenahoffmann.example/archive/berlin-{n:03d}.jpg",
                "sha256": f"{n:064x}",
                "created_on": date(2019, 5, n),
                # Frames 7 and 8 were a magazine commission: the client holds them.
                "rights": "client" if n >= 7 else "creator",
                "client_name": "Harbour Magazine" if n >= 7 else None,
                "rights_evidence": "Commission contract, 2019" if n >= 7 else "Own archive",
                "people_present": n in (3, 4, 5),
                "tags": ["street", "daylight"] + (["people"] if n in (3, 4, 5) else []),
                "width": 6000,
                "height": 4000,
            }
            for n in range(1, 9)
        ],
    )
    books = services.create_works(
        session,
        actor,
        [
            {
                "creator_id": novelist.id,
                "kind": "text",
                "title": title,
                "url": f"https://chloemartin.example/livres/{slug}",
                "created_on": date(year, 9, 1),
                "rights": "creator",
                "rights_evidence": "Rights reverted from the publisher",
                "language": "en",
                "tags": ["novel"],
            }
            for title, slug, year in [
                ("Le Verger de sel", "verger-de-sel", 2015),
                ("Un hiver en comptes", "hiver-en-comptes", 2018),
                ("Les Feux du port", "feux-du-port", 2022),
            ]
        ],
    )
    videos = services.create_works(
        session,
        actor,
        [
            {
                "creator_id": videographer.id,
                "kind": "video",
                "title": title,
                "url": f"https://www.youtube.com/watch?v={vid}",
                "rights": "creator",
                "language": "en",
                "tags": tags,
                "duration_s": minutes * 60,
                "width": 3840,
                "height": 2160,
                "people_present": "interview" in tags,
            }
            for title, vid, tags, minutes in [
                ("Northern Light (short film)", "jbNorthLt01", ["short-film"], 24),
                ("Making of Northern Light", "jbNorthLt02", ["interview", "clear-audio"], 38),
                ("Grading a night scene", "jbGrading03", ["tutorial", "clear-audio"], 18),
                ("Lens test: vintage anamorphic", "jbLensTst04", ["tutorial"], 12),
            ]
        ],
    )

    # Model releases: frames 3 and 4 show a market trader who signed; frame 5 nobody yet.
    releases.create_release(
        session,
        actor,
        kind="model",
        subject="Adaeze O. (market trader)",
        uses=["ai_training", "ai_generative_training", "data_mining"],
        work_ids=[photos[2].id, photos[3].id],
        territory="worldwide",
        signed_on=date(2019, 5, 3),
    )
    releases.create_release(
        session,
        actor,
        kind="model",
        subject="Interviewee of the tiny house series",
        uses=["ai_training", "ai_inference"],
        work_ids=[videos[2].id, videos[3].id],
        territory="worldwide",
    )

    def consent(creator, use, decision, source, **kw):
        return services.create_consent(
            session,
            actor,
            creator_id=creator.id,
            use=use,
            decision=decision,
            source=source,
            effective_on=kw.pop("effective_on", year_ago),
            notify=False,
            **kw,
        )

    # Photographer: training allowed for the archive, except two frames she withdrew.
    for use in ("ai_training", "ai_generative_training", "data_mining"):
        consent(
            photographer,
            use,
            "allowed",
            "contract",
            kind="image",
            evidence="Archive licence agreement, signed PDF on file",
        )
    for work in photos[:2]:
        consent(
            photographer,
            "ai_generative_training",
            "not_allowed",
            "creator_request",
            work_id=work.id,
            effective_on=today - timedelta(days=30),
            evidence="Email from the creator asking to withdraw these frames",
        )
    # Novelist: per-book deals; the newest book is not for training.
    for use in ("ai_training", "ai_generative_training"):
        consent(
            novelist,
            use,
            "constrained",
            "contract",
            constraint="Training only; no verbatim reproduction over 50 words",
            evidence="Per-book licence rider",
        )
    consent(
        novelist,
        "ai_training",
        "not_allowed",
        "creator_request",
        work_id=books[2].id,
        evidence="Excluded in the rider, clause 4",
    )
    consent(
        novelist,
        "ai_generative_training",
        "not_allowed",
        "creator_request",
        work_id=books[2].id,
        evidence="Excluded in the rider, clause 4",
    )
    # Filmmaker: opted out through ai.txt, then allowed inference only.
    consent(
        videographer,
        "ai_training",
        "not_allowed",
        "ai_txt",
        evidence="https://jonasbergfilms.example/ai.txt",
    )
    consent(
        videographer,
        "ai_inference",
        "allowed",
        "c2pa",
        kind="video",
        evidence="C2PA training-mining assertion in the uploads",
    )
    licence_photo = lic.create_licence(
        session,
        actor,
        creator_id=photographer.id,
        title="Archive training licence",
        uses=["ai_training", "ai_generative_training"],
        fee_model="per_work",
        rate="12.50",
        currency="USD",
        starts_on=year_ago,
        all_allowed_works=True,
        on=today,
    )
    licence_books = lic.create_licence(
        session,
        actor,
        creator_id=novelist.id,
        title="Backlist training licence",
        uses=["ai_training"],
        fee_model="flat",
        rate="3000.00",
        currency="EUR",
        starts_on=year_ago,
        work_ids=[books[0].id, books[1].id],
        on=today,
    )
    paid = lic.compute_payout(session, actor, licence_photo, period_before, on=today)
    lic.mark_paid(session, actor, paid, last_month_end)
    lic.compute_payout(session, actor, licence_books, period_before, on=today)
    lic.compute_fund(session, actor, period=period_before, amount="1000.00", currency="USD")
    context["works"] = photos + books + videos


LOADER = DemoLoader("licensing", load, order=50)
