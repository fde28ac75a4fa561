"""The load picture (file output, kept at the edge): weekly distance bars with spikes marked, acute and chronic
lines (EWMA, shown as km per week), the check-in pain trend on a second axis sharing the time axis, and injured
periods shaded. matplotlib with the Agg backend; PNG or SVG by the file's suffix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import numpy.typing as npt

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

FloatArray = npt.NDArray[np.float64]
FORMATS = (".png", ".svg")
SPIKE_COLOURS = {1: "#e6a100", 2: "#e05a00", 3: "#b00020"}
SPIKE_NAMES = {
    1: "run >10–30 % over the 30-day longest",
    2: "run >30–100 % over the 30-day longest",
    3: "run >100 % over the 30-day longest",
}


@dataclass(frozen=True)
class LoadPlotData:
    week_start: Sequence[date]
    weekly_km: Sequence[float]
    spike_band: Sequence[int]  # the week's highest Frandsen band, −1/0 for none
    days: Sequence[date] = ()
    acute_km_week: Sequence[float] = ()  # EWMA-7 of daily km × 7, sampled at ``days`` (e.g. weekly means)
    chronic_km_week: Sequence[float] = ()  # EWMA-28 × 7
    pain: Sequence[tuple[date, float]] = ()  # check-in morning pain 0–10
    pain_during: Sequence[tuple[date, float]] = ()  # pain during the session 0–10
    injured: Sequence[tuple[date, date]] = ()
    title: str = "Training load"
    acute_days: int = 7  # the EWMA spans, for the legend
    chronic_days: int = 28
    notes: Sequence[str] = field(default_factory=tuple)


def render_load_plot(data: LoadPlotData, path: Path) -> Path:
    """Write the picture to ``path`` (.png or .svg) and return the path."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{path}: the plot can be written as .png or .svg, not {suffix or 'no suffix'!r}")
    fig, ax = plt.subplots(figsize=(11, 5.2), dpi=110)
    try:
        _draw(fig, ax, data)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format=suffix[1:], bbox_inches="tight")
    finally:
        plt.close(fig)
    return path


def _x(days: Sequence[date]) -> FloatArray:
    """Dates as matplotlib day numbers (what date axes plot)."""
    out: FloatArray = np.asarray(mdates.date2num(list(days)), dtype=np.float64)  # type: ignore[no-untyped-call]
    return out


def _draw(fig: Figure, ax: Axes, data: LoadPlotData) -> None:
    for i, (lo, hi) in enumerate(data.injured):
        span = _x([lo, hi + timedelta(days=1)])
        ax.axvspan(span[0], span[1], color="#9e9e9e", alpha=0.25, lw=0, label="injured" if i == 0 else None)
    centres = _x(data.week_start) + 3.5
    ax.xaxis_date()
    colours = [SPIKE_COLOURS.get(int(b), "#7aa6d6") for b in data.spike_band]
    ax.bar(centres, data.weekly_km, width=6, color=colours, edgecolor="white", label="weekly distance")
    top = max([*data.weekly_km, 1.0])
    for c, km, b in zip(centres, data.weekly_km, data.spike_band, strict=True):
        if int(b) >= 1:
            ax.annotate(
                "▲",
                (c, km),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                va="bottom",
                color=SPIKE_COLOURS[int(b)],
                fontsize=11,
            )
    if data.days:
        ax.plot(
            _x(data.days),
            data.acute_km_week,
            color="#1f3b73",
            lw=1.8,
            label=f"acute load (EWMA {data.acute_days} d, km/week)",
        )
        ax.plot(
            _x(data.days),
            data.chronic_km_week,
            color="#2e7d32",
            lw=1.8,
            ls="--",
            label=f"chronic load (EWMA {data.chronic_days} d, km/week)",
        )
        top = max(top, *data.acute_km_week, *data.chronic_km_week)
    ax.set_ylim(0, top * 1.18)
    ax.set_ylabel("distance (km per week)")
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    ax.grid(axis="y", alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    for b in sorted({int(b) for b in data.spike_band if int(b) >= 1}):
        handles.append(Patch(color=SPIKE_COLOURS[b]))
        labels.append(f"week with a {SPIKE_NAMES[b]}")
    if data.pain or data.pain_during:
        pain_ax = ax.twinx()
        morning = {"color": "#c62828", "marker": "o", "ms": 3, "lw": 1.4, "label": "morning pain (0–10)"}
        during = {"color": "#ad1457", "marker": "x", "ms": 4, "lw": 0, "label": "pain during run (0–10)"}
        pain_series: tuple[tuple[Sequence[tuple[date, float]], dict[str, Any]], ...] = (
            (data.pain, morning),
            (data.pain_during, during),
        )
        for series, style in pain_series:
            if series:
                pain_ax.plot(_x([d for d, _ in series]), [p for _, p in series], **style)
        pain_ax.set_ylim(0, 10.5)
        pain_ax.set_ylabel("calf pain (0–10)", color="#c62828")
        h2, l2 = pain_ax.get_legend_handles_labels()
        handles += h2
        labels += l2
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(0.0, -0.08), fontsize=8, frameon=False, ncol=3)
    ax.set_title(data.title, loc="left", fontsize=12)
    caption = "Acute:chronic lines are descriptive, not a prediction of injury (ACWR is disputed)."
    ax.text(0.0, -0.3, "  ".join([caption, *data.notes]), transform=ax.transAxes, fontsize=8, color="#555555")
