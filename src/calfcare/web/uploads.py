"""Uploaded activity files: spooled to a private temporary folder under their own (sanitised) names, imported with
:func:`calfcare.services.importing.import_paths`, and reported per file under the name the runner chose. Caps on the
request size and the number of files, each refused with a clear message before anything is imported."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from calfcare.activities.originals import file_name
from calfcare.errors import InvalidInput
from calfcare.services.importing import import_paths, outcome_json
from calfcare.store import Database

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_files: int


def check_request_size(content_length: str | None, limits: Limits) -> None:
    if content_length and content_length.isdigit() and int(content_length) > limits.max_bytes:
        raise InvalidInput(
            f"files: the upload is {int(content_length) / 1e6:.0f} MB; at most {limits.max_bytes / 1e6:.0f} MB at "
            "a time. Send fewer files (or a zip) at a time; nothing was imported."
        )


def _safe_name(name: str, index: int) -> str:
    """Where upload ``index`` is spooled: a folder of its own, under the runner's own file name (without folders,
    control or reserved characters), which the import keeps with the file (calfcare.activities.originals)."""
    base = file_name(name).strip(" ")
    if base in ("", ".", ".."):
        base = "file"
    while len(base.encode()) > 200:  # a file system's name limit is 255 bytes; the end (the extension) is kept
        base = base[1:]
    return f"{index:04d}/{base}"


async def import_uploads(*, db: Database, runner: str, files: list[Any], limits: Limits) -> dict[str, Any]:
    """Import every uploaded file; returns ``{"files": [...one outcome per file...], "counts": {...}}``. A refused
    file is reported with its reason and never stops the others."""
    uploads = [f for f in files if isinstance(f, UploadFile)]
    if not uploads:
        raise InvalidInput("files: choose at least one file, folder or zip to upload")
    if len(uploads) > limits.max_files:
        raise InvalidInput(
            f"files: {len(uploads)} files at once; at most {limits.max_files}. Zip them, or send them in parts; "
            "nothing was imported."
        )
    folder = Path(tempfile.mkdtemp(prefix="calfcare-upload-"))
    try:
        names: dict[str, str] = {}
        total = 0
        paths: list[Path] = []
        for i, up in enumerate(uploads):
            original = up.filename or f"file {i + 1}"
            target = folder / _safe_name(original, i)
            target.parent.mkdir()
            with target.open("wb") as out:
                while chunk := await up.read(CHUNK):
                    total += len(chunk)
                    if total > limits.max_bytes:
                        raise InvalidInput(
                            f"files: more than {limits.max_bytes / 1e6:.0f} MB in one upload; send fewer files at a "
                            "time. Nothing was imported."
                        )
                    out.write(chunk)
            names[str(target)] = original
            paths.append(target)
        report = await run_in_threadpool(import_paths, db=db, runner=runner, paths=paths, workers=1)
        lines = []
        for outcome in report.outcomes:
            line = outcome_json(outcome)
            head, sep, rest = str(line["path"]).partition("!")  # a zip member: archive!member
            base = head.split("#")[0]
            shown = names.get(base, Path(base).name)
            suffix = head[len(base) :]
            line["path"] = f"{shown}{suffix}{sep}{rest}"
            lines.append(line)
        return {"files": lines, "counts": dict(report.counts), "elapsed_s": round(report.elapsed_s, 2)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
