"""The runner's original activity files, as calfcare keeps them: the bytes exactly as received (a file on disk, a
zip member, an upload), stored compressed. Pure: no I/O.

A file that arrived gzip-compressed (Strava's ``.fit.gz``, ``.gpx.gz``) is stored as it is (``identity``); any other
is gzipped here (``gzip``, level 6, no timestamp in the header, so the same bytes always store the same way and a
backup restores to the very same rows). A FIT file shrinks to about half, a GPX or TCX to a tenth or less.
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

Encoding = Literal["gzip", "identity"]
ENCODINGS: tuple[Encoding, ...] = ("gzip", "identity")
GZIP_MAGIC = b"\x1f\x8b"
LEVEL = 6
#: longest file name kept (the name column's width)
MAX_NAME = 255


@dataclass(frozen=True)
class OriginalFile:
    """One received file, ready to store: ``content_sha256`` is the hash of its expanded content (the import's
    dedup key, equal to the activity's own hash for a one-activity file); ``data`` is in ``encoding``."""

    name: str
    content_sha256: str
    size: int  # bytes as received
    encoding: Encoding
    data: bytes


def file_name(path: str) -> str:
    """The file's own name, without the folders (a zip member's or the runner's): no private paths are stored."""
    name = PurePosixPath(path.replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '/\\:*?"<>|')
    return name[-MAX_NAME:] or "activity"


def encode(raw: bytes) -> tuple[Encoding, bytes]:
    """How ``raw`` (the bytes as received) is stored."""
    if raw.startswith(GZIP_MAGIC):
        return "identity", raw
    return "gzip", gzip.compress(raw, compresslevel=LEVEL, mtime=0)


def decode(encoding: str, data: bytes) -> bytes:
    """The bytes as received; ValueError naming what is wrong (an unknown encoding, damaged data)."""
    if encoding == "identity":
        return bytes(data)
    if encoding == "gzip":
        try:
            return gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise ValueError(f"the stored gzip data is damaged ({exc})") from exc
    raise ValueError(f"unknown encoding {encoding!r} (expected one of {', '.join(ENCODINGS)})")


def keep(raw: bytes, *, path: str, content_sha256: str) -> OriginalFile:
    """The :class:`OriginalFile` of ``raw`` read from ``path`` (a file or a zip member)."""
    encoding, data = encode(raw)
    return OriginalFile(file_name(path), content_sha256, len(raw), encoding, data)
