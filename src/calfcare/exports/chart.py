"""Small SVG charts for the printed report, drawn by hand so they stay legible in black and white: each series
has its own line style and marker (not only a colour), phases are grey bands labelled in words, and every axis
is numbered. Values in, an ``<svg>`` string out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

WIDTH, HEIGHT = 680, 250
LEFT, RIGHT, TOP, BOTTOM = 44, 48, 26, 34


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[tuple[date, float]]
    axis: str  # "left" (pain 0–10) or "right" (counts)
    dash: str  # SVG stroke-dasharray ("" for solid)
    marker: str  # "circle" | "square" | "triangle" | "diamond"


def _marker(kind: str, x: float, y: float) -> str:
    if kind == "square":
        return f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6" fill="white" stroke="black"/>'
    if kind == "triangle":
        return f'<path d="M{x:.1f},{y - 4:.1f} L{x + 4:.1f},{y + 3:.1f} L{x - 4:.1f},{y + 3:.1f} Z" fill="black"/>'
    if kind == "diamond":
        return f'<path d="M{x:.1f},{y - 4:.1f} L{x + 4:.1f},{y:.1f} L{x:.1f},{y + 4:.1f} L{x - 4:.1f},{y:.1f} Z" fill="white" stroke="black"/>'  # noqa: E501
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="black"/>'


def trend_chart(
    series: Sequence[Series],
    *,
    first: date,
    last: date,
    bands: Sequence[tuple[date, date, str]] = (),
    right_max: float | None = None,
    right_label: str = "heel raises",
) -> str:
    """Pain (0–10, left axis) and counts (right axis) over days, with labelled phase ``bands``."""
    span = max((last - first).days, 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top_right = right_max or max([v for s in series if s.axis == "right" for _, v in s.points] + [10.0])
    top_right = float(((int(top_right) + 9) // 10) * 10)

    def x(d: date) -> float:
        return LEFT + plot_w * min(max((d - first).days, 0), span) / span

    def y(v: float, axis: str) -> float:
        top = 10.0 if axis == "left" else top_right
        return TOP + plot_h * (1 - min(max(v, 0.0), top) / top)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT + 22}" width="100%" '
        'font-family="DejaVu Sans, sans-serif" font-size="10" role="img">'
    ]
    for i, (start, end, label) in enumerate(bands):  # phases: alternate greys, named at the top
        x0, x1 = x(max(start, first)), x(min(end, last)) if end < last else LEFT + plot_w
        if x1 <= x0:
            x1 = x0 + 2
        fill = "#eeeeee" if i % 2 == 0 else "#d9d9d9"
        out.append(f'<rect x="{x0:.1f}" y="{TOP}" width="{x1 - x0:.1f}" height="{plot_h}" fill="{fill}"/>')
        if x1 - x0 > 5.5 * len(label) + 6:  # only where the name fits (the timeline table has them all)
            out.append(f'<text x="{x0 + 3:.1f}" y="{TOP - 6}" font-size="9">{escape(label)}</text>')
    for v in range(0, 11, 2):  # left axis and grid
        yy = y(v, "left")
        out.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#bbbbbb" stroke-width="0.5"/>'
        )
        out.append(f'<text x="{LEFT - 6}" y="{yy + 3:.1f}" text-anchor="end">{v}</text>')
    for k in range(0, 6):  # right axis
        count = top_right * k / 5
        out.append(f'<text x="{LEFT + plot_w + 6}" y="{y(count, "right") + 3:.1f}">{count:.0f}</text>')
    out.append(f'<text x="12" y="{TOP + plot_h / 2:.0f}" transform="rotate(-90 12 {TOP + plot_h / 2:.0f})" '
               'text-anchor="middle">pain 0–10</text>')  # fmt: skip
    rx = WIDTH - 10
    out.append(f'<text x="{rx}" y="{TOP + plot_h / 2:.0f}" transform="rotate(90 {rx} {TOP + plot_h / 2:.0f})" '
               f'text-anchor="middle">{escape(right_label)}</text>')  # fmt: skip
    ticks = 6
    for k in range(ticks + 1):  # date axis
        d = date.fromordinal(first.toordinal() + round(span * k / ticks))
        xx = x(d)
        out.append(f'<line x1="{xx:.1f}" x2="{xx:.1f}" y1="{TOP + plot_h}" y2="{TOP + plot_h + 4}" stroke="black"/>')
        out.append(f'<text x="{xx:.1f}" y="{TOP + plot_h + 15}" text-anchor="middle">{d.strftime("%d %b")}</text>')
    out.append(f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="black"/>')
    legend_x = LEFT
    for s in series:
        pts = sorted(s.points)
        if len(pts) > 1:
            path = " ".join(f"{'M' if i == 0 else 'L'}{x(d):.1f},{y(v, s.axis):.1f}" for i, (d, v) in enumerate(pts))
            dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
            out.append(f'<path d="{path}" fill="none" stroke="black" stroke-width="1.4"{dash}/>')
        out.extend(_marker(s.marker, x(d), y(v, s.axis)) for d, v in pts)
        ly = HEIGHT + 12
        dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
        out.append(f'<line x1="{legend_x}" x2="{legend_x + 22}" y1="{ly - 3}" y2="{ly - 3}" stroke="black"{dash}/>')
        out.append(_marker(s.marker, legend_x + 11, ly - 3))
        out.append(f'<text x="{legend_x + 27}" y="{ly}">{escape(s.label)}</text>')
        legend_x += 34 + 6 * len(s.label)
    out.append("</svg>")
    return "\n".join(out)


def _nice_step(raw: float) -> float:
    """The smallest of 1, 2, 5, 10, 20, 50… that is at least ``raw``."""
    step = 1.0
    while True:
        for m in (1.0, 2.0, 5.0):
            if step * m >= raw:
                return step * m
        step *= 10


def week_bars(weeks: Sequence[tuple[date, float]], *, mark: date | None = None, mark_label: str = "onset") -> str:
    """Weekly distance as black-outlined bars (hatched after ``mark``), with the ``mark`` day as a dashed line."""
    w, h, left, top, bottom = WIDTH, 150, 44, 12, 30
    plot_w, plot_h = w - left - 12, h - top - bottom
    step = _nice_step(max([km for _, km in weeks] + [10.0]) / 4)
    peak = step * 4
    while peak < max([km for _, km in weeks] + [0.0]):
        peak += step
    n = max(len(weeks), 1)
    bar = plot_w / n
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" '
        'font-family="DejaVu Sans, sans-serif" font-size="10" role="img">',
        '<defs><pattern id="hatch" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<line x1="0" y1="0" x2="0" y2="5" stroke="black" stroke-width="1.2"/></pattern></defs>',
    ]
    for k in range(0, round(peak / step) + 1):
        v = step * k
        yy = top + plot_h * (1 - v / peak)
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#bbbbbb" stroke-width="0.5"/>'
        )
        out.append(f'<text x="{left - 6}" y="{yy + 3:.1f}" text-anchor="end">{v:.0f}</text>')
    for i, (start, km) in enumerate(weeks):
        bh = plot_h * km / peak
        fill = "url(#hatch)" if mark is not None and start >= mark else "#bbbbbb"
        xx = left + i * bar + 2
        out.append(f'<rect x="{xx:.1f}" y="{top + plot_h - bh:.1f}" width="{bar - 4:.1f}" height="{bh:.1f}" '
                   f'fill="{fill}" stroke="black" stroke-width="0.8"/>')  # fmt: skip
        if i % max(1, n // 8) == 0:
            out.append(f'<text x="{xx + (bar - 4) / 2:.1f}" y="{top + plot_h + 13}" text-anchor="middle">'
                       f'{start.strftime("%d %b")}</text>')  # fmt: skip
    if mark is not None and weeks:
        days = max((weeks[-1][0] - weeks[0][0]).days + 7, 1)
        xm = left + plot_w * min(max((mark - weeks[0][0]).days, 0), days) / days
        out.append(f'<line x1="{xm:.1f}" x2="{xm:.1f}" y1="{top}" y2="{top + plot_h}" stroke="black" '
                   'stroke-dasharray="4 2" stroke-width="1.2"/>')  # fmt: skip
        out.append(f'<text x="{xm + 3:.1f}" y="{top + 9}">{escape(mark_label)}</text>')
    out.append(f'<text x="{left}" y="{h - 2}">km per week (grey: before the injury; hatched: since)</text>')
    out.append(f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="black"/>')
    out.append("</svg>")
    return "\n".join(out)
