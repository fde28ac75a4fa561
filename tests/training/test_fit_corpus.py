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
import os
import re
from pathlib import Path

import numpy as np
import pytest

from calfcare.errors import CorruptFile, TrainingFileError, UnsupportedFormat
from calfcare.training.formats import fit_profile as fp
from calfcare.training.formats.fit import decode_fit
from calfcare.training.formats.fit_decode import decode_messages
from calfcare.training.formats.fit_reference import reference_messages

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
    track = decode_fit(data, name=path)
    if kind == "lenient":  # nick.fit: compare with fitdecode on the same file repaired (cut + CRC added)
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
    assert not any("decoded with fitdecode" in w for w in track.warnings)
    ours = decode_messages(data)
    assert len(ours.records["timestamp"]) == count_records(data) == track.record_count
    ref = reference_messages(data, max_records=HEAD)
    n = len(ref.records["timestamp"])
    assert n == min(HEAD, track.record_count)
    for name, column in ref.records.items():
        np.testing.assert_allclose(ours.records[name][:n], column, rtol=1e-9, atol=1e-9, equal_nan=True, err_msg=name)
    if n < HEAD:
        assert ours.messages.keys() == ref.messages.keys()
        for glob, rows in ref.messages.items():
            assert len(ours.messages[glob]) == len(rows), glob
            for mine, theirs in zip(ours.messages[glob], rows, strict=True):
                assert mine.keys() == theirs.keys(), glob
                for key, value in theirs.items():
                    assert mine[key] == pytest.approx(value, rel=1e-9, abs=1e-9), (glob, key)


@pytest.mark.corpus
def test_the_corpus_lists_fit_files_of_every_kind(corpus: Path) -> None:
    kinds = [_kind(expected) for _, expected in FILES]
    assert kinds.count("ok") > 150 and kinds.count("fail") >= 7 and kinds.count("lenient") == 1
