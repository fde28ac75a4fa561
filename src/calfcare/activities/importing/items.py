"""The values the import planner, the parse workers and the writer pass between them (all picklable)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from calfcare.activities.activity import ActivitySummary, ParsedActivity
from calfcare.activities.formats import MAX_EXPANDED_BYTES
from calfcare.activities.originals import OriginalFile

Status = Literal["imported", "duplicate", "skipped", "error"]
STATUSES: tuple[Status, ...] = ("imported", "duplicate", "skipped", "error")


@dataclass(frozen=True)
class Limits:
    """Caps against hostile or broken input: bytes one file may expand to (gunzip, or a zip member), and
    bytes one zip archive may expand to in total."""

    max_file_bytes: int = MAX_EXPANDED_BYTES
    max_archive_bytes: int = 16 * 1024**3


@dataclass(frozen=True)
class FileItem:
    """One activity file to parse: a file on disk, or ``member`` of the zip archive at ``path``.
    ``fallback`` holds Strava's own fields for it (from ``activities.csv``), used only where the file is silent."""

    label: str
    path: str
    member: str | None = None
    fallback: ActivitySummary | None = None

    @property
    def name(self) -> str:
        return self.member if self.member is not None else self.path


@dataclass(frozen=True)
class SummaryItem:
    """An activity without a file (a Strava manual entry), already parsed from its CSV row."""

    label: str
    content_sha256: str
    activity: ParsedActivity


@dataclass(frozen=True)
class Refusal:
    """Something found while walking the inputs that will not be parsed, with the reason."""

    label: str
    status: Status
    reason: str


Item = FileItem | SummaryItem | Refusal


@dataclass(frozen=True)
class Parsed:
    """What a parse worker sends back: small and cheap to pickle (streams already packed to bytes).

    ``status`` is ``"ok"`` (parsed), ``"known"`` (content already stored; not parsed), ``"skipped"`` or ``"error"``.
    """

    label: str
    status: Literal["ok", "known", "skipped", "error"]
    reason: str | None = None
    content_sha256: str | None = None
    summary: ActivitySummary | None = None
    record_count: int = 0
    warnings: tuple[str, ...] = ()
    streams: bytes | None = None
    streams_length: int = 0
    figures: dict[str, object] | None = None  # calfcare.analytics.figures, computed once here and stored
    # the file as received, compressed in the worker (every activity of a several-activity file shares the one object,
    # which pickle sends once per chunk)
    original: OriginalFile | None = None


@dataclass(frozen=True)
class StoredRun:
    """An activity already in the store (or written earlier in this batch), as dedup needs it."""

    id: int
    content_sha256: str
    source_path: str | None
    summary: ActivitySummary
    # Stored by an importer that kept only the first activity of a several-activity file: its content hash
    # must not stop the worker before parsing, so the file's other activities are imported on the next run.
    cut_short: bool = False
    # Stored before calfcare kept original files: its file is parsed again on the next import (not skipped by its
    # hash) so that the file is kept then.
    has_original: bool = True


@dataclass(frozen=True)
class Outcome:
    """The result for one input: ``activity`` is this file's summary; ``activity_id`` the stored activity
    that holds the run (the new one when imported, the earlier one for a duplicate)."""

    path: str
    status: Status
    error: str | None = None
    activity_id: int | None = None
    activity: ActivitySummary | None = None
    warnings: tuple[str, ...] = ()
    record_count: int = 0


@dataclass
class ImportReport:
    outcomes: list[Outcome] = field(default_factory=list)
    elapsed_s: float = 0.0

    def count(self, status: Status) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def counts(self) -> dict[Status, int]:
        return {s: self.count(s) for s in STATUSES}

    @property
    def not_imported(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status != "imported"]

    @property
    def with_warnings(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "imported" and o.warnings]
