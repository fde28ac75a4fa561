"""Bulk import: walk files, folders and zip archives (:mod:`.sources`), parse them in worker processes
(:mod:`.worker`), deduplicate and hand each activity to a store (:mod:`.pipeline`). No SQL here: the service
layer (:mod:`calfcare.services.importing`) supplies the sink that writes to the database."""

from calfcare.activities.importing.items import (
    FileItem,
    ImportReport,
    Limits,
    Outcome,
    Parsed,
    Refusal,
    Status,
    StoredRun,
    SummaryItem,
)
from calfcare.activities.importing.pipeline import ActivitySink, ImportProgress, RunIndex, run_import, same_run
from calfcare.activities.importing.sources import walk

__all__ = [
    "ActivitySink",
    "FileItem",
    "ImportProgress",
    "ImportReport",
    "Limits",
    "Outcome",
    "Parsed",
    "Refusal",
    "RunIndex",
    "Status",
    "StoredRun",
    "SummaryItem",
    "run_import",
    "same_run",
    "walk",
]
