"""Activity file formats: FIT, GPX, TCX (each optionally gzipped) and Strava's ``activities.csv``.

The dispatcher (:func:`detect_format`, :func:`expand`, :func:`parse_bytes`, :func:`parse_raw_all`) decides what a
file is from its content AND its name, and refuses what does not add up:

* The content decides the format: a FIT header carries ``.FIT`` at bytes 8-12; GPX and TCX are XML whose
  root element is ``gpx`` / ``TrainingCenterDatabase`` (after an optional byte-order mark, whitespace, the
  XML declaration and comments; UTF-16 files are recognised too).
* The name must agree. A GPX file named ``.fit`` is refused (:class:`UnsupportedFormat`, "wrong extension:
  … rename it to .gpx") rather than silently read: an import should never guess on the user's behalf, and
  a mismatch often means a broken export or a renamed file of another kind. Gzip must be named ``.gz``
  and a ``.gz`` must really be gzip.
* Content that is none of the three is "unknown format"; an empty file is :class:`CorruptFile` ("empty file").
* ``.gz`` files are expanded with a cap (default 200 MB): past it the file is refused as a decompression
  bomb (:class:`UnsafeFile`).
"""

from __future__ import annotations

import re
import zlib
from typing import Literal

from calfcare.activities.activity import ParsedActivity, RawTrack
from calfcare.errors import CorruptFile, UnsafeFile, UnsupportedFormat

FileFormat = Literal["fit", "gpx", "tcx"]
FORMATS: tuple[FileFormat, ...] = ("fit", "gpx", "tcx")
MAX_EXPANDED_BYTES = 200 * 1024 * 1024
DETECT_HEAD_BYTES = 64 * 1024

_GZIP_MAGIC = b"\x1f\x8b"
_XML_ROOTS: dict[str, FileFormat] = {"gpx": "gpx", "trainingcenterdatabase": "tcx"}
# The first element start tag: "<" then a name start character (so not "<?", "<!").
_ROOT_TAG = re.compile(r"<(?:[A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
# Archives where an activity file was expected (a zip renamed or gzipped, a .gz gzipped twice): say what they are.
_CONTAINERS = (
    (b"PK\x03\x04", "a zip archive, not an activity file: name it .zip and import that"),
    (_GZIP_MAGIC, "gzip-compressed twice: gunzip it once and import the result"),
)


def split_name(name: str) -> tuple[str, bool]:
    """``"a/b/Run.FIT.gz"`` → (``"fit"``, True): the activity extension (lower case, "" if none) and gzip."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].lower()
    gz = base.endswith(".gz")
    if gz:
        base = base[:-3]
    ext = base.rsplit(".", 1)[1] if "." in base else ""
    return ext, gz


def _xml_text(head: bytes) -> str | None:
    """The head of a file as text when it looks like XML (BOM, UTF-16 and leading whitespace allowed)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="ignore")
    elif len(head) > 3 and (head[1] == 0 and head[3] == 0):
        text = head.decode("utf-16-le", errors="ignore")
    elif len(head) > 3 and (head[0] == 0 and head[2] == 0):
        text = head.decode("utf-16-be", errors="ignore")
    else:
        text = head.decode("utf-8", errors="ignore")
    text = text.lstrip("\ufeff \t\r\n")
    return text if text.startswith("<") else None


def _content_format(head: bytes) -> FileFormat | None:
    if len(head) >= 12 and head[8:12] == b".FIT":
        return "fit"
    text = _xml_text(head)
    if text is None:
        return None
    if "<!ENTITY" in text:
        raise UnsafeFile("XML entity declarations are not allowed (possible XML bomb / external entity)")
    match = _ROOT_TAG.search(_COMMENT.sub("", text))
    return _XML_ROOTS.get(match.group(1).lower()) if match else None


def _xml_error(ext: str, head: bytes) -> None:
    """A file named .gpx / .tcx that looks like XML but whose root was not found: parse it to say at which line
    it goes wrong (raises :class:`CorruptFile`), or which root element it has instead."""
    from lxml import etree

    from calfcare.activities.formats.xmlsafe import local_name, parse_xml

    root = parse_xml(head, ext.upper(), [])  # raises CorruptFile naming the line when the XML is broken
    expected = "gpx" if ext == "gpx" else "TrainingCenterDatabase"
    line = root.sourceline if isinstance(root, etree._Element) and root.sourceline else 1
    raise UnsupportedFormat(
        f"unknown format: named .{ext} but the content is not {ext.upper()} (the root element at line {line} is "
        f"<{local_name(root.tag)}>, not <{expected}>)"
    )


def detect_format(name: str, head: bytes) -> FileFormat:
    """The format of a file from its (already expanded) first bytes and its name; refuses mismatches.

    Raises :class:`UnsupportedFormat` for a wrong extension or unknown content, :class:`CorruptFile` for an
    empty or truncated FIT header, :class:`UnsafeFile` for XML that declares entities.
    """
    ext, _gz = split_name(name)
    if not head:
        raise CorruptFile("empty file")
    content = _content_format(head)
    if content is None:
        for magic, what in _CONTAINERS:
            if head.startswith(magic):
                raise UnsupportedFormat(f"unknown format: the content is {what}")
        if ext == "fit" and len(head) < 12:
            raise CorruptFile(f"truncated FIT file: {len(head)} bytes, shorter than the 12-byte header")
        if ext in ("gpx", "tcx") and _xml_text(head) is not None:
            _xml_error(ext, head)
        if ext in FORMATS:
            raise UnsupportedFormat(f"unknown format: named .{ext} but the content is not {ext.upper()}")
        raise UnsupportedFormat("unknown format: not a FIT, GPX or TCX file")
    if ext != content:
        named = f"named .{ext}" if ext else "has no extension"
        raise UnsupportedFormat(
            f"wrong extension: {named} but the content is {content.upper()}; rename it to .{content} to import it"
        )
    return content


def expand(data: bytes, *, name: str, max_expanded_bytes: int = MAX_EXPANDED_BYTES) -> bytes:
    """The file's bytes, gunzipped when it is named ``.gz`` (refusing more than ``max_expanded_bytes``)."""
    _ext, gz = split_name(name)
    is_gzip = data.startswith(_GZIP_MAGIC)
    if not data:
        raise CorruptFile("empty file")
    if not gz:
        if is_gzip:
            raise UnsupportedFormat("wrong extension: the content is gzip-compressed but the name does not end in .gz")
        return data
    if not is_gzip:
        raise CorruptFile("named .gz but not gzip-compressed")
    inflater = zlib.decompressobj(wbits=31)
    try:
        out = inflater.decompress(data, max_expanded_bytes + 1)
    except zlib.error as exc:
        raise CorruptFile(f"broken gzip data ({exc})") from exc
    if len(out) > max_expanded_bytes:
        mb = max_expanded_bytes / (1024 * 1024)
        raise UnsafeFile(f"decompression bomb: expands beyond {mb:g} MB")
    if not inflater.eof:
        raise CorruptFile("truncated gzip file")
    if not out:
        raise CorruptFile("empty file (after gunzip)")
    return out


def parse_raw(data: bytes, *, name: str) -> RawTrack:
    """Expanded bytes → :class:`RawTrack`, by content and name (see :func:`detect_format`)."""
    fmt = detect_format(name, data[:DETECT_HEAD_BYTES])
    if fmt == "fit":
        from calfcare.activities.formats.fit import decode_fit

        return decode_fit(data, name=name)
    if fmt == "gpx":
        from calfcare.activities.formats.gpx import parse_gpx

        return parse_gpx(data, name=name)
    from calfcare.activities.formats.tcx import parse_tcx

    return parse_tcx(data, name=name)


def parse_raw_all(data: bytes, *, name: str) -> list[RawTrack]:
    """Expanded bytes → every activity the file holds, in file order: GPX tracks and TCX activities more than
    6 h apart are separate activities (:func:`parse_raw` keeps only the first). A FIT file is one activity."""
    fmt = detect_format(name, data[:DETECT_HEAD_BYTES])
    if fmt == "gpx":
        from calfcare.activities.formats.gpx import parse_gpx_all

        return parse_gpx_all(data, name=name)
    if fmt == "tcx":
        from calfcare.activities.formats.tcx import parse_tcx_all

        return parse_tcx_all(data, name=name)
    return [parse_raw(data, name=name)]


def parse_bytes(data: bytes, *, name: str, max_expanded_bytes: int = MAX_EXPANDED_BYTES) -> ParsedActivity:
    """One file's bytes (as stored, maybe gzipped) → :class:`ParsedActivity` with 1 Hz streams and summary."""
    from calfcare.activities.streams import build_activity

    raw = parse_raw(expand(data, name=name, max_expanded_bytes=max_expanded_bytes), name=name)
    return build_activity(raw)
