"""The two sequential rules of FIT decoding, as prefix sums over whole arrays (no per-message loop).

Both reproduce fitdecode's behaviour exactly (compared record for record in tests/activities):

* compressed-timestamp headers carry the low 5 bits of the time; the full time is the last timestamp seen
  (field 253 of any message, or the previous compressed header), rolled forward past 32 s when the 5-bit
  offset is smaller than the last low bits; the state restarts at 0 with each chained file;
* ``compressed_speed_distance`` carries a 12-bit distance that accumulates with roll-over, restarting from 0
  at each record definition holding the field.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.intp]


def rollover_timestamps(
    full_positions: Sequence[IntArray],
    full_values: Sequence[npt.NDArray[np.int64]],
    compressed_positions: IntArray,
    offsets: npt.NDArray[np.int64],
    file_starts: Sequence[int],
    record_positions: IntArray,
) -> npt.NDArray[np.float64]:
    """Raw FIT times of the records at ``record_positions`` that have a compressed header (NaN for others)."""
    starts = np.array(file_starts, dtype=np.intp)
    n_full = sum(len(p) for p in full_positions)
    pos = np.concatenate([*full_positions, compressed_positions, starts])
    # order: by position; a file start first, a message's own field 253 before its header's offset
    kind = np.concatenate(
        [np.zeros(n_full, np.int8), np.ones(len(compressed_positions), np.int8), np.full(len(starts), -1, np.int8)]
    )
    value = np.concatenate([*full_values, offsets, np.zeros(len(starts), np.int64)])
    order = np.lexsort((kind, pos))
    pos, kind, value = pos[order], kind[order], value[order]
    is_full = kind != 1
    group = np.cumsum(is_full) - 1  # the last full timestamp (or file start) before each entry
    low = value & 0x1F
    previous = np.concatenate([[0], low[:-1]])
    wraps = np.cumsum((~is_full & (low < previous)).astype(np.int64))
    wraps -= wraps[is_full][group]
    stamps = ((value[is_full][group] & ~0x1F) + low + 32 * wraps).astype(np.float64)
    compressed = ~is_full
    result = np.full(len(record_positions), np.nan)
    if not len(record_positions):
        return result
    index = np.searchsorted(record_positions, pos[compressed])
    hit = record_positions[np.minimum(index, len(record_positions) - 1)] == pos[compressed]
    result[index[hit]] = stamps[compressed][hit]
    return result


def accumulated_distance(
    low12: npt.NDArray[np.int64], positions: IntArray, resets: Sequence[int]
) -> npt.NDArray[np.int64]:
    """12-bit distance counts (file order) -> accumulated counts; restarts at each reset position."""
    segment = np.searchsorted(np.array(resets, dtype=np.intp), positions, side="right")
    first = np.concatenate([[True], segment[1:] != segment[:-1]])
    previous = np.concatenate([[0], low12[:-1]])
    previous[first] = 0
    wraps = np.cumsum((low12 < previous).astype(np.int64))
    start = np.maximum.accumulate(np.where(first, np.arange(len(low12)), 0))
    wraps -= wraps[start]
    return low12 + 4096 * wraps
