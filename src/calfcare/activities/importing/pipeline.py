"""Run an import: parse files in worker processes while this process deduplicates and hands each activity
to a sink that stores it (one transaction per activity).

* Content already stored (sha256 of the expanded file) is skipped by the worker before parsing, so running
  the same import again after a crash or ``kill -9`` is fast and adds nothing twice.
* A file that holds several activities (GPX tracks / TCX activities more than 6 h apart) gives one result per
  activity, each written in its own transaction under its own hash (:func:`~.worker.part_sha256`) and reported
  as its own line: ``run.gpx`` for the first, ``run.gpx#2``, ``run.gpx#3`` … for the others.
* The same run from two sources is caught by :class:`RunIndex`: same runner, start within ±120 s, elapsed
  time and distance within 5 %. It looks at the stored activities and at this batch alike. The recording is
  kept over a Strava manual entry (summary only) of the same run, whichever comes first; two recordings are
  merged into the stored one, which keeps the best of each whatever the order (:mod:`.merge`).
* Results are handled in input order (a bounded window of chunks in flight), so reports are deterministic.
* Worker processes end with the import (:func:`_end_with_parent`): they ignore Ctrl-C (the parent stops them and
  keeps what was committed), die with their parent on Linux (``PR_SET_PDEATHSIG``) and, everywhere, exit within a
  second once the process that started them is gone (an orphan check), so a killed import leaves nothing running.
"""

from __future__ import annotations

import bisect
import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from typing import Protocol

from calfcare.activities.activity import ActivitySummary
from calfcare.activities.importing.items import (
    FileItem,
    ImportReport,
    Item,
    Limits,
    Outcome,
    Parsed,
    Refusal,
    StoredRun,
    SummaryItem,
)
from calfcare.activities.importing.worker import close_archives, init_worker, parse_chunk, parse_item_all
from calfcare.errors import StorageError

SAME_RUN_START_S = 120.0
SAME_RUN_TOLERANCE = 0.05
CHUNK = 8
INLINE_BELOW = 8  # fewer file items than this are parsed in-process (no pool start-up cost)


class ActivitySink(Protocol):
    """Where parsed activities go (the service implements it on the database)."""

    def write(self, parsed: Parsed, *, source_path: str, replaces: int | None = None) -> int | None:
        """Store one activity with its streams in one transaction; its id, or None when the content hash
        was stored meanwhile (another import). With ``replaces``, that stored activity is deleted in the same
        transaction (a summary-only entry giving way to a recording of the same run)."""
        ...

    def merge(self, into: int, parsed: Parsed) -> tuple[ActivitySummary, list[str]] | None:
        """Fold ``parsed`` (another file of the same run) into stored activity ``into``, keeping the best of each
        (:mod:`calfcare.activities.importing.merge`) in one transaction; the merged summary and what this file
        brought, or None when that activity is gone."""
        ...

    def keep_original(self, activity_id: int, parsed: Parsed) -> bool:
        """Keep ``parsed.original`` as the file of stored activity ``activity_id`` (one stored before calfcare kept
        original files); whether it was kept."""
        ...


@dataclass(frozen=True)
class ImportProgress:
    done: int
    total: int
    imported: int
    outcome: Outcome


ProgressFn = Callable[[ImportProgress], None]


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return True
    return abs(a - b) <= SAME_RUN_TOLERANCE * max(abs(a), abs(b))


def same_run(a: ActivitySummary, b: ActivitySummary) -> bool:
    """Start within ±120 s, elapsed time and distance within 5 % (a missing distance does not count)."""
    if abs((a.start - b.start).total_seconds()) > SAME_RUN_START_S:
        return False
    return _close(a.elapsed_s, b.elapsed_s) and _close(a.distance_m, b.distance_m)


class RunIndex:
    """Stored and newly written runs, by content hash and by start time."""

    def __init__(self, runs: Iterable[StoredRun] = ()) -> None:
        self._by_sha: dict[str, StoredRun] = {}
        self._starts: list[float] = []
        self._runs: list[StoredRun] = []
        for run in runs:
            self.add(run)

    def add(self, run: StoredRun) -> None:
        self._by_sha[run.content_sha256] = run
        key = run.summary.start.timestamp()
        pos = bisect.bisect_right(self._starts, key)
        self._starts.insert(pos, key)
        self._runs.insert(pos, run)

    @property
    def hashes(self) -> frozenset[str]:
        """The content hashes a worker may skip before parsing: all but those of files stored cut short, and of
        activities stored without their original file (parsed again, so the file is kept this time)."""
        return frozenset(sha for sha, run in self._by_sha.items() if not run.cut_short and run.has_original)

    def remove(self, run: StoredRun) -> None:
        pos = self._runs.index(run)
        del self._runs[pos], self._starts[pos]
        if self._by_sha.get(run.content_sha256) is run:
            del self._by_sha[run.content_sha256]

    def by_content(self, sha: str) -> StoredRun | None:
        return self._by_sha.get(sha)

    def same_run(self, summary: ActivitySummary) -> StoredRun | None:
        key = summary.start.timestamp()
        lo = bisect.bisect_left(self._starts, key - SAME_RUN_START_S)
        hi = bisect.bisect_right(self._starts, key + SAME_RUN_START_S)
        twins = [run for run in self._runs[lo:hi] if same_run(summary, run.summary)]
        recorded = [run for run in twins if not _summary_only(run)]  # a recording, when there is one
        best = recorded or twins
        return best[0] if best else None


def _where(run: StoredRun) -> str:
    return run.source_path or f"activity {run.id}"


class _Writer:
    """Turns parsed results into outcomes: dedup against the index, then write through the sink."""

    def __init__(self, sink: ActivitySink, index: RunIndex, kept_files: Mapping[str, int] | None = None) -> None:
        self.sink, self.index = sink, index
        self.kept_files = dict(kept_files or {})

    def handle(self, parsed: Parsed) -> Outcome:
        if parsed.status in ("skipped", "error"):
            return Outcome(parsed.label, parsed.status, parsed.reason)
        sha = parsed.content_sha256 or ""
        earlier = self.index.by_content(sha)
        if earlier is not None:
            why = f"same content as {_where(earlier)} (already imported)"
            if not earlier.has_original and parsed.original is not None:
                why += self._keep_original(earlier, parsed)
            return Outcome(parsed.label, "duplicate", why, earlier.id, parsed.summary or earlier.summary)
        if parsed.status == "known" or parsed.summary is None:  # stored by another import meanwhile
            return Outcome(parsed.label, "duplicate", "same content is already imported")
        into = self.kept_files.get(sha)
        if into is not None:  # a second recording of a run, kept and merged into the first by an earlier import
            why = f"same content as a file already imported and merged into activity {into}"
            return Outcome(parsed.label, "duplicate", why, into, parsed.summary)
        summary = parsed.summary
        twin = self.index.same_run(summary)
        warnings = parsed.warnings
        if twin is not None:
            gap = abs((summary.start - twin.summary.start).total_seconds())
            if not _summary_only(twin) or parsed.streams is None:
                why = f"same run as {_where(twin)} (starts {gap:.0f} s apart, same duration and distance within 5 %)"
                merge = getattr(self.sink, "merge", None)
                try:
                    merged = merge(twin.id, parsed) if merge is not None else None
                except StorageError as exc:
                    return Outcome(parsed.label, "error", f"{why}; could not merge it: {exc}")
                if merged is not None:  # one activity, the best of both, whichever file came first
                    new_summary, brought = merged
                    self.index.remove(twin)
                    self.index.add(replace(twin, summary=new_summary))
                    if brought:
                        why += "; merged into it: " + ", ".join(brought)
                return Outcome(parsed.label, "duplicate", why, twin.id, summary)
            # A recording of a run stored only as a Strava manual entry: keep the recording (its streams feed the
            # analyses), in place of the entry.
            warnings += (f"replaces {_where(twin)}, a summary-only Strava entry of the same run",)
        replaces = twin.id if twin is not None else None
        try:
            new_id = self.sink.write(parsed, source_path=parsed.label, replaces=replaces)
        except StorageError as exc:  # this activity was not written (its transaction rolled back); go on
            return Outcome(parsed.label, "error", str(exc))
        if new_id is None:
            return Outcome(parsed.label, "duplicate", "same content is already imported", None, summary)
        if twin is not None:
            self.index.remove(twin)
        self.index.add(StoredRun(new_id, sha, parsed.label, summary))
        return Outcome(parsed.label, "imported", None, new_id, summary, warnings, parsed.record_count)

    def _keep_original(self, earlier: StoredRun, parsed: Parsed) -> str:
        """Keep the file of an activity stored without it; what to add to the report line."""
        keep = getattr(self.sink, "keep_original", None)
        try:
            kept = keep(earlier.id, parsed) if keep is not None else False
        except StorageError as exc:
            return f"; its original file could not be kept: {exc}"
        if not kept:
            return ""
        self.index.remove(earlier)
        self.index.add(replace(earlier, has_original=True))
        return "; its original file is now kept"


def _summary_only(run: StoredRun) -> bool:
    """A Strava manual entry (no file, no streams)."""
    return run.summary.source_format == "strava_csv"


def _summary_parsed(item: SummaryItem) -> Parsed:
    act = item.activity
    return Parsed(item.label, "ok", content_sha256=item.content_sha256, summary=act.summary, warnings=act.warnings)


def _chunks(items: Sequence[FileItem], size: int) -> list[list[FileItem]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def start_method() -> str:
    """``fork`` (instant: workers inherit the loaded modules) when this is Linux and the process runs no other
    thread, else ``forkserver`` (a clean single-threaded server forks the workers) or ``spawn``."""
    methods = multiprocessing.get_all_start_methods()
    if sys.platform.startswith("linux") and threading.active_count() == 1 and "fork" in methods:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
ORPHAN_CHECK_S = 0.5


def _end_with_parent(parent: int, forked: bool) -> None:
    """In a worker: leave Ctrl-C to the parent, die with it (Linux: the kernel sends SIGKILL when the process that
    forked us ends), and check every half second that it is still there (any OS, and the forkserver case)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C, and stops us
    for signum in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if signum is not None:
            signal.signal(signum, signal.SIG_DFL)  # not the CLI's handler, inherited through fork
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):  # no libc prctl: the orphan check below still works
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    creator = os.getppid()
    if forked and creator != parent:  # the parent died before prctl took effect
        os._exit(1)
    threading.Thread(target=_orphan_check, args=(creator,), name="calfcare-orphan-check", daemon=True).start()


def _orphan_check(creator: int) -> None:
    while os.getppid() == creator:
        time.sleep(ORPHAN_CHECK_S)
    os._exit(1)  # our parent is gone: nobody will read what we parse


def _worker_start(parent: int, forked: bool, known: frozenset[str], limits: Limits) -> None:
    """The pool's initializer: the process lifecycle first, then the parse state."""
    _end_with_parent(parent, forked)
    init_worker(known, limits)


def _pool(workers: int, known: frozenset[str], limits: Limits) -> ProcessPoolExecutor:
    method = start_method()
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(["calfcare.activities.importing.worker"])
    initargs = (os.getpid(), method == "fork", known, limits)
    return ProcessPoolExecutor(workers, mp_context=ctx, initializer=_worker_start, initargs=initargs)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """End the workers now (Ctrl-C, a signal, the caller gone): their unfinished chunks are not wanted."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # the executor keeps no public handle
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=2)


def _parse_parallel(
    files: Sequence[FileItem], *, workers: int, known: frozenset[str], limits: Limits
) -> Iterable[Parsed]:
    """Parsed results in input order. If a worker process dies (a crash in native code), the chunk it was
    on is reported as errors and the rest is parsed in this process: it costs files, never the batch."""
    chunks = deque(_chunks(files, CHUNK))
    window = max(2, 3 * workers)
    pending: deque[tuple[list[FileItem], Future[list[Parsed]]]] = deque()
    current: list[FileItem] = []
    pool = _pool(workers, known, limits)
    try:
        while chunks or pending:
            while chunks and len(pending) < window:
                pending.append((chunks[0], pool.submit(parse_chunk, chunks[0])))
                chunks.popleft()
            current, future = pending.popleft()
            results = future.result()
            current = []
            yield from results
    except BrokenProcessPool:
        yield from (Parsed(i.label, "error", reason="the parser process crashed on this file") for i in current)
        rest = [item for c, _f in pending for item in c] + [item for c in chunks for item in c]
        yield from (parsed for item in rest for parsed in parse_item_all(item, known=known, limits=limits))
    except BaseException:  # Ctrl-C, a signal, or the consumer stopped early (GeneratorExit)
        _stop_workers(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def run_import(
    items: Sequence[Item],
    *,
    sink: ActivitySink,
    stored: Iterable[StoredRun] = (),
    kept_files: Mapping[str, int] | None = None,
    limits: Limits | None = None,
    workers: int | None = None,
    progress: ProgressFn | None = None,
) -> ImportReport:
    """Import ``items`` (from :func:`calfcare.activities.importing.sources.walk`) through ``sink``. ``stored``: the
    activities already stored; ``kept_files``: the original files already kept (content hash → an activity of it)."""
    started = time.perf_counter()
    limits = limits or Limits()
    workers = workers or min(2, os.cpu_count() or 1)
    index = RunIndex(stored)
    writer = _Writer(sink, index, kept_files or {})
    report = ImportReport()
    imported = 0
    total = len(items)

    def emit(outcome: Outcome) -> None:
        nonlocal imported, total
        report.outcomes.append(outcome)
        imported += outcome.status == "imported"
        total = max(total, len(report.outcomes))  # a file of several activities adds lines as they come
        if progress is not None:
            progress(ImportProgress(len(report.outcomes), total, imported, outcome))

    files = [i for i in items if isinstance(i, FileItem)]
    for item in items:
        if isinstance(item, Refusal):
            emit(Outcome(item.label, item.status, item.reason))
        elif isinstance(item, SummaryItem):
            emit(writer.handle(_summary_parsed(item)))
    known = index.hashes
    if workers > 1 and len(files) >= INLINE_BELOW:
        results: Iterable[Parsed] = _parse_parallel(files, workers=workers, known=known, limits=limits)
    else:
        results = (parsed for f in files for parsed in parse_item_all(f, known=known, limits=limits))
    try:
        for parsed in results:
            emit(writer.handle(parsed))
    finally:
        close = getattr(results, "close", None)
        if close is not None:  # interrupted while writing: the workers stop too
            close()
        close_archives()
    report.elapsed_s = time.perf_counter() - started
    return report
