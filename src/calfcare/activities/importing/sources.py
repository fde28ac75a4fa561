"""Walk what the user named — files, folders (recursive), zip archives — into work items.

* Activity files (``.fit``, ``.gpx``, ``.tcx``, each optionally ``.gz``) become :class:`FileItem` s; the
  worker decides what they really are (content and name must agree).
* ``.zip`` archives are listed without extracting anything: member names that climb out of the archive
  (``../x``) or are absolute are refused (zip-slip, :class:`Refusal` "error"); an archive whose members
  together expand beyond ``Limits.max_archive_bytes``, or a member beyond ``Limits.max_file_bytes``, is
  refused as a decompression bomb. macOS resource forks (``__MACOSX/``, ``._*``) are skipped.
* Strava bulk exports: an ``activities.csv`` next to an ``activities/`` folder (in a folder or a zip). Rows
  are matched to files by their relative ``Filename``; the row's fields travel with the file as a fallback
  (used only where the file is silent). Rows without a file (manual entries) become summary-only
  activities. Rows naming a file that is not there are reported once, as skipped, on the CSV.
* Inside a folder, other files (notes, images, other CSVs) are skipped with the reason; named directly,
  a file is always tried, so a wrong extension is reported as an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from calfcare.activities.formats import FORMATS, split_name
from calfcare.activities.importing.items import FileItem, Item, Limits, Refusal, SummaryItem
from calfcare.errors import TrainingFileError

if TYPE_CHECKING:
    from calfcare.activities.formats.strava_csv import RowError

_DRIVE = re.compile(r"^[A-Za-z]:")
_MISSING_SHOWN = 5


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):g} MB"


def is_activity_name(name: str) -> bool:
    ext, _gz = split_name(name)
    return ext in FORMATS


def _is_junk(rel: str) -> bool:
    parts = rel.split("/")
    return "__MACOSX" in parts or parts[-1].startswith("._") or parts[-1] == ".DS_Store"


def unsafe_member_name(name: str) -> bool:
    """Zip-slip: an absolute path, a drive letter, or a ``..`` component."""
    norm = name.replace("\\", "/")
    return norm.startswith("/") or bool(_DRIVE.match(norm)) or ".." in norm.split("/")


class _Container:
    """The files of one folder tree or one zip archive, by relative path, before Strava matching."""

    def __init__(self) -> None:
        self.items: list[tuple[str, Item]] = []
        self.csvs: list[tuple[str, bytes | Refusal]] = []

    def resolve(self, label_of: dict[str, str]) -> list[Item]:
        by_rel = {rel: pos for pos, (rel, _item) in enumerate(self.items)}
        out: list[Item | None] = [item for _rel, item in self.items]
        extra: list[Item] = []
        for csv_rel, content in self.csvs:
            if isinstance(content, Refusal):
                extra.append(content)
                continue
            extra.extend(_strava_items(csv_rel, content, label_of[csv_rel], out, by_rel))
        return [i for i in out if i is not None] + extra


def _strava_items(csv_rel: str, data: bytes, label: str, out: list[Item | None], by_rel: dict[str, int]) -> list[Item]:
    from calfcare.activities.formats.strava_csv import RowError, read_activities_rows

    try:
        rows = read_activities_rows(data)
    except TrainingFileError as exc:
        return [Refusal(label, "error", f"not a Strava activities.csv: {exc.reason}")]
    base = posixpath.dirname(csv_rel)
    missing: list[str] = []
    items: list[Item] = []
    for row in rows:
        if isinstance(row, RowError):  # one unreadable row costs that row only
            if row.filename and _export_path(base, row.filename) not in by_rel:
                missing.append(row.filename)
            else:
                items.append(_row_refusal(label, row))
            continue
        if not row.filename:
            digest = hashlib.sha256(f"strava-csv-manual\0{row.activity_id}\0{row.start.isoformat()}".encode())
            try:
                activity = row.to_activity()
            except TrainingFileError as exc:
                items.append(Refusal(f"{label}#{row.activity_id}", "error", exc.reason))
                continue
            items.append(SummaryItem(f"{label}#{row.activity_id}", digest.hexdigest(), activity))
            continue
        pos = by_rel.get(_export_path(base, row.filename))
        if pos is None:
            missing.append(row.filename)
            continue
        target = out[pos]
        if isinstance(target, FileItem):
            with contextlib.suppress(TrainingFileError):  # Strava's numbers are only a fallback for the file
                out[pos] = replace(target, fallback=row.to_activity(lenient=True).summary)
    if missing:
        shown = ", ".join(missing[:_MISSING_SHOWN]) + (" …" if len(missing) > _MISSING_SHOWN else "")
        reason = (
            f"{len(missing)} of {len(rows)} activities listed here have no file in this export ({shown}); "
            "import those files themselves"
        )
        items.append(Refusal(label, "skipped", reason))
    elif not rows:
        items.append(Refusal(label, "skipped", "lists no activities"))
    return items


def _export_path(base: str, filename: str) -> str:
    return posixpath.normpath(posixpath.join(base, filename.replace("\\", "/")))


def _row_refusal(label: str, row: RowError) -> Refusal:
    where = f"{label}#{row.activity_id}" if row.activity_id else label
    if row.filename:
        why = f"{row.reason}; its file ({row.filename}) is imported without Strava's fields"
        return Refusal(where, "skipped", why)
    return Refusal(where, "error", f"{row.reason}; this activity (no file) was not imported")


def _walk_zip(path: str, label: str, limits: Limits) -> list[Item]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:  # ValueError: e.g. a name that is not UTF-8
        return [Refusal(label, "error", f"not a readable zip archive ({exc})")]
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        total = sum(i.file_size for i in infos)
        if total > limits.max_archive_bytes:
            cap = _mb(limits.max_archive_bytes)
            why = f"decompression bomb: the archive expands to {_mb(total)}, beyond the {cap} cap"
            return [Refusal(label, "error", why)]
        box = _Container()
        labels: dict[str, str] = {}
        for info in infos:
            member, member_label = info.filename, f"{label}!{info.filename}"
            if unsafe_member_name(member):
                box.items.append((member, Refusal(member_label, "error", "unsafe path in the archive (zip-slip)")))
                continue
            rel = posixpath.normpath(member.replace("\\", "/"))
            labels[rel] = member_label
            if info.file_size > limits.max_file_bytes:
                why = f"decompression bomb: expands beyond {_mb(limits.max_file_bytes)}"
                box.items.append((rel, Refusal(member_label, "error", why)))
            elif _is_junk(rel):
                box.items.append((rel, Refusal(member_label, "skipped", "macOS metadata, not an activity")))
            elif posixpath.basename(rel).lower() == "activities.csv":
                box.csvs.append((rel, _read_member(archive, info, member_label)))
            elif is_activity_name(rel):
                box.items.append((rel, FileItem(member_label, path, member)))
            elif rel.lower().endswith(".zip"):
                why = "a zip inside a zip: extract the outer archive first"
                box.items.append((rel, Refusal(member_label, "skipped", why)))
            else:
                box.items.append((rel, Refusal(member_label, "skipped", "not an activity file")))
        return box.resolve(labels)


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str) -> bytes | Refusal:
    try:
        return archive.read(info)
    except (zipfile.BadZipFile, RuntimeError, OSError, EOFError, zlib.error) as exc:  # broken or encrypted data
        return Refusal(label, "error", f"cannot be read from the archive ({exc})")


def _read_file(path: Path, label: str) -> bytes | Refusal:
    try:
        return path.read_bytes()
    except OSError as exc:
        return Refusal(label, "error", f"cannot be read: {exc.strerror or exc}")


NOT_REGULAR = "not a regular file (a named pipe, socket or device): not read"


def _walk_dir(root: Path, label_root: str, limits: Limits) -> list[Item]:
    box = _Container()
    labels: dict[str, str] = {}
    zips: list[Item] = []
    unreadable: list[OSError] = []  # a sub-folder that cannot be listed is reported, not silently left out
    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable.append):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__MACOSX")
        for fname in sorted(filenames):
            full = Path(dirpath) / fname
            rel = full.relative_to(root).as_posix()
            label = os.path.join(label_root, rel)
            labels[rel] = label
            if fname.startswith("."):
                continue
            if not full.is_file():  # reading a named pipe would block the whole import
                box.items.append((rel, Refusal(label, "skipped", NOT_REGULAR)))
            elif fname.lower().endswith(".zip"):
                zips.extend(_walk_zip(str(full), label, limits))
            elif fname.lower() == "activities.csv":
                box.csvs.append((rel, _read_file(full, label)))
            elif is_activity_name(fname):
                box.items.append((rel, FileItem(label, str(full))))
            else:
                box.items.append((rel, Refusal(label, "skipped", "not an activity file")))
    refused = [_unreadable_folder(exc, root, label_root) for exc in unreadable]
    return box.resolve(labels) + zips + refused


def _unreadable_folder(exc: OSError, root: Path, label_root: str) -> Refusal:
    where = Path(exc.filename) if exc.filename else root
    rel = where.relative_to(root).as_posix() if where.is_relative_to(root) else str(where)
    label = label_root if rel == "." else os.path.join(label_root, rel)
    return Refusal(label, "error", f"folder cannot be read ({exc.strerror or exc}): its files were not imported")


def walk(paths: Sequence[str | os.PathLike[str]], *, limits: Limits | None = None) -> list[Item]:
    """Every work item under ``paths``, in a stable order (sorted within each folder)."""
    limits = limits or Limits()
    items: list[Item] = []
    for given in paths:
        label = os.fspath(given)
        path = Path(label).expanduser()
        if path.is_dir():
            items.extend(_walk_dir(path, label, limits))
        elif not path.exists():
            items.append(Refusal(label, "error", "no such file or folder"))
        elif not path.is_file():
            items.append(Refusal(label, "error", NOT_REGULAR))
        elif path.name.lower().endswith(".zip"):
            items.extend(_walk_zip(str(path), label, limits))
        elif path.name.lower().endswith(".csv"):
            box = _Container()
            box.csvs.append((path.name, _read_file(path, label)))
            items.extend(box.resolve({path.name: label}))
        else:
            items.append(FileItem(label, str(path)))
    return items


def count_files(items: Iterable[Item]) -> int:
    return sum(1 for i in items if isinstance(i, FileItem))
