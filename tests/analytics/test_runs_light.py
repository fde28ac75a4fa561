"""The NumPy-free run module bands a rise exactly as the array maths does (``calfcare today`` uses the former)."""

from __future__ import annotations

import numpy as np

from calfcare.analytics import load, runs


def test_one_rise_is_banded_as_the_array_bands_it() -> None:
    rises = [float("nan"), -0.5, 0.0, 0.1, 0.1 + 1e-12, 0.1000000000000001, 0.1 + 2e-9, 0.2, 0.3, 0.31, 1.0, 1.01, 7.5]
    rises += list(np.linspace(-0.2, 2.2, 481))
    expected = load.spike_band(np.array(rises, dtype=np.float64))
    assert [runs.spike_band_of(r) for r in rises] == [int(b) for b in expected]


def test_load_re_exports_the_run_and_its_bands() -> None:
    assert load.RunDay is runs.RunDay
    assert load.SPIKE_LABELS == runs.SPIKE_LABELS and load.SPIKE_BANDS == runs.SPIKE_BANDS
