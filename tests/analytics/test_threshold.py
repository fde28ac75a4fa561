"""The NumPy-free threshold (``calfcare today`` reads runs without loading NumPy) against NumPy's own maths: the
percentile and median with linear interpolation, the candidate grid the figures were counted on, and the search
for the first grid speed at or above a threshold."""

from __future__ import annotations

import random
import subprocess
import sys

import numpy as np
import pytest

from calfcare.analytics.figures import speed_grid
from calfcare.analytics.threshold import fast_at, grid_of, median, percentile, threshold_speed


@pytest.mark.parametrize("seed", range(40))
def test_percentile_and_median_equal_numpys(seed: int) -> None:
    rng = random.Random(seed)
    values = [rng.uniform(1.5, 6.5) for _ in range(rng.randint(1, 60))]
    for q in (0.0, 5.0, 50.0, 95.0, 100.0, rng.uniform(0, 100)):
        assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)), rel=1e-12)
    assert median(values) == pytest.approx(float(np.median(values)), rel=1e-12)


def test_percentile_of_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50.0)


def test_the_grid_is_the_one_the_figures_were_counted_on() -> None:
    assert grid_of({}) == [float(x) for x in speed_grid()]
    assert grid_of({"grid": [3.0, 0.1, 5]}) == [3.0, 3.1, 3.2, 3.3, 3.4]


@pytest.mark.parametrize("seed", range(20))
def test_fast_at_reads_the_first_grid_speed_at_or_above_the_threshold_like_numpys_search(seed: int) -> None:
    rng = random.Random(seed)
    grid = speed_grid()
    size = rng.randint(1, len(grid))
    figures = {
        "fast_s": [float(rng.randint(0, 3600)) for _ in range(size)],
        "surges": [rng.randint(0, 12) for _ in range(size)],
        "fast_s_raw": [float(rng.randint(0, 3600)) for _ in range(size)],
    }
    for threshold in [rng.uniform(1.8, 7.2) for _ in range(30)] + [float(g) for g in grid[::7]]:
        k = int(np.searchsorted(grid, threshold - 1e-9, side="left"))
        fast_s = figures["fast_s"][k] if k < size else 0.0
        raw_s = figures["fast_s_raw"][k] if k < size else 0.0
        surges = figures["surges"][k] if k < size else 0
        assert fast_at(figures, threshold) == (fast_s / 60.0, surges, max(0.0, raw_s - fast_s) / 60.0)


def test_threshold_speed_from_averages_equals_numpys_95th_percentile() -> None:
    averages = [2.7, 2.9, 3.1, 3.3, 3.0, 2.8]
    assert threshold_speed([None], averages) == pytest.approx(float(np.percentile(averages, 95.0)))


def test_the_threshold_module_loads_no_numpy() -> None:
    code = "import sys, calfcare.analytics.threshold, calfcare.services.run_days; print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
