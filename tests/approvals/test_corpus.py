"""The labelled caption corpus (tests/approvals/corpus/captions.jsonl) against the checks.

Each line is one caption a creator would post, with its facts (creator country, audience
countries, material connection, platform, video and in-video disclosure, made with our AI
products and the AI-label answer, products it names, planned date, the deal's terms) and
the flags legal expects, as ``code@JURISDICTION`` (or a bare code for the product and claim
checks, which belong to no rule set).

Recall, per rule set: expected flags found / expected flags. False positives: flags raised
that were not expected. The figures are printed; the test wants 100 % and 0.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from crm.approvals.checks import CheckSettings, ProductRef, find_phrase, run_checks
from crm.approvals.disclosure.rules import JURISDICTIONS

CORPUS = Path(__file__).parent / "corpus" / "captions.jsonl"
TODAY = date(2026, 9, 1)  # after 2 August 2026, when AI Act Art. 50 applies
SETTINGS = CheckSettings.default()
CATALOGUE = [
    ProductRef(1, "Nova Pro", ["Nova", "NP-1"], None),
    ProductRef(2, "Aurora Video", ["Aurora", "AV-2"], date(2026, 10, 15)),
    ProductRef(3, "Lumen Chat", ["Lumen"], date(2026, 3, 1)),
    ProductRef(4, "Atlas Image", ["Atlas"], date(2025, 5, 1)),
]
NO_RULE_SET = "—"
CODES = {
    "disclosure_missing",
    "disclosure_buried",
    "disclosure_vague",
    "disclosure_denied",
    "disclosure_not_in_video",
    "disclosure_retouched",
    "ai_label_platform",
    "ai_label_caption",
    "review_conditioned",
    "unreleased_product",
    "embargo",
    "banned_claim",
}


def load() -> list[dict]:
    with CORPUS.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


CASES = load()


def jurisdictions(case: dict) -> tuple[str, ...]:
    return SETTINGS.select(case["country"], case["audience"])


def flags(case: dict) -> Counter:
    named = [p for p in CATALOGUE if find_phrase(case["text"], [p.name, *p.aliases])]
    results = run_checks(
        case["text"],
        material_connection=case["connection"],
        is_video=case["video"],
        disclosure_in_video=case["in_video"] if case["video"] else None,
        products=named,
        planned_for=date.fromisoformat(case["planned"]),
        today=TODAY,
        settings=SETTINGS,
        jurisdictions=jurisdictions(case),
        ai_made=case["ai_made"],
        ai_label=case["ai_label"],
        platform=case["platform"],
        deal_terms=case["deal"],
        images_retouched=case.get("retouched"),
        shows_person_body=case.get("person"),
    )
    return Counter(f"{r.code}@{r.jurisdiction}" if r.jurisdiction else r.code for r in results)


def _rule_set_of(flag: str) -> str:
    return flag.split("@")[1] if "@" in flag else NO_RULE_SET


def test_the_corpus_is_well_formed():
    assert len(CASES) >= 150
    assert len({c["id"] for c in CASES}) == len(CASES)
    per_rule_set = Counter(j for c in CASES for j in jurisdictions(c))
    for code in JURISDICTIONS:
        assert per_rule_set[code] >= 25, (code, per_rule_set)
    for case in CASES:
        for flag in case["expect"]:
            code, _, jurisdiction = flag.partition("@")
            assert code in CODES, (case["id"], flag)
            if jurisdiction:
                assert jurisdiction in jurisdictions(case) or code == "review_conditioned", (
                    case["id"],
                    flag,
                )


def test_named_products_are_found_in_every_unicode_form():
    for case in CASES:
        named = {p.name for p in CATALOGUE if find_phrase(case["text"], [p.name, *p.aliases])}
        assert named == set(case["products"]), case["id"]


def test_recall_and_false_positives_per_rule_set(capsys):
    expected_total: Counter = Counter()
    found_total: Counter = Counter()
    false_total: Counter = Counter()
    captions: Counter = Counter()
    mismatches = []
    for case in CASES:
        expected, got = Counter(case["expect"]), flags(case)
        for j in {*jurisdictions(case), NO_RULE_SET}:
            captions[j] += 1
        for flag, n in expected.items():
            expected_total[_rule_set_of(flag)] += n
            found_total[_rule_set_of(flag)] += min(n, got[flag])
        for flag, n in (got - expected).items():
            false_total[_rule_set_of(flag)] += n
        if got != expected:
            mismatches.append(
                f"{case['id']}: expected {sorted(expected.elements())}, "
                f"got {sorted(got.elements())} — {case['text']!r}"
            )
    lines = [
        "",
        f"Disclosure corpus: {len(CASES)} captions ({CORPUS.name})",
        f"{'rule set':<9}{'captions':>9}{'expected':>10}{'found':>7}{'recall':>9}"
        f"{'false positives':>17}",
    ]
    for j in (*JURISDICTIONS, NO_RULE_SET):
        expected_n, found_n = expected_total[j], found_total[j]
        recall = 100.0 * found_n / expected_n if expected_n else 100.0
        lines.append(
            f"{j:<9}{captions[j]:>9}{expected_n:>10}{found_n:>7}{recall:>8.1f}%{false_total[j]:>17}"
        )
    all_expected, all_found = sum(expected_total.values()), sum(found_total.values())
    lines.append(
        f"{'all':<9}{len(CASES):>9}{all_expected:>10}{all_found:>7}"
        f"{100.0 * all_found / all_expected:>8.1f}%{sum(false_total.values()):>17}"
    )
    with capsys.disabled():
        print("\n".join(lines))
    assert not mismatches, "\n".join(mismatches)
    assert all_found == all_expected
    assert sum(false_total.values()) == 0


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_each_caption(case):
    assert sorted(flags(case).elements()) == sorted(case["expect"]), case["text"]
