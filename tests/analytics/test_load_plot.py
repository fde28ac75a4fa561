"""The load picture is drawn (PNG and SVG) with bars, spikes, acute/chronic lines, pain and injured shading."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from calfcare.analytics.load import RunDay, daily_from_runs, ewma
from calfcare.analytics.load_weekly import all_metrics, weekly_means
from calfcare.charts.load_plot import LoadPlotData, render_load_plot

START = date(2025, 9, 1)
ONSET = START + timedelta(weeks=14)
END = START + timedelta(weeks=24) - timedelta(days=1)


def plot_data() -> LoadPlotData:
    runs = []
    for w in range(24):
        monday = START + timedelta(weeks=w)
        if w < 12:
            runs += [RunDay(monday + timedelta(days=d), km, km * 6) for d, km in ((1, 8.0), (3, 8.0), (6, 14.0))]
        elif w < 14:
            runs += [RunDay(monday + timedelta(days=d), km, km * 6) for d, km in ((1, 10.0), (3, 10.0), (6, 22.0))]
        elif w >= 18:
            runs += [RunDay(monday + timedelta(days=d), 3.0 + w - 18, 25) for d in (0, 2, 4)]
    episodes = [(ONSET, ONSET + timedelta(weeks=6))]
    daily = daily_from_runs(runs, start=START, end=END, episodes=episodes)
    m = all_metrics(daily)
    days, acute = weekly_means(daily, m.acute["distance_km"] * 7)
    _, chronic = weekly_means(daily, ewma(daily.distance_km, 28) * 7)
    pain = [(ONSET + timedelta(days=i), max(0.0, 6 - i * 0.15)) for i in range(0, 60, 2)]
    return LoadPlotData(
        week_start=m.weekly.week_start,
        weekly_km=list(m.weekly.distance_km[0]),
        spike_band=list(m.weekly.max_spike_band[0]),
        days=days,
        acute_km_week=list(acute[0]),
        chronic_km_week=list(chronic[0]),
        pain=pain,
        pain_during=[(d, p + 1) for d, p in pain[20:]],
        injured=[(o, c) for o, c in episodes],
        title="Training load — test runner",
    )


def test_the_plot_is_written_as_a_real_png(tmp_path: Path) -> None:
    out = render_load_plot(plot_data(), tmp_path / "load.png")
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000


def test_the_plot_is_written_as_svg_with_the_legend_entries(tmp_path: Path) -> None:
    text = render_load_plot(plot_data(), tmp_path / "load.svg").read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    for label in ("injured", "acute load", "chronic load", "morning pain", "weekly distance"):
        assert label in text


def test_the_weeks_before_onset_are_marked_as_spikes() -> None:
    data = plot_data()
    assert max(np.asarray(data.spike_band)) >= 2  # the 22 km long run after 14 km ones: +57 %


def test_other_file_types_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.png or \.svg"):
        render_load_plot(plot_data(), tmp_path / "load.jpg")
    assert not (tmp_path / "load.jpg").exists()
