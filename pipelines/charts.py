"""Chart geometry for the site's inline SVG: numbers worked out here, drawn by Jinja2 templates.

Pages carry their charts as plain SVG, so they need no script and no download when viewed (the site
must work offline and from ``file://``). Labels stay plain strings: the templates escape them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Mapping, Sequence

# Okabe–Ito: told apart with the common colour-vision deficiencies.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000")
BAR_COLOR = "#0072b2"


@dataclass(frozen=True)
class Bar:
    """One paper: a bar as long as its score (the digest's combined score, whatever its sources)."""

    label: str
    title: str
    href: str
    y: float
    width: float
    retweets: int
    favorites: int
    score: int


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    x: int  # where the bars start (after the labels)
    bar_height: int
    bars: tuple[Bar, ...]
    caption: str


def bar_chart(
    papers: Sequence[Mapping], *, caption: str, limit: int = 10, width: int = 760, label_width: int = 170,
    value_width: int = 70, bar_height: int = 20, gap: int = 8,
) -> BarChart | None:
    """Horizontal bars of the first ``limit`` papers, in their order, as long as their score (the
    longest filling the plot); None when nothing scored."""
    shown = list(papers[:limit])
    top = max((int(p["score"]) for p in shown), default=0)
    if top <= 0:
        return None
    scale = (width - label_width - value_width) / top
    bars = tuple(
        Bar(
            label=f"{p['rank']}. {p['arxiv_id']}",
            title=str(p.get("title") or ""),
            href=f"#paper-{p['arxiv_id']}",
            y=gap + i * (bar_height + gap),
            width=round(int(p["score"]) * scale, 2),
            retweets=int(p["retweets"]),
            favorites=int(p["favorites"]),
            score=int(p["score"]),
        )
        for i, p in enumerate(shown)
    )
    height = gap + len(bars) * (bar_height + gap)
    return BarChart(width, height, label_width, bar_height, bars, caption)


@dataclass(frozen=True)
class Series:
    label: str
    title: str
    color: str
    points: tuple[tuple[float, float], ...]  # SVG coordinates
    values: tuple[tuple[datetime, int], ...]  # what they stand for

    @property
    def polyline(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in self.points)


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    left: int
    top: int
    plot_width: int
    plot_height: int
    series: tuple[Series, ...]
    y_ticks: tuple[tuple[float, str], ...]
    x_ticks: tuple[tuple[float, str, str], ...]  # x, label, text-anchor (the ends stay inside)
    caption: str


def line_chart(
    lines: Sequence[tuple[str, str, Sequence[tuple[datetime, int]]]], *, caption: str, width: int = 760,
    height: int = 320, left: int = 60, right: int = 20, top: int = 16, bottom: int = 40,
) -> LineChart | None:
    """Score over time, one line per (label, title, [(time, score), ...]); None without any point."""
    points = [p for _, _, values in lines for p in values]
    if not points:
        return None
    t0 = min(t for t, _ in points)
    t1 = max(t for t, _ in points)
    span = (t1 - t0).total_seconds()
    peak = max(max(v for _, v in points), 1)
    plot_width, plot_height = width - left - right, height - top - bottom

    def x_of(moment: datetime) -> float:
        return left + (plot_width * (moment - t0).total_seconds() / span if span else plot_width / 2)

    def y_of(value: float) -> float:
        return top + plot_height * (1 - value / peak)

    series = tuple(
        Series(
            label=label,
            title=title,
            color=PALETTE[i % len(PALETTE)],
            points=tuple((x_of(t), y_of(v)) for t, v in sorted(values)),
            values=tuple(sorted(values)),
        )
        for i, (label, title, values) in enumerate(lines)
    )
    y_ticks = tuple((y_of(v), str(v)) for v in sorted({0, peak // 2, peak}))
    moments = sorted({t0, t1})
    anchors = ("start", "end") if len(moments) == 2 else ("middle",)
    x_ticks = tuple((x_of(t), f"{t:%Y-%m-%d %H:%M}", anchor) for t, anchor in zip(moments, anchors))
    return LineChart(width, height, left, top, plot_width, plot_height, series, y_ticks, x_ticks, caption)
