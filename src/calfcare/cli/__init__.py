"""The ``calfcare`` command, with lazy command modules.

**Adding a command** (the pattern every command module follows):

1. In a module under ``calfcare/cli/``, register the command on the shared app —
   ``from calfcare.cli.app import app`` then ``@app.command("name")`` (or a group:
   ``sub = typer.Typer(help=...)``; ``app.add_typer(sub, name="name")``). Import heavy things (services,
   sqlalchemy, numpy, rich tables) inside the module or the command, never in ``cli/app.py``.
2. Add ONE line to :data:`COMMANDS` below: ``"name": ("calfcare.cli.module", "one line for calfcare --help")``.
   Several commands may share a module. Keep the line in the order ``calfcare --help`` should list it.
3. Add the command to README.md's command table (``tests/test_readme.py`` checks both ways).

The module is imported only when its command runs or its own ``--help`` is asked for, so ``calfcare --help``
and ``calfcare --version`` stay fast (``tests/cli/test_app.py`` checks that they load no database or analytics
code). Every command takes ``--runner NAME`` and, when it reads, ``--json``; errors are raised as
:mod:`calfcare.errors` exceptions and mapped to one line and an exit code in :mod:`calfcare.cli.app`.
"""

from __future__ import annotations

#: command name → (module that registers it, the one-line summary shown by ``calfcare --help``)
COMMANDS: dict[str, tuple[str, str]] = {
    "assess": ("calfcare.cli.clinical", "Triage a calf problem (red flags first) and start a rehab episode."),
    "checkin": ("calfcare.cli.clinical", "Record a day's check-in: the plan progresses, holds, steps back or stops."),
    "today": ("calfcare.cli.clinical", "What to do today: exercises, the run if any, the next gate, warnings."),
    "history": ("calfcare.cli.clinical", "Assessments, check-ins with their decisions and reasons, the pain trend."),
    "import": ("calfcare.cli.importing", "Import FIT, GPX, TCX files, folders, zips, Strava and Garmin exports."),
    "load": ("calfcare.cli.load", "Weekly load, spikes, acute and chronic load, warnings; optional plot."),
    "retro": ("calfcare.cli.load", "What changed in the six weeks before the injury."),
    "adherence": ("calfcare.cli.load", "Each run since the injury against that day's prescription."),
    "activity": ("calfcare.cli.activity", "Your imported activities: list them, correct a sport, delete one."),
    "episode": ("calfcare.cli.episode", "Your injury episodes: list, show, close or reopen one."),
    "export": ("calfcare.cli.exports", "Take your records anywhere: calendar (iCalendar), FHIR, full backup."),
    "report": ("calfcare.cli.exports", "A one-to-three-page PDF report for your clinician."),
    "import-backup": ("calfcare.cli.exports", "Restore a backup made by `calfcare export all`."),
    "runner": ("calfcare.cli.exports", "Runners in this database: delete one and everything of theirs."),
    "serve": ("calfcare.cli.web", "The web app on this computer (or, with --lan, your phone on the same network)."),
    "user": ("calfcare.cli.accounts", "Accounts for a clinic or club: add, list, reset a password, disable."),
    "worker": (
        "calfcare.cli.worker",
        "Import uploads from the PostgreSQL job queue (clinics: any number, any machine).",
    ),
    "db": ("calfcare.cli.db", "The database: where it is, and migrating it."),
}

from calfcare.cli.app import app, main  # noqa: E402  (after COMMANDS: app.py reads it lazily)

__all__ = ["COMMANDS", "app", "main"]
