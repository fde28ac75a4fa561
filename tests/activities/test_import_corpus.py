"""Conformance on real files: the whole shared corpus goes through ONE ``import_paths`` call, and every file is
checked against MANIFEST.tsv (and, for summaries, against reference parsers: fitdecode for FIT, plain lxml
for GPX/TCX). Skipped when ../shared/corpus is absent.

Expectations read from the MANIFEST ``expected`` column:

* ``OK…``, ``LENIENT``, ``MALFORMED``, ``HISTORICAL``, ``REAL …``: imported, or a duplicate (the corpus holds
  byte-identical copies and the same run in several formats). A well-formed file that holds no activity
  (a FIT settings/workout/weight file, a GPX route, a TCX course) may be skipped, with the reason; so may a FIT
  activity file with neither a timed record nor a session or lap start (fitdecode must agree). One with a
  session but no timed record (a pool swim logged as lengths) must be imported, summary only.
* ``FAIL…`` and ``CORRUPT…``: an error with a reason.
* ``ORACLE``: skipped (a CSV of expected values, not an activity).
* Anything else (EDGE, QUIRK, POLICY-FAIL, HAND-WRITTEN, multi-session notes): any status, with a reason
  when not imported — what matters is that the run never crashes.
"""

from __future__ import annotations

import csv
import math
import os
import re
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree

from calfcare.activities.importing import ImportReport, Outcome
from calfcare.services.importing import import_paths
from calfcare.store import open_database

pytestmark = pytest.mark.corpus

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("CALFCARE_SHARED", ROOT.parent / "shared")) / "corpus"
FIT_REFERENCE_MAX_BYTES = 200_000  # fitdecode is slow: ~1 s per MB; larger files are checked by status only
NOT_AN_ACTIVITY_TYPES = ("type=settings", "type=weight", "type=workout", "type=monitoring", "type=course", "type=8")


@dataclass(frozen=True)
class Entry:
    path: str
    device: str
    expected: str


@dataclass(frozen=True)
class CorpusRun:
    root: Path
    entries: list[Entry]
    report: ImportReport

    def outcomes_of(self, entry: Entry) -> list[Outcome]:
        """The outcomes for one manifest file (a zip or a Strava CSV has several)."""
        full = str(self.root / entry.path)
        return [o for o in self.report.outcomes if o.path == full or o.path.startswith((full + "!", full + "#"))]


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory: pytest.TempPathFactory) -> CorpusRun:
    if not (CORPUS / "MANIFEST.tsv").is_file():
        pytest.skip(f"the shared corpus is not at {CORPUS}")
    with open(CORPUS / "MANIFEST.tsv", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    entries = [Entry(r["path"], r["device_or_creator"] or "", r["expected"] or "") for r in rows]
    db = open_database(f"sqlite:///{tmp_path_factory.mktemp('corpus') / 'corpus.db'}")
    try:
        report = import_paths(db=db, runner="corpus", paths=[CORPUS])
    finally:
        db.dispose()
    return CorpusRun(CORPUS, entries, report)


def _kind(entry: Entry) -> str:
    word = entry.expected.split(":")[0].split()[0] if entry.expected else "OK"
    if word.startswith(("FAIL", "CORRUPT")):
        return "fail"
    if word == "ORACLE":
        return "oracle"
    if word.startswith("OK") or word in ("LENIENT", "MALFORMED", "HISTORICAL", "REAL"):
        return "ok"
    return "any"


def _may_be_skipped(entry: Entry) -> bool:
    if entry.path.startswith("fit/"):
        return any(t in entry.device for t in NOT_AN_ACTIVITY_TYPES) or "type=None" in entry.device
    return True  # GPX routes and TCX courses are well-formed files without an activity


def _nothing_recorded(path: Path, outcome: Outcome) -> bool:
    """A FIT activity file skipped as "nothing recorded": fitdecode must find neither a timed record nor a
    session or lap with a start time (a file with a session is imported, summary only)."""
    if "nothing recorded" not in (outcome.error or "") or not path.name.lower().endswith(".fit"):
        return False
    import fitdecode

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with fitdecode.FitReader(str(path), check_crc=fitdecode.CrcCheck.DISABLED) as reader:
            for frame in reader:
                if frame.frame_type != fitdecode.FIT_FRAME_DATA:
                    continue
                if frame.name == "record" and frame.get_value("timestamp", fallback=None) is not None:
                    return False
                if frame.name in ("session", "lap") and frame.get_value("start_time", fallback=None) is not None:
                    return False
    return True


def test_every_manifest_file_has_an_outcome_and_nothing_else_appears(corpus_run: CorpusRun) -> None:
    missing = [e.path for e in corpus_run.entries if not corpus_run.outcomes_of(e)]
    assert missing == []
    listed = {str(corpus_run.root / e.path) for e in corpus_run.entries}
    extra = {o.path for o in corpus_run.report.outcomes if o.path.split("!")[0].split("#")[0] not in listed}
    assert extra <= {str(corpus_run.root / n) for n in ("MANIFEST.tsv", "SOURCES.md")}


def test_valid_files_are_imported_or_duplicates(corpus_run: CorpusRun) -> None:
    wrong = []
    for entry in corpus_run.entries:
        if _kind(entry) != "ok":
            continue
        for o in corpus_run.outcomes_of(entry):
            allowed = {"imported", "duplicate"}
            path = corpus_run.root / entry.path
            skippable = _may_be_skipped(entry) or _nothing_recorded(path, o)
            if skippable or "__MACOSX" in o.path or o.path.endswith(".csv"):
                allowed.add("skipped")
            if o.error and re.search(r"before 1990|in the future|lasts 0 s|is impossible for", o.error):
                allowed.add("error")  # refused on purpose (docs/formats.md: implausible recordings)
            if o.status not in allowed:
                wrong.append(f"{entry.path}: {o.status} ({o.error})")
    assert wrong == []


def test_files_marked_to_fail_are_errors_with_a_reason(corpus_run: CorpusRun) -> None:
    for entry in corpus_run.entries:
        if _kind(entry) == "fail":
            [o] = corpus_run.outcomes_of(entry)
            assert o.status == "error" and o.error, entry.path


def test_oracle_csvs_are_skipped_and_every_file_not_imported_says_why(corpus_run: CorpusRun) -> None:
    for entry in corpus_run.entries:
        if _kind(entry) == "oracle":
            assert [o.status for o in corpus_run.outcomes_of(entry)] == ["skipped"]
    assert all(o.error for o in corpus_run.report.not_imported)
    assert not [o for o in corpus_run.report.outcomes if o.error and "could not be parsed" in o.error]


def test_quirky_files_are_imported_leniently_and_say_so(corpus_run: CorpusRun) -> None:
    [polar] = [o for o in corpus_run.report.outcomes if o.path.endswith("sports-lib/6281425038.tcx")]
    assert polar.status in ("imported", "duplicate")
    if polar.status == "imported":
        assert any("whitespace" in w for w in polar.warnings)
    [course] = [o for o in corpus_run.report.outcomes if o.path.endswith("togeojson/tcx-courses.tcx")]
    assert course.status == "skipped" and "course" in (course.error or "")


def test_strava_csvs_without_their_folders_keep_manual_entries_and_name_the_missing_files(
    corpus_run: CorpusRun,
) -> None:
    for entry in corpus_run.entries:
        if not entry.path.startswith("strava/"):
            continue
        outcomes = corpus_run.outcomes_of(entry)
        [csv_line] = [o for o in outcomes if "#" not in o.path]
        assert csv_line.status == "skipped" and "have no file in this export" in (csv_line.error or "")
        assert all(o.status in ("imported", "duplicate") and o.activity for o in outcomes if "#" in o.path)


def _fit_reference(path: Path) -> tuple[int, list[tuple[float | None, float | None, object]]]:
    """fitdecode: the number of record messages and each session's (total_elapsed_time, total_distance,
    start_time)."""
    import fitdecode

    records, sessions = 0, []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with fitdecode.FitReader(str(path), check_crc=fitdecode.CrcCheck.DISABLED) as reader:
            for frame in reader:
                if frame.frame_type != fitdecode.FIT_FRAME_DATA:
                    continue
                if frame.name == "record":
                    records += 1
                elif frame.name == "session":
                    get = frame.get_value
                    elapsed = get("total_elapsed_time", fallback=None)
                    distance = get("total_distance", fallback=None)
                    sessions.append((elapsed, distance, get("start_time", fallback=None)))
    return records, sessions


def test_fit_summaries_agree_with_fitdecode_session_totals(corpus_run: CorpusRun) -> None:
    checked = summaries = starts = 0
    for entry in corpus_run.entries:
        path = corpus_run.root / entry.path
        if not entry.path.lower().endswith(".fit") or path.stat().st_size > FIT_REFERENCE_MAX_BYTES:
            continue
        [o] = corpus_run.outcomes_of(entry)
        if o.status != "imported" or o.activity is None:
            continue
        records, sessions = _fit_reference(path)
        if len(sessions) != 1:
            continue
        elapsed, distance, start = sessions[0]
        assert o.record_count == records, entry.path
        if any("summary only" in w for w in o.warnings):  # no timed record: the session is the activity
            assert o.activity.start == start, entry.path
            summaries += 1
        elif isinstance(start, datetime) and not any(
            cut in w for w in o.warnings for cut in ("was split", "longest stretch")
        ):
            # the session's start, not the first record's (pool swims record their first length minutes later)
            assert abs((o.activity.start - start).total_seconds()) <= 1.0, entry.path
            starts += 1
        if elapsed:
            assert o.activity.elapsed_s == pytest.approx(elapsed, abs=1.0), entry.path
        if distance and o.activity.distance_m is not None:
            assert o.activity.distance_m == pytest.approx(distance, rel=0.01), entry.path
        checked += 1
    assert checked >= 20
    assert summaries >= 5  # the pool swims and the session-only ride of the corpus
    assert starts >= 20


SESSION_GAP_S = 6 * 3600


def _xml_points(path: Path) -> list[tuple[int, float]]:
    """Plain lxml: per activity, the track points and the seconds between the first and the last timed one.
    An activity is a run of ``<trk>`` / ``<Activity>`` elements each within 6 h of the ones before it."""
    from datetime import datetime

    data = path.read_bytes().lstrip()
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    gpx = etree.QName(root).localname == "gpx"
    point_tag, time_tag = ("{*}trkpt", "{*}time") if gpx else ("{*}Trackpoint", "{*}Time")
    parts: list[tuple[int, float]] = []
    count, lo, hi = 0, math.inf, -math.inf
    for element in root.iter("{*}trk" if gpx else "{*}Activity"):
        points = list(element.iter(point_tag))
        found = [point.find(time_tag) for point in points]
        times = [
            datetime.fromisoformat(f.text.strip().replace("Z", "+00:00")).timestamp()
            for f in found
            if f is not None and f.text
        ]
        if times and hi > -math.inf and (min(times) - hi > SESSION_GAP_S or lo - max(times) > SESSION_GAP_S):
            parts.append((count, hi - lo))
            count, lo, hi = 0, math.inf, -math.inf
        count += len(points)
        if times:
            lo, hi = min(lo, *times), max(hi, *times)
    parts.append((count, (hi - lo) if hi > -math.inf else math.nan))
    return parts


def test_gpx_and_tcx_summaries_agree_with_a_plain_xml_reading(corpus_run: CorpusRun) -> None:
    checked = several = 0
    for entry in corpus_run.entries:
        if not entry.path.startswith(("gpx/", "tcx/")):
            continue
        outcomes = corpus_run.outcomes_of(entry)
        if any(o.status != "imported" or o.activity is None for o in outcomes):
            continue
        try:
            parts = _xml_points(corpus_run.root / entry.path)
        except (etree.XMLSyntaxError, ValueError):
            continue  # the reference reading cannot cope (UTF-16, odd time formats): status is checked above
        assert len(outcomes) == len(parts), entry.path
        for o, (count, span) in zip(outcomes, parts, strict=True):
            assert o.activity is not None
            if any("the laps' time is kept" in w for w in o.warnings):  # a few points in long laps (test_tcx.py)
                assert o.activity.elapsed_s > 2 * span, o.path
            else:
                assert o.activity.elapsed_s == pytest.approx(span, abs=1.0), o.path
            assert o.record_count == count, o.path
            checked += count > 0
        several += len(parts) > 1
    assert several >= 4  # blue_hills, multitrackgpx, osm, Multiple-Trainings, the GoldenCheetah multi-session
    assert checked >= 30
