"""Charts as inline SVG built on the server: no JavaScript, no CDN, readable by screen readers.

Every chart has a <title> and <desc> (referenced by aria-labelledby), axis titles and round
ticks (crm/metrics/ticks.py), and comes with a small data table in the page; every piece of
text is escaped here, so a handle such as ``<script>`` is shown as text. Colours are
presentation attributes, not `style=` (CSP).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

from crm.metrics.ticks import date_labels, date_ticks, nice_ticks, tick_labels

PALETTE = ("#0d6efd", "#d63384", "#198754", "#fd7e14", "#6f42c1", "#20c997", "#6c757d")
GAP_DAYS = 7  # a hole longer than this breaks the line instead of drawing across it

Point = tuple[date, int]


@dataclass
class Series:
    label: str
    points: list[Point]


def compact(value: int | float | None) -> str:
    """1234 → "1.2K", 2_500_000 → "2.5M" (axis labels and sparkline descriptions)."""
    if value is None:
        return "—"
    sign = "-" if value < 0 else ""
    value = abs(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if value >= limit:
            text = f"{value / limit:.1f}".rstrip("0").rstrip(".")
            return f"{sign}{text}{suffix}"
    return f"{sign}{int(value)}"


def combined(histories: Sequence[Sequence[Point]]) -> list[Point]:
    """Sum of several accounts per day, carrying each account's last known figure over its
    gaps (a missing night must not look like a drop)."""
    days = sorted({d for points in histories for d, _v in points})
    cursors = [0] * len(histories)
    last: list[int | None] = [None] * len(histories)
    out: list[Point] = []
    for day in days:
        for i, points in enumerate(histories):
            while cursors[i] < len(points) and points[cursors[i]][0] <= day:
                last[i] = points[cursors[i]][1]
                cursors[i] += 1
        known = [v for v in last if v is not None]
        if known:
            out.append((day, sum(known)))
    return out


def sample(points: Sequence[Point], count: int = 12) -> list[Point]:
    """At most `count` evenly spaced points, always including the first and the last."""
    if len(points) <= count:
        return list(points)
    step = (len(points) - 1) / (count - 1)
    return [points[round(i * step)] for i in range(count)]


def _describe(points: Sequence[Point]) -> str:
    first, last = points[0], points[-1]
    return (
        f"From {compact(first[1])} on {first[0].isoformat()} "
        f"to {compact(last[1])} on {last[0].isoformat()}."
    )


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    chart_id: str,
    width: int = 640,
    height: int = 220,
    y_title: str = "Followers",
    x_title: str = "Date",
) -> Markup | None:
    """A followers-over-time chart with round ticks and axis titles; None when there is
    nothing to draw."""
    drawn = [s for s in series if s.points]
    if not drawn:
        return None
    left, right, top, bottom = 64, 14, 10, 42
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for s in drawn for _d, v in s.points]
    days = [d for s in drawn for d, _v in s.points]
    y_ticks = nice_ticks(min(values), max(values))
    low, high = y_ticks[0], y_ticks[-1]
    first, last = min(days), max(days)
    span = max(1, (last - first).days)

    def x(day: date) -> float:
        return left + plot_w * (day - first).days / span

    def y(value: float) -> float:
        return top + plot_h * (1 - (value - low) / (high - low))

    cid = escape(chart_id)
    axis = 'font-size="11" fill="#495057"'
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{cid}-title {cid}-desc" preserveAspectRatio="none">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">'
        + escape(" ".join(f"{s.label}: {_describe(s.points)}" for s in drawn))
        + "</desc>",
    ]
    for value, label in zip(y_ticks, tick_labels(y_ticks), strict=True):
        ty = y(value)
        parts.append(
            f'<line x1="{left}" y1="{ty:.1f}" x2="{width - right}" y2="{ty:.1f}" '
            'stroke="#dee2e6" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{ty + 4:.1f}" text-anchor="end" {axis}>'
            f"{escape(label)}</text>"
        )
    x_ticks, unit = date_ticks(first, last)
    for day, label in zip(x_ticks, date_labels(x_ticks, unit), strict=True):
        tx = x(day)
        anchor = "start" if tx - left < 30 else "end" if width - right - tx < 30 else "middle"
        parts.append(
            f'<line x1="{tx:.1f}" y1="{top + plot_h}" x2="{tx:.1f}" y2="{top + plot_h + 4}" '
            'stroke="#6c757d" stroke-width="1"/>'
            f'<text x="{tx:.1f}" y="{top + plot_h + 16}" text-anchor="{anchor}" {axis}>'
            f"{escape(label)}</text>"
        )
    mid_y = top + plot_h / 2
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" '
        'stroke="#6c757d" stroke-width="1"/>'
        f'<text class="axis-title" x="14" y="{mid_y:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 14 {mid_y:.1f})" font-size="12" fill="#212529">'
        f"{escape(y_title)}</text>"
        f'<text class="axis-title" x="{left + plot_w / 2:.1f}" y="{height - 6}" '
        f'text-anchor="middle" font-size="12" fill="#212529">{escape(x_title)}</text>'
    )
    for index, s in enumerate(drawn):
        colour = PALETTE[index % len(PALETTE)]
        for segment in _segments(s.points):
            coords = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in segment)
            if len(segment) == 1:
                d, v = segment[0]
                parts.append(f'<circle cx="{x(d):.1f}" cy="{y(v):.1f}" r="2.5" fill="{colour}"/>')
            else:
                parts.append(
                    f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                    f'stroke-linejoin="round" points="{coords}"/>'
                )
    parts.append("</svg>")
    # Every interpolated text above went through escape().
    return Markup("".join(parts))  # noqa: S704  # nosec B704


def _segments(points: Sequence[Point]) -> list[list[Point]]:
    segments: list[list[Point]] = []
    for point in points:
        if segments and (point[0] - segments[-1][-1][0]).days <= GAP_DAYS:
            segments[-1].append(point)
        else:
            segments.append([point])
    return segments


def sparkline(points: Sequence[Point], *, label: str, width: int = 120, height: int = 24) -> Markup:
    """A tiny trend line for lists and headers (CSS class `sparkline` sizes it)."""
    if len(points) < 2:
        return Markup('<span class="text-body-secondary small">{}</span>').format("no trend yet")
    values = [v for _d, v in points]
    low, high = min(values), max(values)
    rng = (high - low) or 1
    first, last = points[0][0], points[-1][0]
    span = max(1, (last - first).days)
    coords = " ".join(
        f"{(width - 2) * (d - first).days / span + 1:.1f},"
        f"{(height - 2) * (1 - (v - low) / rng) + 1:.1f}"
        for d, v in points
    )
    change = values[-1] - values[0]
    text = (
        f"{label}: followers {'up' if change > 0 else 'down' if change < 0 else 'unchanged'} "
        f"from {compact(values[0])} to {compact(values[-1])} "
        f"between {first.isoformat()} and {last.isoformat()}"
    )
    colour = "#198754" if change >= 0 else "#dc3545"
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="sparkline" viewBox="0 0 {w} {h}" '
        'role="img" aria-label="{label}"><title>{label}</title>'
        '<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{coords}"/></svg>'
    ).format(w=width, h=height, label=text, colour=colour, coords=coords)
