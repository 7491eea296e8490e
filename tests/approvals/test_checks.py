"""Content checks on tricky captions: pure functions, no app or database needed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from markupsafe import Markup

from crm.approvals.checks import (
    CheckResult,
    CheckSettings,
    ProductRef,
    find_phrase,
    highlight,
    run_checks,
)

TODAY = date(2025, 6, 10)
SETTINGS = CheckSettings.default()

NOVA = ProductRef(id=1, name="Nova Pro", aliases=["Nova", "NP-1"], public_on=None)
GEMINI = ProductRef(id=2, name="Gemini Ultra 2", aliases=[], public_on=date(2025, 7, 1))
GPT = ProductRef(id=3, name="GPT-5.1", aliases=["o3"], public_on=date(2025, 6, 20))
OLD = ProductRef(id=4, name="Atlas", aliases=["Atlas One"], public_on=date(2024, 1, 1))


def check(
    text: str,
    *,
    material_connection: bool = True,
    is_video: bool = False,
    disclosure_in_video: bool | None = None,
    products: list[ProductRef] | None = None,
    planned_for: date | None = None,
    today: date = TODAY,
    settings: CheckSettings = SETTINGS,
) -> list[CheckResult]:
    return run_checks(
        text,
        material_connection=material_connection,
        is_video=is_video,
        disclosure_in_video=disclosure_in_video,
        products=products or [],
        planned_for=planned_for,
        today=today,
        settings=settings,
    )


def codes(results: list[CheckResult]) -> list[str]:
    return [r.code for r in results]


def only(results: list[CheckResult], code: str) -> CheckResult:
    found = [r for r in results if r.code == code]
    assert len(found) == 1, results
    return found[0]


def texts(text: str, result: CheckResult) -> list[str]:
    return [text[s:e] for s, e in result.spans]


# --------------------------------------------------------------------------- disclosure


@pytest.mark.parametrize(
    "text",
    [
        "#ad Loving my new headphones",
        "#AD! Loving my new headphones",
        "(#ad) Loving my new headphones",
        "Loving my new headphones #ad.",
        "Loving my new headphones 🎧#ad✨",
        "Ad: loving my new headphones",
        "AD:loving my new headphones",
        "Paid partnership with Acme — loving these",
        "PAID\u00a0PARTNERSHIP with Acme",
        "Paid\npartnership with Acme",
        "Sponsored by Acme 🎧",
        "#Sponsored: thanks Acme",
        "#paid #travel",
        "#advertisement “Acme” is great",
        "Great trip #ad #travel",  # only two hashtags: not a pile
    ],
)
def test_clear_disclosure_passes(text):
    assert check(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Off on an #adventure with Acme",
        "Download: the Acme app",
        "load: done",
        "Great #adcampaign",
        "Team#ad work",
        "#ads everywhere",
        "#ad_free living",
        "Thanks to my #partner Acme",
        "",
    ],
)
def test_lookalikes_are_not_disclosures(text):
    results = check(text)
    assert "disclosure_missing" in codes(results)
    assert only(results, "disclosure_missing").spans == []


def test_missing_message_suggests_a_marker():
    result = only(check("Loving my new headphones"), "disclosure_missing")
    assert "“#ad”" in result.message


def test_no_material_connection_skips_all_disclosure_checks():
    assert check("Loving it #spon", material_connection=False, is_video=True) == []


@pytest.mark.parametrize("tag", ["#spon", "#SP", "#collab", "#Ambassador", "#partner"])
def test_vague_tag_is_named_and_does_not_count(tag):
    text = f"Loving these headphones {tag}!"
    results = check(text)
    assert codes(results) == ["disclosure_missing", "disclosure_vague"]
    vague = only(results, "disclosure_vague")
    assert texts(text, vague) == [tag]
    assert f"“{tag}”" in vague.message


def test_vague_tags_grouped_per_tag_with_every_occurrence():
    text = "#spon day one, #collab day two, #SPON again"
    vague = [r for r in check(text) if r.code == "disclosure_vague"]
    assert [texts(text, r) for r in vague] == [["#spon", "#SPON"], ["#collab"]]


def test_vague_tag_beside_clear_marker_is_not_flagged():
    assert check("#ad #collab with @acme") == []


def test_vague_prefix_does_not_match_longer_tag():
    # "#sp" is vague, "#sponsored" is a clear marker; "#spa" is neither.
    assert check("#sponsored trip") == []
    assert codes(check("Relaxing at the #spa")) == ["disclosure_missing"]


def test_marker_buried_in_trailing_hashtag_pile():
    text = "Best trip ever 🌴 #travel #food #fun #ad"
    results = check(text)
    assert codes(results) == ["disclosure_buried"]
    buried = results[0]
    assert texts(text, buried) == ["#ad"]
    assert "pile of 4 hashtags" in buried.message


def test_pile_counts_the_marker_and_tolerates_punctuation_and_emoji():
    text = "Sunny day. #food, #fun ✨ #AD."
    buried = only(check(text), "disclosure_buried")
    assert texts(text, buried) == ["#AD"]
    assert "pile of 3 hashtags" in buried.message


def test_marker_first_in_the_pile_is_still_buried():
    text = "Sunny day #ad #travel #food #fun"
    assert codes(check(text)) == ["disclosure_buried"]


def test_pile_broken_by_words_is_not_a_pile():
    assert check("Sunny #travel #food and then #ad") == []


def test_caption_of_only_hashtags_is_not_buried():
    assert check("#ad #travel #food #fun") == []


def test_marker_early_and_in_pile_counts_as_clear():
    assert check("#ad Sunny day #travel #food #ad") == []


def test_hashtag_pile_threshold_is_a_setting():
    text = "Sunny day #fun #ad"
    assert check(text) == []
    strict = replace(SETTINGS, hashtag_pile=2)
    assert codes(check(text, settings=strict)) == ["disclosure_buried"]
    off = replace(SETTINGS, hashtag_pile=0)
    assert check("Sunny #a #b #c #d #ad", settings=off) == []


def test_long_caption_with_marker_after_the_fold_is_buried():
    text = "I have been testing these headphones for a month. " * 3 + "#ad"
    assert len(text) > 125
    results = check(text)
    assert codes(results) == ["disclosure_buried"]
    assert texts(text, results[0]) == ["#ad"]
    assert "125 characters" in results[0].message


def test_long_caption_with_marker_early_passes():
    text = "#ad " + "I have been testing these headphones for a month. " * 3
    assert check(text) == []


def test_marker_ending_exactly_at_the_fold_is_visible():
    text = "x" * 121 + " #ad" + " more words"
    assert len(text) > 125
    assert check(text) == []
    text = "x" * 123 + " #ad more words"
    assert codes(check(text)) == ["disclosure_buried"]


def test_multi_line_caption_with_marker_on_third_line_is_buried():
    text = "Morning run 🏃\nNew shoes feel great\n#ad with Acme"
    assert len(text) < 125
    results = check(text)
    assert codes(results) == ["disclosure_buried"]
    assert "2 lines" in results[0].message
    assert texts(text, results[0]) == ["#ad"]


def test_multi_line_caption_with_marker_on_second_line_passes():
    assert check("Morning run 🏃\n#ad New shoes\nfeel great") == []


def test_short_two_line_caption_is_not_folded():
    assert check("Morning run\nnew shoes #ad\n\n") == []


def test_fold_thresholds_are_settings():
    text = "Morning run\nnew shoes\n#ad"
    loose = replace(SETTINGS, fold_lines=3)
    assert check(text, settings=loose) == []
    text = "A fairly short caption #ad"
    tight = replace(SETTINGS, fold_chars=10)
    assert codes(check(text, settings=tight)) == ["disclosure_buried"]


def test_buried_marker_with_vague_tag_up_front_reports_both():
    text = "#collab " + "Testing these headphones for a whole month now. " * 3 + "#ad"
    results = check(text)
    assert codes(results) == ["disclosure_buried", "disclosure_vague"]
    assert texts(text, results[1]) == ["#collab"]


def test_custom_marker_lists():
    settings = CheckSettings(
        disclosure_markers=["#anzeige", "werbung"], vague_tags=["#kooperation"], banned_claims=[]
    )
    assert check("#Anzeige Neue Kopfhörer", settings=settings) == []
    assert check("WERBUNG: Neue Kopfhörer", settings=settings) == []
    results = check("#ad #Kooperation Neue Kopfhörer", settings=settings)
    assert codes(results) == ["disclosure_missing", "disclosure_vague"]


@pytest.mark.parametrize(
    ("in_video", "flagged", "phrase"),
    [(True, False, None), (False, True, "does not"), (None, True, "Not stated")],
)
def test_video_needs_in_video_disclosure(in_video, flagged, phrase):
    results = check("#ad New vlog", is_video=True, disclosure_in_video=in_video)
    if not flagged:
        assert results == []
    else:
        result = only(results, "disclosure_not_in_video")
        assert result.spans == []
        assert phrase in result.message


def test_in_video_flag_ignored_for_non_video():
    assert check("#ad New photo", is_video=False, disclosure_in_video=False) == []


def test_video_without_caption_disclosure_gets_both_flags():
    results = check("New vlog", is_video=True, disclosure_in_video=False)
    assert codes(results) == ["disclosure_missing", "disclosure_not_in_video"]


# --------------------------------------------------------------------------- products


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Trying the new Nova today", ["Nova"]),
        ("Nova, the best yet", ["Nova"]),
        ("nova’s camera is wild", ["nova"]),
        ("Loving #nova right now", ["nova"]),
        ("NOVA PRO is here", ["NOVA PRO"]),
        ("The Nova\u00a0Pro!", ["Nova\u00a0Pro"]),
        ("Meet np-1 🚀", ["np-1"]),
        ("Nova and nova pro and NOVA", ["Nova", "nova pro", "NOVA"]),
    ],
)
def test_unreleased_product_named(text, found):
    results = check(text, material_connection=False, products=[NOVA])
    result = only(results, "unreleased_product")
    assert result.product_id == 1
    assert texts(text, result) == found
    assert "“Nova Pro”" in result.message
    assert "no public date" in result.message


@pytest.mark.parametrize(
    "text",
    [
        "Watching Casanova tonight",
        "Supernovae are bright",
        "A novation synth",
        "#NovaModel launch party",
        "Nova2 is a typo",
        "NP-10 is another device",
    ],
)
def test_alias_inside_other_word_is_not_a_leak(text):
    assert check(text, material_connection=False, products=[NOVA]) == []


def test_message_names_product_and_alias_as_found():
    result = only(
        check("nova is out", material_connection=False, products=[NOVA]), "unreleased_product"
    )
    assert (
        result.message
        == "Names unreleased product “Nova Pro” (as “nova”); it has no public date yet."
    )


def test_message_omits_alias_note_when_name_written_exactly():
    result = only(
        check("Nova Pro!", material_connection=False, products=[NOVA]), "unreleased_product"
    )
    assert "(as" not in result.message


@pytest.mark.parametrize(
    "text", ["Gemini Ultra 2 is coming", "gemini  ultra\n2 is coming", "GEMINI\tULTRA 2!"]
)
def test_multi_word_name_with_any_whitespace(text):
    result = only(check(text, material_connection=False, products=[GEMINI]), "unreleased_product")
    assert result.product_id == 2
    assert " ".join(texts(text, result)[0].split()).casefold() == "gemini ultra 2"
    assert "2025-07-01" in result.message


@pytest.mark.parametrize("text", ["Gemini Ultra 20 rumours", "Gemini Ultra", "Gemini Ultra 2.5"])
def test_multi_word_name_needs_every_word_as_a_whole(text):
    assert check(text, material_connection=False, products=[GEMINI]) == []


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("GPT-5.1 is wild", "GPT-5.1"),
        ("(gpt-5.1)", "gpt-5.1"),
        ("Ask o3.", "o3"),
        ("Made with O3!", "O3"),
    ],
)
def test_punctuated_names_match_as_tokens(text, found):
    result = only(check(text, material_connection=False, products=[GPT]), "unreleased_product")
    assert texts(text, result) == [found]


@pytest.mark.parametrize("text", ["GPT-5.12 soon", "GPT-5.1.2 soon", "GPT-5 soon", "foo3 and o33"])
def test_punctuated_names_do_not_match_longer_tokens(text):
    assert check(text, material_connection=False, products=[GPT]) == []


def test_version_prefix_does_not_match_longer_version():
    gpt5 = ProductRef(id=9, name="GPT-5", aliases=[], public_on=None)
    assert check("GPT-5.1 is out", material_connection=False, products=[gpt5]) == []
    assert codes(check("GPT-5, finally", material_connection=False, products=[gpt5])) == [
        "unreleased_product"
    ]


def test_released_product_is_not_a_leak():
    assert check("My Atlas One review", material_connection=False, products=[OLD]) == []


def test_release_day_boundaries_for_leak():
    product = ProductRef(id=5, name="Orbit", aliases=[], public_on=TODAY)
    assert check("Orbit!", material_connection=False, products=[product]) == []
    product = ProductRef(id=5, name="Orbit", aliases=[], public_on=TODAY + timedelta(days=1))
    assert codes(check("Orbit!", material_connection=False, products=[product])) == [
        "unreleased_product"
    ]


@pytest.mark.parametrize(
    ("planned_for", "embargo"),
    [
        (date(2025, 6, 30), True),  # day before public_on
        (date(2025, 7, 1), False),  # release day
        (date(2025, 7, 2), False),
        (None, False),
    ],
)
def test_embargo_around_release_day(planned_for, embargo):
    text = "Gemini Ultra 2 hands-on"
    results = check(text, material_connection=False, products=[GEMINI], planned_for=planned_for)
    assert "unreleased_product" in codes(results)  # still unreleased today either way
    assert ("embargo" in codes(results)) is embargo
    if embargo:
        result = only(results, "embargo")
        assert result.product_id == 2
        assert texts(text, result) == ["Gemini Ultra 2"]
        assert "2025-06-30" in result.message and "2025-07-01" in result.message


def test_embargo_without_leak_once_released_today_but_planned_earlier():
    # Released before today, planned for a date before release: embargo rule still applies.
    results = check(
        "Atlas!", material_connection=False, products=[OLD], planned_for=date(2023, 12, 31)
    )
    assert codes(results) == ["embargo"]


def test_no_public_date_is_a_leak_but_not_an_embargo():
    results = check(
        "Nova!", material_connection=False, products=[NOVA], planned_for=date(2030, 1, 1)
    )
    assert codes(results) == ["unreleased_product"]


def test_each_named_product_flagged_separately():
    text = "Nova vs GPT-5.1 vs Atlas"
    results = check(
        text, material_connection=False, products=[NOVA, GPT, OLD], planned_for=date(2025, 6, 15)
    )
    assert [(r.code, r.product_id) for r in results] == [
        ("unreleased_product", 1),
        ("unreleased_product", 3),
        ("embargo", 3),
    ]


def test_products_not_named_are_ignored():
    assert check("Nothing to see", material_connection=False, products=[NOVA, GPT]) == []


# --------------------------------------------------------------------------- banned claims


def test_banned_claims_each_occurrence_flagged():
    text = (
        "Guaranteed results! It is 100%  accurate and never\u00a0makes mistakes. "
        "GUARANTEED\nRESULTS"
    )
    results = check(text, material_connection=False)
    assert codes(results) == ["banned_claim"] * 4
    assert [text[s:e] for r in results for s, e in r.spans] == [
        "Guaranteed results",
        "100%  accurate",
        "never\u00a0makes mistakes",
        "GUARANTEED\nRESULTS",
    ]
    assert results[0].message == "Makes a banned claim: “Guaranteed results”."
    assert results[3].message == "Makes a banned claim: “GUARANTEED RESULTS”."


@pytest.mark.parametrize(
    "text",
    [
        "guaranteed resultsss",
        "unguaranteed results",
        "1100% accurate",
        "100% accurately",
        "no humans needed",
        "guaranteed, results",
    ],
)
def test_banned_claims_need_whole_words(text):
    assert check(text, material_connection=False) == []


def test_banned_claim_with_punctuation_around():
    text = "“No human needed!” they said"
    result = only(check(text, material_connection=False), "banned_claim")
    assert texts(text, result) == ["No human needed"]


def test_custom_banned_claims():
    settings = CheckSettings(disclosure_markers=["#ad"], vague_tags=[], banned_claims=["cures"])
    assert codes(check("#ad This cures colds", settings=settings)) == ["banned_claim"]
    assert check("#ad This secures colds", settings=settings) == []


# --------------------------------------------------------------------------- all together


def test_everything_at_once_with_spans_pointing_at_the_words():
    text = (
        "Sooo excited 🤩 my first look at the nova… it’s guaranteed results, no human needed!\n"
        "Line two\nline three #spon #travel #fun #ad"
    )
    results = check(
        text,
        is_video=True,
        disclosure_in_video=None,
        products=[NOVA],
        planned_for=TODAY,
    )
    assert codes(results) == [
        "disclosure_buried",
        "disclosure_vague",
        "disclosure_not_in_video",
        "unreleased_product",
        "banned_claim",
        "banned_claim",
    ]
    by_code = {r.code: r for r in results}
    assert texts(text, by_code["disclosure_buried"]) == ["#ad"]
    assert texts(text, by_code["disclosure_vague"]) == ["#spon"]
    assert texts(text, by_code["unreleased_product"]) == ["nova"]
    banned = [texts(text, r)[0] for r in results if r.code == "banned_claim"]
    assert banned == ["guaranteed results", "no human needed"]


def test_results_are_json_friendly():
    result = only(check("nova", material_connection=False, products=[NOVA]), "unreleased_product")
    assert result.as_dict() == {
        "code": "unreleased_product",
        "message": result.message,
        "spans": [[0, 4]],
        "product_id": 1,
    }


def test_find_phrase_ignores_blank_phrases():
    assert find_phrase("anything", ["", "   "]) == []


# --------------------------------------------------------------------------- highlight


def test_highlight_escapes_user_text():
    text = '<script>alert("x")</script> & #ad'
    html = highlight(text, [(text.index("#ad"), len(text))])
    assert isinstance(html, Markup)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; " in html
    assert html.endswith('<mark class="flag">#ad</mark>')


def test_highlight_escapes_inside_marks():
    text = "<b>nova</b>"
    assert str(highlight(text, [(0, len(text))])) == (
        '<mark class="flag">&lt;b&gt;nova&lt;/b&gt;</mark>'
    )


def test_highlight_merges_overlapping_and_touching_spans_and_keeps_newlines():
    text = "one\ntwo three\r\nfour"
    html = highlight(text, [(4, 7), (5, 9), (9, 13), (15, 19)])
    assert str(html) == (
        'one<br><mark class="flag">two three</mark><br><mark class="flag">four</mark>'
    )


def test_highlight_ignores_out_of_range_and_empty_spans():
    assert str(highlight("abc", [(2, 2), (5, 9), (-3, 1)])) == '<mark class="flag">a</mark>bc'
    assert str(highlight("", [])) == ""


def test_highlight_of_check_spans_marks_exact_words():
    text = "Nova 🚀 & GPT-5.1\n#ad"
    results = check(text, products=[NOVA, GPT])
    spans = [s for r in results for s in r.spans]
    assert str(highlight(text, spans)) == (
        '<mark class="flag">Nova</mark> 🚀 &amp; <mark class="flag">GPT-5.1</mark><br>#ad'
    )
