"""Chart ticks at round values (1, 2, 2.5, 5 × 10ⁿ) and round days, so an axis reads 5K, 10K,
15K rather than 4.8K, 7.4K, 10.1K."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from crm.metrics.charts import Series, line_chart, sparkline
from crm.metrics.ticks import date_labels, date_ticks, nice_step, nice_ticks, tick_labels


@pytest.mark.parametrize(
    ("raw", "step"),
    [(0.75, 1), (1.75, 2), (2.2, 5), (3, 5), (13, 20), (22, 25), (60, 100), (1329.5, 2000)],
)
def test_steps_are_one_two_two_and_a_half_or_five_times_a_power_of_ten(raw, step):
    assert nice_step(raw) == step


def test_counts_never_step_by_a_fraction_but_other_values_may():
    assert nice_step(2.2) == 5  # no 2.5 followers
    assert nice_step(0.3) == 1
    assert nice_step(2.2, integer=False) == 2.5
    assert nice_step(0.03, integer=False) == pytest.approx(0.05)
    assert nice_step(0) == 1 and nice_step(float("nan")) == 1


@pytest.mark.parametrize(
    ("low", "high", "ticks", "labels"),
    [
        (4_812, 10_130, [4000, 6000, 8000, 10000, 12000], ["4K", "6K", "8K", "10K", "12K"]),
        (0, 7, [0, 2, 4, 6, 8], ["0", "2", "4", "6", "8"]),
        (5_200, 14_700, [5000, 7500, 10000, 12500, 15000], ["5K", "7.5K", "10K", "12.5K", "15K"]),
        (0, 1_400, [0, 500, 1000, 1500], ["0", "0.5K", "1K", "1.5K"]),
        (1_000_000, 2_300_000, [1e6, 1.5e6, 2e6, 2.5e6], ["1M", "1.5M", "2M", "2.5M"]),
        (998, 1_003, [998, 1000, 1002, 1004], ["998", "1,000", "1,002", "1,004"]),
    ],
)
def test_ticks_cover_the_data_with_round_values(low, high, ticks, labels):
    found = nice_ticks(low, high)
    assert found == ticks
    assert found[0] <= low and found[-1] >= high and len(found) <= 6
    assert tick_labels(found) == labels


def test_flat_and_reversed_ranges():
    assert nice_ticks(5, 5) == [4, 5, 6]
    assert nice_ticks(0, 0) == [0, 1]
    assert nice_ticks(100_000, 100_000) == [90_000, 95_000, 100_000, 105_000, 110_000]
    assert nice_ticks(10, 0) == nice_ticks(0, 10) == [0, 5, 10]
    assert tick_labels([]) == []


def test_date_ticks_fall_on_round_days():
    monday = date(2026, 1, 5)
    ticks, unit = date_ticks(monday, monday + timedelta(days=3))
    assert unit == "day" and len(ticks) == 4
    assert date_labels(ticks, unit) == ["5 Jan 2026", "6 Jan", "7 Jan", "8 Jan"]
    ticks, unit = date_ticks(date(2026, 1, 7), date(2026, 2, 4))
    assert all(d.weekday() == 0 for d in ticks) and len(ticks) == 4  # weekly, on Mondays
    ticks, unit = date_ticks(date(2025, 12, 20), date(2026, 3, 15))
    assert unit == "month" and date_labels(ticks, unit) == ["Jan 2026", "Feb", "Mar"]
    ticks, unit = date_ticks(date(2025, 6, 2), date(2026, 6, 1))
    assert [d.month for d in ticks] == [7, 10, 1, 4]
    assert date_labels(ticks, unit) == ["Jul 2025", "Oct", "Jan 2026", "Apr"]
    assert date_ticks(monday, monday) == ([monday], "day")


def test_line_chart_has_round_ticks_axis_titles_and_a_title():
    start = date(2026, 1, 1)
    points = [(start + timedelta(days=i), 4_812 + i * 59) for i in range(91)]  # to 10,122
    svg = str(line_chart([Series("A", points)], title="Followers of A", chart_id="a"))
    y_labels = re.findall(r'<text x="58" [^>]*>([^<]+)<', svg)
    assert y_labels == ["4K", "6K", "8K", "10K", "12K"]
    assert ">4.8K</text>" not in svg and ">10.1K</text>" not in svg  # (the desc says so)
    assert '<title id="a-title">Followers of A</title>' in svg
    assert 'aria-labelledby="a-title a-desc"' in svg and 'role="img"' in svg
    assert re.search(r'transform="rotate\(-90 [^"]+\)"[^>]*>Followers</text>', svg)
    assert ">Date</text>" in svg
    assert ">Jan 2026</text>" in svg and ">Feb</text>" in svg and ">Apr</text>" in svg
    custom = str(line_chart([Series("A", points)], title="t", chart_id="b", y_title="Views"))
    assert ">Views</text>" in custom and ">Followers</text>" not in custom


def test_sparkline_is_labelled():
    spark = str(sparkline([(date(2026, 1, 1), 10), (date(2026, 1, 9), 80)], label="A"))
    assert "<title>A: followers up from 10 to 80" in spark
    assert 'aria-label="A: followers up' in spark
