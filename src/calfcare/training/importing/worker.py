"""What runs in a parse worker process: read one file, hash it, skip it if already stored, parse, pack.

Every failure of one file becomes a :class:`Parsed` with status ``"error"`` (or ``"skipped"`` for a
well-formed file that holds no activity), so one bad file never stops the batch.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
import zlib
from collections.abc import Sequence

from calfcare.errors import CorruptFile, TrainingFileError, UnsafeFile
from calfcare.store.streams_codec import pack_streams
from calfcare.training.formats import expand, parse_raw
from calfcare.training.formats.xmlsafe import NotAnActivity
from calfcare.training.importing.items import FileItem, Limits, Parsed
from calfcare.training.streams import build_activity, with_fallbacks

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


def parse_item(item: FileItem, *, known: frozenset[str] = frozenset(), limits: Limits | None = None) -> Parsed:
    """Read, hash (the expanded content, so ``x.fit`` and ``x.fit.gz`` are the same file), parse and pack."""
    limits = limits or _limits
    sha: str | None = None
    try:
        data = expand(read_item(item, limits), name=item.name, max_expanded_bytes=limits.max_file_bytes)
        sha = hashlib.sha256(data).hexdigest()
        if sha in known:
            return Parsed(item.label, "known", content_sha256=sha)
        raw = parse_raw(data, name=item.name)
        if raw.record_count == 0 and len(raw.time) == 0 and "start_epoch" not in raw.reported:
            return Parsed(item.label, "skipped", reason=NO_SAMPLES, content_sha256=sha)
        parsed = build_activity(raw)
        if item.fallback is not None:
            parsed = with_fallbacks(parsed, item.fallback)
        blob = pack_streams(parsed.streams) if parsed.streams is not None and parsed.streams.length else None
        return Parsed(
            item.label,
            "ok",
            content_sha256=sha,
            summary=parsed.summary,
            record_count=parsed.record_count,
            warnings=parsed.warnings,
            streams=blob,
            streams_length=parsed.streams.length if blob is not None and parsed.streams is not None else 0,
        )
    except NotAnActivity as exc:
        reason = exc.reason.removeprefix("skipped: ")
        return Parsed(item.label, "skipped", reason=reason, content_sha256=sha)
    except TrainingFileError as exc:
        return Parsed(item.label, "error", reason=exc.reason, content_sha256=sha)
    except OSError as exc:
        return Parsed(item.label, "error", reason=f"cannot be read: {exc.strerror or exc}")
    except MemoryError:
        return Parsed(item.label, "error", reason="too large to parse in memory", content_sha256=sha)
    except Exception as exc:  # a parser bug must cost one file, never the batch
        return Parsed(item.label, "error", reason=f"could not be parsed ({type(exc).__name__}: {exc})")


def parse_chunk(items: Sequence[FileItem]) -> list[Parsed]:
    """The unit of work sent to a worker process (several files per round trip keeps IPC cheap)."""
    return [parse_item(item, known=_known, limits=_limits) for item in items]
