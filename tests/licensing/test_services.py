"""R10 resolution, licences and payouts over time, the contributor fund, works import."""

from __future__ import annotations

import random
from datetime import date

import pytest
from sqlalchemy import func, select

from crm.audit.models import AuditEvent
from crm.audit.services import system_actor
from crm.common.errors import Conflict, Invalid
from crm.common.money import to_minor
from crm.licensing import licences as lic
from crm.licensing import services
from crm.licensing.models import FundRun, Licence, Payout, Work

ACTOR = system_actor("test")
D = date(2025, 6, 1)


def decide(db, work, use="ai_training", day=D):
    return services.effective_decision(db, work, use, day)


# --- R10 -----------------------------------------------------------------------------------


def test_no_record_means_not_allowed(db, make_creator, make_work):
    work = make_work(make_creator())
    res = decide(db, work)
    assert res.decision == "not_allowed"
    assert res.consent is None
    assert res.reason == "no consent recorded"


def test_work_beats_kind_beats_all(db, make_creator, make_work, make_consent):
    creator = make_creator()
    photo, other_photo, text = (
        make_work(creator, kind="image"),
        make_work(creator, kind="image"),
        make_work(creator, kind="text"),
    )
    all_works = make_consent(creator, decision="allowed", effective_on=date(2025, 3, 1))
    # Older than the all-works record, but more specific: still decides.
    by_kind = make_consent(
        creator,
        kind="image",
        decision="constrained",
        constraint="no faces",
        effective_on=date(2024, 1, 1),
    )
    by_work = make_consent(
        creator, work=photo, decision="not_allowed", effective_on=date(2023, 1, 1)
    )
    assert decide(db, photo).consent == by_work
    assert decide(db, photo).decision == "not_allowed"
    assert decide(db, other_photo).consent == by_kind
    assert decide(db, other_photo).decision == "constrained"
    assert decide(db, text).consent == all_works
    assert decide(db, text).decision == "allowed"


def test_newest_record_in_the_same_scope_wins(db, make_creator, make_work, make_consent):
    creator = make_creator()
    work = make_work(creator)
    make_consent(creator, decision="allowed", effective_on=date(2024, 1, 1))
    newer = make_consent(creator, decision="not_allowed", effective_on=date(2025, 1, 1))
    # Entered later but effective earlier: not the newest.
    make_consent(creator, decision="allowed", effective_on=date(2024, 6, 1))
    assert decide(db, work).consent == newer
    same_day = make_consent(
        creator, decision="constrained", constraint="x", effective_on=date(2025, 1, 1)
    )
    assert decide(db, work).consent == same_day  # same day: the later record


def test_revoked_record_is_ignored_from_its_revocation_day(
    db, make_creator, make_work, make_consent
):
    creator = make_creator()
    work = make_work(creator)
    base = make_consent(creator, decision="not_allowed", effective_on=date(2024, 1, 1))
    grant = make_consent(creator, work=work, decision="allowed", effective_on=date(2024, 2, 1))
    services.revoke_consent(db, ACTOR, grant, date(2025, 5, 10))
    assert decide(db, work, day=date(2025, 5, 9)).consent == grant
    assert decide(db, work, day=date(2025, 5, 10)).consent == base
    assert decide(db, work, day=date(2025, 5, 10)).decision == "not_allowed"


def test_a_record_applies_only_from_its_effective_day(db, make_creator, make_work, make_consent):
    creator = make_creator()
    work = make_work(creator)
    make_consent(creator, decision="allowed", effective_on=date(2025, 7, 1))
    assert decide(db, work, day=date(2025, 6, 30)).decision == "not_allowed"
    assert decide(db, work, day=date(2025, 7, 1)).decision == "allowed"


def test_other_uses_and_other_creators_do_not_apply(db, make_creator, make_work, make_consent):
    mine, theirs = make_creator(), make_creator()
    work = make_work(mine)
    make_consent(mine, use="data_mining", decision="allowed")
    make_consent(theirs, decision="allowed")
    make_consent(theirs, kind="image", decision="allowed")
    assert decide(db, work).decision == "not_allowed"
    assert decide(db, work, use="data_mining").decision == "allowed"


def test_resolution_runs_a_fixed_number_of_queries(
    db, make_creator, make_work, make_consent, count_queries
):
    creators = [make_creator() for _ in range(5)]
    works = [make_work(c) for c in creators for _ in range(10)]
    for c in creators:
        make_consent(c, decision="allowed")
        make_consent(c, work=works[0] if c is creators[0] else None, kind=None)
    with count_queries() as few:
        services.resolve(db, works[:2], services.USES, D)
    with count_queries() as many:
        services.resolve(db, works, services.USES, D)
    assert many.count == few.count == 1


def test_consent_validation(db, make_creator, make_work):
    creator, other = make_creator(), make_creator()
    foreign = make_work(other)
    with pytest.raises(Invalid) as exc:
        services.create_consent(
            db,
            ACTOR,
            creator_id=creator.id,
            work_id=foreign.id,
            kind="image",
            use="ai_fun",
            decision="constrained",
            source="hearsay",
            effective_on=None,
        )
    assert set(exc.value.errors) == {
        "work_id",
        "kind",
        "use",
        "constraint",
        "source",
        "effective_on",
    }


def test_consent_changes_are_audited(db, make_creator):
    creator = make_creator()
    consent = services.create_consent(
        db,
        ACTOR,
        creator_id=creator.id,
        use="ai_training",
        decision="allowed",
        source="contract",
        effective_on=D,
    )
    services.revoke_consent(db, ACTOR, consent, date(2025, 7, 1))
    with pytest.raises(Conflict):
        services.revoke_consent(db, ACTOR, consent, date(2025, 8, 1))
    actions = db.scalars(
        select(AuditEvent.action).where(
            AuditEvent.entity == "consent", AuditEvent.entity_id == str(consent.id)
        )
    ).all()
    assert sorted(actions) == ["consent.create", "consent.revoke"]


# --- licences and payouts ------------------------------------------------------------------


def _licence(db, creator, works=None, **kw):
    args = dict(
        creator_id=creator.id,
        title="Archive",
        uses=["ai_training"],
        fee_model="per_work",
        rate="10.00",
        currency="USD",
        starts_on=date(2024, 1, 1),
        work_ids=[w.id for w in works] if works else None,
        all_allowed_works=works is None,
        on=date(2024, 1, 1),
    )
    args.update(kw)
    return lic.create_licence(db, ACTOR, **args)


def test_licence_refuses_works_not_allowed_and_names_them(
    db, make_creator, make_work, make_consent
):
    creator = make_creator()
    ok = make_work(creator, title="Dunes at dawn")
    constrained = make_work(creator, title="Harbour")
    refused = make_work(creator, title="Private portrait")
    silent = make_work(creator, title="Unasked")
    make_consent(creator, work=ok, decision="allowed")
    make_consent(creator, work=constrained, decision="constrained", constraint="no faces")
    make_consent(creator, work=refused, decision="not_allowed")
    before = db.scalar(select(func.count()).select_from(Licence))
    with pytest.raises(Conflict) as exc:
        _licence(db, creator, [ok, constrained, refused, silent])
    assert f'"Private portrait" (#{refused.id}' in exc.value.detail
    assert f'"Unasked" (#{silent.id}' in exc.value.detail
    assert "Dunes at dawn" not in exc.value.detail
    assert db.scalar(select(func.count()).select_from(Licence)) == before
    licence = _licence(db, creator, [ok, constrained])
    assert sorted(w.id for w in licence.works) == sorted([ok.id, constrained.id])


def test_licence_needs_every_use_allowed(db, make_creator, make_work, make_consent):
    creator = make_creator()
    work = make_work(creator, title="Only mining")
    make_consent(creator, work=work, use="ai_training", decision="allowed")
    with pytest.raises(Conflict) as exc:
        _licence(db, creator, [work], uses=["ai_training", "ai_generative_training"])
    assert "ai_generative_training not allowed" in exc.value.detail


def test_revocation_changes_future_payouts_only(db, make_creator, make_work, make_consent):
    creator = make_creator()
    works = [make_work(creator) for _ in range(3)]
    make_consent(creator, decision="allowed", effective_on=date(2024, 1, 1))
    per_work_grant = make_consent(
        creator, work=works[0], decision="allowed", effective_on=date(2024, 1, 1)
    )
    licence = _licence(db, creator, works)
    october = lic.compute_payout(db, ACTOR, licence, "2024-10", on=date(2024, 11, 1))
    assert (october.works_count, october.amount_minor) == (3, 3000)
    lic.mark_paid(db, ACTOR, october, date(2024, 11, 3))
    # The creator withdraws the first work from 10 November.
    services.revoke_consent(db, ACTOR, per_work_grant, date(2024, 11, 10))
    make_consent(creator, work=works[0], decision="not_allowed", effective_on=date(2024, 11, 10))
    db.expire_all()
    stored = db.get(Payout, october.id)
    assert (stored.works_count, stored.amount_minor, stored.status) == (3, 3000, "paid")
    assert stored.work_ids == sorted(w.id for w in works)
    with pytest.raises(Conflict):
        lic.compute_payout(db, ACTOR, licence, "2024-10", on=date(2024, 12, 1))
    with pytest.raises(Conflict):  # overlaps the stored month
        lic.compute_payout(db, ACTOR, licence, "2024-Q4", on=date(2025, 1, 1))
    november = lic.compute_payout(db, ACTOR, licence, "2024-11", on=date(2024, 12, 1))
    assert (november.works_count, november.amount_minor) == (2, 2000)
    assert works[0].id not in november.work_ids
    with pytest.raises(Conflict):
        lic.mark_paid(db, ACTOR, october, date(2024, 12, 1))


def test_fee_models(db, make_creator, make_work, make_consent):
    creator = make_creator()
    works = [make_work(creator) for _ in range(4)]
    make_consent(creator, decision="allowed")
    flat = _licence(db, creator, fee_model="flat", rate="3000", currency="JPY")
    share = _licence(db, creator, fee_model="revenue_share", rate="12.5")
    assert lic.compute_payout(db, ACTOR, flat, "2024-03", on=D).amount_minor == 3000
    with pytest.raises(Invalid) as exc:
        lic.compute_payout(db, ACTOR, share, "2024-03", on=D)
    assert "revenue" in exc.value.errors
    # 12.5 % of 1,000.05 = 125.00625 → 125.01 (half up)
    assert lic.compute_payout(db, ACTOR, share, "2024-03", "1000.05", on=D).amount_minor == 12501
    assert len(works) == lic.compute_payout(db, ACTOR, share, "2024-04", "0", on=D).works_count


def test_payout_refuses_periods_outside_the_term_or_not_started(
    db, make_creator, make_work, make_consent
):
    creator = make_creator()
    make_work(creator)
    make_consent(creator, decision="allowed")
    licence = _licence(db, creator, ends_on=date(2024, 6, 30))
    with pytest.raises(Conflict, match="not in force"):
        lic.compute_payout(db, ACTOR, licence, "2024-07", on=D)
    with pytest.raises(Conflict, match="not started"):
        lic.compute_payout(db, ACTOR, _licence(db, creator), "2026-01", on=date(2025, 12, 1))
    with pytest.raises(Invalid):
        lic.compute_payout(db, ACTOR, licence, "June", on=D)


def test_payout_is_audited(db, make_creator, make_work, make_consent):
    creator = make_creator()
    make_work(creator)
    make_consent(creator, decision="allowed")
    licence = _licence(db, creator)
    payout = lic.compute_payout(db, ACTOR, licence, "2024-02", on=D)
    lic.mark_paid(db, ACTOR, payout, D)
    actions = db.scalars(
        select(AuditEvent.action).where(AuditEvent.entity.in_(["payout", "licence"]))
    ).all()
    assert {"licence.create", "payout.create", "payout.paid"} <= set(actions)


# --- contributor fund ----------------------------------------------------------------------


def test_fund_100_split_three_ways():
    shares = lic.split_fund(to_minor("100.00", "USD"), {7: 1, 3: 1, 5: 1})
    assert {k: v[0] for k, v in shares.items()} == {3: 3334, 5: 3333, 7: 3333}
    assert [k for k, v in shares.items() if v[1]] == [3]  # tie: the lowest creator id


def test_fund_one_cent_among_seven():
    shares = lic.split_fund(to_minor("0.01", "USD"), {c: 1 for c in range(20, 13, -1)})
    assert sum(v[0] for v in shares.values()) == 1
    assert shares[14] == (1, True)
    assert all(v == (0, False) for k, v in shares.items() if k != 14)


def test_fund_in_yen_has_no_fractions():
    amount = to_minor("1000", "JPY")
    assert amount == 1000
    shares = lic.split_fund(amount, {1: 1, 2: 1, 3: 1})
    assert [v[0] for v in shares.values()] == [334, 333, 333]


def test_largest_remainder_beats_creator_id():
    # 100 × 1/3 = 33.33…, 100 × 2/3 = 66.66…: creator 2 has the larger remainder.
    shares = lic.split_fund(100, {1: 1, 2: 2})
    assert shares == {1: (33, False), 2: (67, True)}


def test_fund_shares_always_sum_exactly():
    rng = random.Random(42)
    for _ in range(300):
        amount = rng.randint(0, 10**9)
        weights = {rng.randint(1, 10**6): rng.randint(1, 500) for _ in range(rng.randint(1, 40))}
        shares = lic.split_fund(amount, weights)
        assert sum(v[0] for v in shares.values()) == amount
        total = sum(weights.values())
        for k, (share, _extra) in shares.items():
            assert abs(share * total - amount * weights[k]) < total


def test_fund_run_weights_works_used_plus_licences(db, make_creator, make_work, make_consent):
    a, b, idle = make_creator(), make_creator(), make_creator()
    for _ in range(3):
        make_work(a)
    make_work(b)
    make_work(idle)
    make_consent(a, decision="allowed")
    make_consent(b, decision="allowed")
    for payout_licence in (_licence(db, a), _licence(db, a, title="Second"), _licence(db, b)):
        lic.compute_payout(db, ACTOR, payout_licence, "2024-05", on=D)
    run = lic.compute_fund(db, ACTOR, period="2024-Q2", amount="100.00", currency="USD")
    got = {s.creator_id: (s.works_used, s.licences_earned, s.share_minor) for s in run.shares}
    # a: 3 works + 2 licences = 5; b: 1 + 1 = 2 → 10000 × 5/7 = 7142.86, × 2/7 = 2857.14
    assert got == {a.id: (3, 2, 7143), b.id: (1, 1, 2857)}
    assert run.remainder_minor == 1
    assert db.get(FundRun, run.id).total_weight == 7
    with pytest.raises(Conflict):
        lic.compute_fund(db, ACTOR, period="2023", amount="100.00", currency="USD")
    with pytest.raises(Invalid) as exc:
        lic.compute_fund(db, ACTOR, period="soon", amount="1.001", currency="USD")
    assert set(exc.value.errors) == {"period", "amount"}


# --- works ---------------------------------------------------------------------------------


def test_urls_are_normalised_and_unique(db, make_creator):
    creator = make_creator()
    work = services.create_work(
        db,
        ACTOR,
        creator_id=creator.id,
        kind="image",
        title="A",
        url="HTTPS://Photos.Example.com:443/a/B.jpg#top",
        sha256="AB" * 32,
    )
    assert work.url == "https://photos.example.com/a/B.jpg"
    assert work.sha256 == "ab" * 32
    with pytest.raises(Invalid) as exc:
        services.create_work(
            db,
            ACTOR,
            creator_id=creator.id,
            kind="image",
            title="B",
            url="https://photos.example.com/a/B.jpg",
        )
    assert exc.value.errors == {"url": ["is already registered as a work"]}


def test_csv_import_is_all_or_nothing(db, make_creator):
    creator = make_creator()
    good = (
        "creator_id,kind,title,url,sha256,created_on\n"
        f"{creator.id},image,One,https://x.example/1,,2020-01-01\n"
        f"{creator.id},text,Two,https://x.example/2,,\n"
    )
    bad = (
        good
        + f"{creator.id},painting,Three,ftp://x.example/3,zz,31/12/2020\n"
        + ("999999,image,Four,https://x.example/1,,\n")
    )
    before = db.scalar(select(func.count()).select_from(Work))
    with pytest.raises(Invalid) as exc:
        services.import_works_csv(db, ACTOR, bad)
    errors = exc.value.errors
    assert set(errors) == {"line 4", "line 5"}
    assert any(m.startswith("kind") for m in errors["line 4"])
    assert any(m.startswith("url") for m in errors["line 4"])
    assert any("creator_id" in m for m in errors["line 5"])
    assert any("more than once" in m for m in errors["line 5"])
    assert db.scalar(select(func.count()).select_from(Work)) == before
    assert len(services.import_works_csv(db, ACTOR, good)) == 2
    with pytest.raises(Invalid) as exc:
        services.import_works_csv(db, ACTOR, "creator,title\n1,x\n")
    assert "missing columns" in exc.value.errors["file"][0]


def test_demo_loader_creates_its_creators_when_none_are_given(db):
    from crm.licensing import demo

    context: dict = {}
    demo.load(db, context)
    creators = {w.creator_id for w in context["works"]}
    assert len(creators) == 3
    kinds = {w.kind for w in context["works"]}
    assert kinds == {"image", "text", "video"}
    assert db.scalar(select(func.count()).select_from(FundRun)) >= 1
