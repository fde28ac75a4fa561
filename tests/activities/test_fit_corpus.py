"""Every FIT file of the shared corpus (MANIFEST.tsv), decoded by our decoder and checked against fitdecode.

Cost control: fitdecode needs ~40 s for the whole corpus on an idle machine, too slow for the suite. So each
file is compared record for record on its first :data:`HEAD` records (fitdecode is stopped there; files no
longer than that are compared whole, records and session/event/file_id/... messages). The record *count* of
every file is checked against an independent message walker written here (plain struct reading, ~0.3 s for
the corpus). The unterminated nick.fit (fitdecode refuses it) is compared whole against fitdecode reading the
same bytes repaired (cut at the last complete message, CRC added). The benchmark
(benchmarks/fit_decoders.py --verify) compares every record of every file.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from calfcare.activities.formats import fit_profile as fp
from calfcare.activities.formats.fit import decode_fit
from calfcare.activities.formats.fit_decode import decode_messages
from calfcare.activities.formats.fit_reference import reference_messages
from calfcare.activities.streams import build_activity
from calfcare.errors import CorruptFile, NotAnActivity, TrainingFileError, UnsupportedFormat

HEAD = 400
_SHARED = Path(os.environ.get("CALFCARE_SHARED", Path(__file__).resolve().parents[2].parent / "shared"))
_MANIFEST = _SHARED / "corpus" / "MANIFEST.tsv"  # same place as the ``corpus`` fixture


def _rows() -> list[tuple[str, str]]:
    if not _MANIFEST.is_file():
        return [("missing", "OK")]
    with _MANIFEST.open(newline="") as fh:
        rows = csv.DictReader(fh, delimiter="\t")
        return [
            (r["path"], r["expected"]) for r in rows if r["path"].startswith("fit/") and ".fit" in r["path"].lower()
        ]


def _kind(expected: str) -> str:
    for prefix, kind in (("FAIL", "fail"), ("CORRUPT", "fail"), ("LENIENT", "lenient"), ("QUIRK", "quirk")):
        if expected.startswith(prefix):
            return kind
    return "ok"  # OK, OK-with-..., POLICY-FAIL (decodes; refused later by policy), REAL .fit.gz


FILES = _rows()


def _load(corpus: Path, path: str) -> bytes:
    data = (corpus / path).read_bytes()
    return gzip.decompress(data) if path.endswith(".gz") else data


def count_records(data: bytes) -> int:
    """Record messages in a well-formed FIT file, walked one message at a time (independent of fit_decode)."""
    pos = count = 0
    while pos < len(data):
        end = pos + data[pos] + int.from_bytes(data[pos + 4 : pos + 8], "little")
        pos += data[pos]
        sizes: dict[int, int] = {}
        globs: dict[int, int] = {}
        while pos < end:
            header = data[pos]
            if header & 0x80:
                local = (header >> 5) & 3
            elif header & 0x40:
                local = header & 0x0F
                order = "big" if data[pos + 2] else "little"
                globs[local] = int.from_bytes(data[pos + 3 : pos + 5], order)
                stop = pos + 6 + 3 * data[pos + 5]
                sizes[local] = sum(data[pos + 7 : stop : 3])
                if header & 0x20:
                    sizes[local] += sum(data[stop + 2 : stop + 1 + 3 * data[stop] : 3])
                    stop += 1 + 3 * data[stop]
                pos = stop
                continue
            else:
                local = header & 0x0F
            count += globs[local] == 20
            pos += 1 + sizes[local]
        pos = end + 2
    return count


@dataclass
class FitView:
    """What fitdecode (independently of our FIELDS table) sees in a file."""

    file_type: str | None = None
    timed_records: int = 0
    starts: list[datetime | int] = field(default_factory=list)  # session/lap start_time (int: device-relative)
    sessions: list[dict[str, object]] = field(default_factory=list)
    correlation: dict[str, object] = field(default_factory=dict)

    @property
    def is_activity(self) -> bool:
        return self.file_type in (None, "activity")


def fitdecode_view(data: bytes) -> FitView:
    import fitdecode

    view = FitView()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.DISABLED) as reader:
            for frame in reader:
                if frame.frame_type != fitdecode.FIT_FRAME_DATA:
                    continue
                values = {f.name: f.value for f in frame.fields if f.value is not None}
                if frame.name == "file_id":
                    view.file_type = values.get("type")  # type: ignore[assignment]
                elif frame.name == "record":
                    view.timed_records += "timestamp" in values
                elif frame.name in ("session", "lap") and "start_time" in values:
                    view.starts.append(values["start_time"])  # type: ignore[arg-type]
                    if frame.name == "session":
                        view.sessions.append(values)
                elif frame.name == "timestamp_correlation":
                    view.correlation = values
    return view


@pytest.mark.corpus
@pytest.mark.parametrize(("path", "expected"), FILES, ids=[p for p, _ in FILES])
def test_corpus_file_decodes_as_expected(corpus: Path, path: str, expected: str) -> None:
    data = _load(corpus, path)
    kind = _kind(expected)
    if kind == "fail":
        with pytest.raises((CorruptFile, UnsupportedFormat)) as info:
            decode_fit(data, name=path)
        assert info.value.reason  # a reason a user can read
        return
    if kind == "quirk":  # the Lezyne sample: decoded or refused, never a crash
        try:
            decode_fit(data, name=path)
        except TrainingFileError as exc:
            assert exc.reason
        return
    if kind == "lenient":
        # nick.fit: compare with fitdecode on the same file repaired (cut + CRC added)
        track = decode_fit(data, name=path)
        warning = next(w for w in track.warnings if "unterminated" in w)
        cut = int(re.search(r"at byte (\d+)", warning).group(1))  # type: ignore[union-attr]
        repaired = data[:4] + (cut - data[0]).to_bytes(4, "little") + data[8:12] + b"\0\0" + data[14:cut]
        repaired += fp.crc16(repaired).to_bytes(2, "little")
        ref = reference_messages(repaired)
        assert track.record_count == len(ref.records["timestamp"]) > 10_000
        ours = decode_messages(data)
        for name, column in ref.records.items():
            np.testing.assert_allclose(ours.records[name], column, rtol=1e-9, atol=1e-9, equal_nan=True, err_msg=name)
        return
    ours = decode_messages(data)
    try:
        track = decode_fit(data, name=path)
    except NotAnActivity as exc:  # a settings/workout/... file, or an activity file with nothing recorded
        view = fitdecode_view(data)
        assert view.timed_records == 0 and not (view.is_activity and view.starts), path
        assert exc.reason.startswith("skipped: FIT")
        assert "not an activity" in exc.reason or "nothing recorded" in exc.reason
        record_count = len(ours.records["timestamp"])
    else:
        assert not any("decoded with fitdecode" in w for w in track.warnings)
        record_count = track.record_count
    assert len(ours.records["timestamp"]) == count_records(data) == record_count
    ref = reference_messages(data, max_records=HEAD)
    n = len(ref.records["timestamp"])
    assert n == min(HEAD, record_count)
    for name, column in ref.records.items():
        np.testing.assert_allclose(ours.records[name][:n], column, rtol=1e-9, atol=1e-9, equal_nan=True, err_msg=name)
    if n < HEAD:
        assert ours.messages.keys() == ref.messages.keys()
        for glob, rows in ref.messages.items():
            assert len(ours.messages[glob]) == len(rows), glob
            for mine, theirs in zip(ours.messages[glob], rows, strict=True):
                assert mine.keys() == theirs.keys(), glob
                for key, value in theirs.items():
                    numeric = isinstance(value, int | float) and not isinstance(value, bool)
                    expected = pytest.approx(value, rel=1e-9, abs=1e-9) if numeric else value  # pytest ≥ 9.2: no str
                    assert mine[key] == expected, (glob, key)


@pytest.mark.corpus
def test_the_corpus_lists_fit_files_of_every_kind(corpus: Path) -> None:
    kinds = [_kind(expected) for _, expected in FILES]
    assert kinds.count("ok") > 150 and kinds.count("fail") >= 7 and kinds.count("lenient") == 1


# Activity files whose records have no time (pool swims logged as lengths; a session-only ride): summary-only.
SUMMARY_ONLY = [
    ("fit/Runalyze/swim-25m-lane.fit", "swim"),
    ("fit/GoldenCheetah/2012_02_05_09_03_59.fit", "ride"),
    ("fit/GoldenCheetah/20160517-063148-1-1328-ANTFS-4-0.FIT", "swim"),
    ("fit/GoldenCheetah/AleV_Swim_2015-02-09-16-15.fit", "swim"),
    ("fit/sports-lib/7617306288.fit", "swim"),
]


@pytest.mark.corpus
@pytest.mark.parametrize(("path", "sport"), SUMMARY_ONLY, ids=[p for p, _ in SUMMARY_ONLY])
def test_a_session_without_timed_records_becomes_a_summary_with_fitdecodes_session_totals(
    corpus: Path, path: str, sport: str
) -> None:
    data = _load(corpus, path)
    view = fitdecode_view(data)
    [session] = view.sessions
    assert view.timed_records == 0
    parsed = build_activity(decode_fit(data, name=path))
    summary = parsed.summary
    assert parsed.streams is None and any("no sample has a time" in w for w in parsed.warnings)
    assert summary.sport == sport
    assert summary.start == session["start_time"]
    assert summary.elapsed_s == pytest.approx(session["total_elapsed_time"], abs=1e-3)
    assert summary.moving_s == pytest.approx(session["total_timer_time"], abs=1e-3)
    assert summary.distance_m == (pytest.approx(session["total_distance"]) if "total_distance" in session else None)


@pytest.mark.corpus
def test_device_relative_records_are_anchored_by_the_timestamp_correlation(corpus: Path) -> None:
    path = "fit/gpsbabel/garmin-virb-ultra-30.fit"  # a VIRB camera: every time counts from power-on
    data = _load(corpus, path)
    view = fitdecode_view(data)
    [session], corr = view.sessions, view.correlation
    utc = corr["timestamp"]
    assert isinstance(utc, datetime) and isinstance(corr["system_timestamp"], int)
    expected_start = utc + timedelta(seconds=session["start_time"] - corr["system_timestamp"])  # type: ignore[operator]
    parsed = build_activity(decode_fit(data, name=path))
    assert parsed.streams is not None and parsed.streams.length > 200
    assert parsed.summary.start.astimezone(UTC) == expected_start
    assert parsed.summary.start.utcoffset() == corr["local_timestamp"] - utc  # type: ignore[operator]
    assert parsed.summary.distance_m == pytest.approx(session["total_distance"])
    assert any("timestamp correlation" in w for w in parsed.warnings)


@pytest.mark.corpus
def test_an_activity_file_without_a_session_or_timed_record_is_not_an_activity(corpus: Path) -> None:
    data = _load(corpus, "fit/python-fitparse/DeveloperData.fit")
    view = fitdecode_view(data)
    assert view.file_type == "activity" and view.timed_records == 0 and not view.starts
    with pytest.raises(NotAnActivity, match="no session, lap or activity gives a start"):
        decode_fit(data)
