"""The disclosure engine's parts: folding, labels, denials, rule sets and their selection."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from crm.approvals.checks import CheckSettings, find_phrase, highlight, run_checks
from crm.approvals.disclosure.engine import conditioned_review_findings
from crm.approvals.disclosure.rules import RuleSet, RuleSetError, defaults, merged, select
from crm.approvals.disclosure.text import fold, label_position

SETTINGS = CheckSettings.default()
RULE_SETS = defaults().rule_sets


def check(text, jurisdictions=("US",), **facts):
    facts.setdefault("material_connection", True)
    facts.setdefault("is_video", False)
    facts.setdefault("disclosure_in_video", None)
    return run_checks(
        text,
        products=facts.pop("products", []),
        planned_for=None,
        today=date(2026, 9, 1),
        settings=facts.pop("settings", SETTINGS),
        jurisdictions=jurisdictions,
        **facts,
    )


def pairs(results):
    return [(r.code, r.jurisdiction) for r in results]


# --------------------------------------------------------------------------- folding


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Ｎｏｖａ", "nova"),
        ("𝐍𝐨𝐯𝐚", "nova"),
        ("Ⓝⓞⓥⓐ", "nova"),
        ("N\u200bova", "nova"),
        ("Wer\u00adbung", "werbung"),
        ("N\u043eva", "nova"),  # Cyrillic о inside a Latin word
        ("Нова", "нова"),  # a wholly Cyrillic word stays Cyrillic
        ("Straße", "strasse"),
        ("Nova™", "nova™"),  # a symbol spelling letters stays a symbol
        ("e\u0301", "é"),
    ],
)
def test_folding(text, folded):
    assert fold(text).text == folded


def test_folded_offsets_map_back_to_the_original():
    text = "x Ｎ\u200bｏｖａ™!"
    folded = fold(text)
    start = folded.text.index("nova")
    assert folded.span(start, start + 4) == (2, 7)
    assert find_phrase(text, ["nova"]) == [(2, 7)]
    assert str(highlight(text, find_phrase(text, ["nova"]))).startswith(
        'x <mark class="flag">Ｎ\u200bｏｖａ</mark>'
    )


# --------------------------------------------------------------------------- labels


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Ad: new shoes", True),
        ("ad • new shoes", True),
        ("new shoes (ad)", True),
        ("new shoes | ad", True),
        ("new shoes 👟 ad", True),
        ("Love them. Ad.", True),
        ("new shoes\nad\nmore text", True),
        ("I saw an ad for these", False),
        ("I saw an ad.", False),
        ("I saw an ad 🙈", False),
    ],
)
def test_label_position(text, label):
    folded = fold(text).text
    start = folded.rindex("ad")
    assert label_position(folded, start, start + 2) is label


# --------------------------------------------------------------------------- denials


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("Not sponsored by anyone, just love it", ["disclosure_missing", "disclosure_denied"]),
        ("This is not an ad", ["disclosure_missing", "disclosure_denied"]),
        ("This is not a paid #ad", ["disclosure_missing", "disclosure_denied"]),
        ("#notsponsored love it", ["disclosure_missing", "disclosure_denied"]),
        ("Sponsored? No!", ["disclosure_missing", "disclosure_denied"]),
        ("Not gonna lie, #ad was fun to make", []),
        ("Don't miss this #ad", []),
        ("Not only an #ad but a love letter", []),
        ("No words. #ad", []),
        ("I never do these but this is an #ad", []),
        ("#nomad life #ad", []),
    ],
)
def test_denials(text, codes):
    assert [r.code for r in check(text)] == codes


def test_a_denial_is_highlighted_with_its_negation():
    text = "Honestly? Not sponsored by anyone."
    denied = next(r for r in check(text) if r.code == "disclosure_denied")
    assert [text[s:e] for s, e in denied.spans] == ["Not sponsored by"]
    assert "“Not sponsored by”" in denied.message
    assert denied.remedy and denied.source and denied.jurisdiction == "US"


@pytest.mark.parametrize(
    ("text", "denied"),
    [
        ("Keine Werbung, alles selbst gekauft", True),
        ("Nicht gesponsert", True),
        ("Unbezahlte Werbung: meine Bücher", False),
        ("Anzeige | nicht nur schön", False),
    ],
)
def test_german_denials(text, denied):
    assert ("disclosure_denied" in [r.code for r in check(text, ("DE",))]) is denied


@pytest.mark.parametrize(
    ("text", "denied"),
    [
        ("Ce n'est pas une publicité", True),
        ("Pas de pub ici", True),
        ("Publicité non rémunérée : produit offert", False),
        ("Ce n'est qu'une publicité", False),
    ],
)
def test_french_denials(text, denied):
    assert ("disclosure_denied" in [r.code for r in check(text, ("FR",))]) is denied


# --------------------------------------------------------------------------- rule sets


def test_each_failure_names_its_jurisdiction_remedy_and_source():
    results = check("Mein neues Setup #ad", ("DE", "EU"))
    assert pairs(results) == [("disclosure_missing", "DE"), ("disclosure_vague", "DE")]
    missing = results[0]
    assert missing.remedy == "Add “Werbung” or “Anzeige” at the start of the caption."
    assert "UWG § 5a(4)" in missing.source


def test_german_rules_want_the_label_first():
    text = "Mein neues Lieblingsparfüm von Acme, riecht toll #werbung"
    buried = check(text, ("DE",))[0]
    assert buried.code == "disclosure_buried" and "at the start" in buried.message
    assert check("Werbung | Mein neues Lieblingsparfüm von Acme", ("DE",)) == []


def test_uk_sponsored_is_vague_but_fine_in_the_us():
    text = "Sponsored by Acme: five recipes"
    assert pairs(check(text, ("UK",))) == [("disclosure_missing", "UK"), ("disclosure_vague", "UK")]
    assert check(text, ("US",)) == []


def test_video_disclosure_per_rule_set():
    results = check("Werbung | Ad | new video", ("UK", "DE"), is_video=True)
    assert pairs(results) == [
        ("disclosure_not_in_video", "UK"),
        ("disclosure_not_in_video", "DE"),
    ]
    assert "video" in results[0].source


def test_ai_labels():
    made = {"ai_made": True, "platform": "youtube"}
    assert pairs(check("#ad clip", ("US",), **made)) == [("ai_label_platform", "US")]
    assert "altered or synthetic" in check("#ad clip", ("US",), **made)[0].message
    assert check("#ad clip", ("US",), ai_label=True, **made) == []
    results = check("Publicité | portrait", ("FR", "EU"), **made)
    assert pairs(results) == [("ai_label_caption", "FR"), ("ai_label_platform", "EU")]
    assert "Images virtuelles" in results[0].remedy
    on_x = {"ai_made": True, "platform": "x", "ai_label": None}
    assert pairs(check("Werbung | Plakat", ("DE", "EU"), **on_x)) == [("ai_label_caption", "EU")]
    assert check("Werbung | Plakat, KI-generiert", ("DE", "EU"), **on_x) == []
    # The AI Act applies without a material connection too; the French caption rule does not.
    assert pairs(check("portrait", ("FR", "EU"), material_connection=False, **made)) == [
        ("ai_label_platform", "EU")
    ]


def test_review_terms():
    rule_sets = SETTINGS.effective_rule_sets
    flagged = conditioned_review_findings("One video. Bonus if the review is positive.", rule_sets)
    assert [f.rule_set.code for f in flagged] == ["US"]
    assert flagged[0].sentences == ("Bonus if the review is positive",)
    for fine in (
        "Honest opinion, positive or negative.",
        "Payment is not conditional on a positive review.",
        "Bonus if the video gets 100k views.",
    ):
        assert conditioned_review_findings(fine, rule_sets) == []
    assert conditioned_review_findings("Zahlung nur bei positiver Bewertung.", rule_sets)
    results = check("#ad my review", ("UK",), deal_terms="Must post a five-star review.")
    assert pairs(results) == [("review_conditioned", "US")]


@pytest.mark.parametrize(
    ("country", "audience", "codes"),
    [
        ("US", [], ("US",)),
        ("GB", [], ("UK",)),
        ("FR", [], ("FR", "EU")),
        ("DE", ["uk"], ("UK", "DE", "EU")),
        ("IT", [], ("EU",)),  # EU member states without a rule set of their own: EU rules
        ("SE", ["AT"], ("EU",)),
        ("JP", [], ("US",)),
        (None, [], ("US",)),
        ("US", ["FR", "DE"], ("US", "FR", "DE", "EU")),
    ],
)
def test_selection(country, audience, codes):
    assert select(RULE_SETS, country, audience) == codes


def test_rule_set_documents_round_trip_and_validate():
    for rule_set in RULE_SETS:
        assert RuleSet.from_dict(rule_set.as_dict()) == rule_set
    with pytest.raises(RuleSetError) as exc:
        RuleSet.from_dict(
            {
                "code": "XX",
                "name": "",
                "markers": [],
                "vague": ["#ad"],
                "position": "end",
                "ai_caption": "always",
                "sources": [{"rule": "law", "citation": "x"}],
                "remedies": {"nope": "x"},
                "colour": "red",
            }
        )
    assert set(exc.value.errors) >= {
        "code",
        "name",
        "markers",
        "position",
        "ai_markers",
        "sources",
        "remedies",
        "colour",
    }


def test_stored_documents_lay_over_the_default():
    edited = merged("DE", {"markers": ["Werbung"], "start_words": 1})
    assert edited.markers == ("Werbung",) and edited.start_words == 1
    assert edited.sources == defaults().get("DE").sources


def test_custom_word_lists_make_the_default_rule_set():
    settings = replace(SETTINGS, disclosure_markers=["#werbung"], vague_tags=["#ad"])
    assert pairs(check("#ad hello", settings=settings)) == [
        ("disclosure_missing", "US"),
        ("disclosure_vague", "US"),
    ]
    assert check("#werbung hello", settings=settings) == []
