"""What runs in a parse worker process: read one file, hash it, skip it if already stored, parse, pack
(one result per activity: a GPX or TCX file may hold several).

Every failure of one file becomes a :class:`Parsed` with status ``"error"`` (or ``"skipped"`` for a
well-formed file that holds no activity), so one bad file never stops the batch.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
import zlib
from collections.abc import Sequence

from calfcare.activities.activity import ActivitySummary, RawTrack
from calfcare.activities.formats import expand, parse_raw_all
from calfcare.activities.formats.xmlsafe import NotAnActivity
from calfcare.activities.importing.items import FileItem, Limits, Parsed
from calfcare.activities.originals import OriginalFile, keep
from calfcare.activities.streams import build_activity, with_fallbacks
from calfcare.activities.streams_codec import pack_streams
from calfcare.analytics.figures import activity_figures
from calfcare.errors import CorruptFile, TrainingFileError, UnsafeFile

NO_SAMPLES = "no recorded samples: not an activity (a settings, workout, weight or course file)"

_known: frozenset[str] = frozenset()
_limits = Limits()
_zips: dict[tuple[str, int, int], zipfile.ZipFile] = {}  # (path, mtime_ns, size) → open archive
_MAX_OPEN_ZIPS = 4


def init_worker(known: frozenset[str], limits: Limits) -> None:
    """Process-pool initializer: the content hashes already stored, and the size caps."""
    global _known, _limits
    _known, _limits = known, limits


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):g} MB"


def _archive(path: str) -> zipfile.ZipFile:
    """An open archive, kept for the next members (a zip is opened once per worker, not once per file)."""
    stat = os.stat(path)
    key = (path, stat.st_mtime_ns, stat.st_size)
    archive = _zips.get(key)
    if archive is None:
        if len(_zips) >= _MAX_OPEN_ZIPS:
            close_archives()
        archive = _zips[key] = zipfile.ZipFile(path)
    return archive


def close_archives() -> None:
    for archive in _zips.values():
        archive.close()
    _zips.clear()


def read_item(item: FileItem, limits: Limits) -> bytes:
    """The bytes of a file on disk or of a zip member, refusing more than ``limits.max_file_bytes``."""
    cap = limits.max_file_bytes
    if item.member is None:
        with open(item.path, "rb") as fh:
            data = fh.read(cap + 1)
    else:
        archive = _archive(item.path)
        try:
            with archive.open(item.member) as fh:
                data = fh.read(cap + 1)
        except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
            raise CorruptFile(f"broken zip member ({exc})") from exc
        except RuntimeError as exc:  # encrypted member
            raise CorruptFile(f"cannot read the zip member ({exc})") from exc
    if len(data) > cap:
        raise UnsafeFile(f"decompression bomb: expands beyond {_mb(cap)}" if item.member else f"larger than {_mb(cap)}")
    return data


def part_sha256(data: bytes, number: int) -> str:
    """The content hash of activity ``number`` (1-based) of a file holding several: the file's bytes and a
    part suffix, so a re-run recognises each stored part (the plain file hash is kept for one-activity files)."""
    return hashlib.sha256(data + f"#part{number}".encode()).hexdigest()


def part_label(label: str, number: int) -> str:
    """``run.gpx`` for the first activity of a file, ``run.gpx#2``, ``run.gpx#3`` … for the others."""
    return label if number == 1 else f"{label}#{number}"


def parse_item(item: FileItem, *, known: frozenset[str] = frozenset(), limits: Limits | None = None) -> Parsed:
    """The outcome of the file's first activity (see :func:`parse_item_all`)."""
    return parse_item_all(item, known=known, limits=limits)[0]


def parse_item_all(
    item: FileItem, *, known: frozenset[str] = frozenset(), limits: Limits | None = None
) -> list[Parsed]:
    """Read, hash (the expanded content, so ``x.fit`` and ``x.fit.gz`` are the same file), parse and pack.

    One :class:`Parsed` per activity of the file (GPX tracks / TCX activities more than 6 h apart are several):
    the first labelled as the file, the others ``label#2`` … with :func:`part_sha256` hashes. A one-activity
    file whose hash is in ``known`` is not parsed; the parts of a several-activity file are parsed each time
    and those already stored come back as ``"known"``."""
    limits = limits or _limits
    sha: str | None = None
    try:
        received = read_item(item, limits)
        data = expand(received, name=item.name, max_expanded_bytes=limits.max_file_bytes)
        sha = hashlib.sha256(data).hexdigest()
        if sha in known:
            return [Parsed(item.label, "known", content_sha256=sha)]
        raws = parse_raw_all(data, name=item.name)
    except Exception as exc:
        return [_failure(item.label, exc, sha)]
    original = keep(received, path=item.name, content_sha256=sha)
    if len(raws) == 1:
        return [_activity(item.label, raws[0], sha, item.fallback, original)]
    out: list[Parsed] = []
    for number, raw in enumerate(raws, start=1):
        label, part_sha = part_label(item.label, number), part_sha256(data, number)
        if part_sha in known:
            out.append(Parsed(label, "known", content_sha256=part_sha))
        else:  # Strava's fields describe one activity: they fill in the file's first only
            out.append(_activity(label, raw, part_sha, item.fallback if number == 1 else None, original))
    return out


def _activity(
    label: str, raw: RawTrack, sha: str, fallback: ActivitySummary | None, original: OriginalFile | None = None
) -> Parsed:
    """One parsed activity, built on the 1 Hz grid and packed (or the reason it is not imported)."""
    try:
        if raw.record_count == 0 and len(raw.time) == 0 and "start_epoch" not in raw.reported:
            return Parsed(label, "skipped", reason=NO_SAMPLES, content_sha256=sha)
        parsed = build_activity(raw)
        if fallback is not None:
            parsed = with_fallbacks(parsed, fallback)
        blob = pack_streams(parsed.streams) if parsed.streams is not None and parsed.streams.length else None
        return Parsed(
            label,
            "ok",
            content_sha256=sha,
            summary=parsed.summary,
            record_count=parsed.record_count,
            warnings=parsed.warnings,
            streams=blob,
            streams_length=parsed.streams.length if blob is not None and parsed.streams is not None else 0,
            figures=activity_figures(parsed.streams.channels) if blob is not None and parsed.streams else None,
            original=original,
        )
    except Exception as exc:
        return _failure(label, exc, sha)


def _failure(label: str, exc: Exception, sha: str | None) -> Parsed:
    """What a failure costs: this file (or this activity of it), never the batch."""
    if isinstance(exc, NotAnActivity):
        return Parsed(label, "skipped", reason=exc.reason.removeprefix("skipped: "), content_sha256=sha)
    if isinstance(exc, TrainingFileError):
        return Parsed(label, "error", reason=exc.reason, content_sha256=sha)
    if isinstance(exc, OSError):
        return Parsed(label, "error", reason=f"cannot be read: {exc.strerror or exc}")
    if isinstance(exc, MemoryError):
        return Parsed(label, "error", reason="too large to parse in memory", content_sha256=sha)
    return Parsed(label, "error", reason=f"could not be parsed ({type(exc).__name__}: {exc})")  # a parser bug


def parse_chunk(items: Sequence[FileItem]) -> list[Parsed]:
    """The unit of work sent to a worker process (several files per round trip keeps IPC cheap)."""
    return [parsed for item in items for parsed in parse_item_all(item, known=_known, limits=_limits)]
