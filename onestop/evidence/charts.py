"""The per-day chart of an import, as inline SVG (no script, no font or file from elsewhere): one
bar per day, its height the number of messages or calls, the days without any left empty."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT, MARGIN = 720, 220, 36
# The bundled font: a PDF made from the chart embeds it, a page shows it as the site's own.
TEXT = 'font-size="12" font-family="Pretendard, sans-serif"'


def daily_chart_svg(daily: Sequence[dict[str, object]], *, label: str) -> str:
    """``daily``: rows of an ``EvidenceImport`` ({"day": ISO date, "count": n}). ``label`` names
    the chart for screen readers (the page's language)."""
    if not daily:
        return ""
    days = [dt.date.fromisoformat(str(row["day"])) for row in daily]
    counts = {dt.date.fromisoformat(str(row["day"])): int(str(row["count"])) for row in daily}
    first, last = min(days), max(days)
    span = (last - first).days + 1
    peak = max(counts.values()) or 1
    inner_w, inner_h = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN
    bar = inner_w / span
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)}" class="daily-chart">',
        f'<line x1="{MARGIN}" y1="{HEIGHT - MARGIN}" x2="{WIDTH - MARGIN}" '
        f'y2="{HEIGHT - MARGIN}" stroke="#555" />',
    ]
    for offset in range(span):
        day = first + dt.timedelta(days=offset)
        count = counts.get(day, 0)
        if not count:
            continue
        height = inner_h * count / peak
        x = MARGIN + offset * bar
        parts.append(
            f'<rect x="{x:.1f}" y="{HEIGHT - MARGIN - height:.1f}" width="{max(bar - 1, 1):.1f}" '
            f'height="{height:.1f}" fill="#b03a48"><title>{day.isoformat()}: {count}</title></rect>'
        )
    parts += [
        f'<text x="{MARGIN}" y="{HEIGHT - 10}" {TEXT}>{first.isoformat()}</text>',
        f'<text x="{WIDTH - MARGIN}" y="{HEIGHT - 10}" {TEXT} text-anchor="end">'
        f"{last.isoformat()}</text>",
        f'<text x="{MARGIN}" y="{MARGIN - 10}" {TEXT}>{peak}</text>',
        "</svg>",
    ]
    return "".join(parts)
