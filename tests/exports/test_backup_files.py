"""A backup of years of activity files is written and restored a few files at a time, never all in memory at once
(held in memory, these 24 MB of files took 30 MB to write), with progress after every file."""

from __future__ import annotations

import os
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from calfcare.activities import originals
from calfcare.services.runners import restore_backup, write_backup_file
from calfcare.store import Database, open_database
from calfcare.store.models import OriginalFile

FILES, SIZE = 24, 1 << 20  # 24 MB of files that do not compress


def _files(db: Database) -> dict[str, bytes]:
    rid = db.runner_id("ana")
    made = {}
    for i in range(FILES):
        content = os.urandom(SIZE)
        kept = originals.keep(content, path=f"run-{i}.fit", content_sha256=f"{i:064x}")
        with db.session() as s:
            s.add(OriginalFile(runner_id=rid, content_sha256=kept.content_sha256, name=kept.name, size=kept.size,
                               encoding=kept.encoding, data=kept.data))  # fmt: skip
        made[kept.name] = content
    return made


def _peak(work: Callable[[], Any]) -> tuple[Any, int]:
    tracemalloc.start()
    try:
        out = work()
        return out, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_writing_and_restoring_a_backup_holds_a_few_files_at_a_time(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'src.db'}")
    made = _files(db)
    events: list[tuple[int, int]] = []
    zipped = tmp_path / "ana.zip"
    with zipped.open("wb") as out:
        count, peak = _peak(
            lambda: write_backup_file(db=db, runner="ana", out=out, progress=lambda *e: events.append(e))
        )
    assert count == FILES and events == [(i, FILES) for i in range(1, FILES + 1)], "progress after every file"
    assert peak < 12 * SIZE, f"writing held {peak / SIZE:.1f} MB (the files are {FILES} MB)"
    with zipfile.ZipFile(zipped) as z:
        assert {n.rsplit("/", 1)[1]: z.read(n) for n in z.namelist() if n.startswith("originals/")} == made
    target = open_database(f"sqlite:///{tmp_path / 'target.db'}")
    with zipped.open("rb") as data:
        restored: list[tuple[int, int]] = []
        outcome, peak = _peak(
            lambda: restore_backup(db=target, data=data, source="ana.zip", progress=lambda *e: restored.append(e))
        )
    assert outcome.rows["original_files"] == FILES
    assert restored == [(n, FILES) for n in range(4, FILES + 1, 4)], "progress after every few files"
    assert peak < 12 * SIZE, f"restoring held {peak / SIZE:.1f} MB (the files are {FILES} MB)"
    with target.session() as s:
        rows = s.query(OriginalFile.name, OriginalFile.encoding, OriginalFile.data).all()
    assert {name: originals.decode(enc, data) for name, enc, data in rows} == made
    db.dispose()
    target.dispose()
