"""One exception tree for the whole application, mapped once to exit codes (CLI) and HTTP statuses (web).

CalfcareError                     anything calfcare refuses, with a message a user can act on
├── InvalidInput                  answers, dates, options: names the field and what was expected
│   └── InvalidAnswers            an answers file (triage or check-in) that breaks the contract
├── TrainingFileError             one activity file that cannot be imported (carries the path)
│   ├── UnsupportedFormat         not a format we read (wrong extension, unknown content)
│   ├── CorruptFile               truncated, CRC-broken, malformed
│   └── UnsafeFile                XML bomb, external entity, zip-slip, decompression bomb
├── NotFound                      no such runner / episode / activity
├── Conflict                      the request clashes with what is stored (e.g. no open episode)
├── PermissionDenied              one user touching another user's data
│   ├── NotSignedIn               no valid sign-in, token or session (HTTP 401)
│   └── TooManyAttempts           sign-in throttled for this account or address (HTTP 429)
└── StorageError                  the database refused or is unreachable / not migrated

:class:`ExitCode` is the one table of the CLI's exit codes (README.md's table is checked against it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """Every exit code of ``calfcare``, each with one meaning, the same for every command (the docstring of each
    member is the line the README's exit-code table shows)."""

    OK = 0
    UNEXPECTED = 1
    INVALID_INPUT = 2
    FILE_REFUSED = 3
    NOT_FOUND = 4
    CONFLICT = 5
    PERMISSION_DENIED = 6
    STORAGE = 7
    URGENT = 8
    EMERGENCY = 9
    INTERRUPTED = 130


#: what each exit code means, in the words of README.md's table (a test keeps the two in step)
EXIT_MEANINGS: dict[ExitCode, str] = {
    ExitCode.OK: "done (a check-in that holds or steps back is still 0)",
    ExitCode.UNEXPECTED: "an error not covered below",
    ExitCode.INVALID_INPUT: "bad input: an option, a date or an answers file (the message names the field)",
    ExitCode.FILE_REFUSED: "an activity file refused (an import with any failed file)",
    ExitCode.NOT_FOUND: "not found: an unknown runner (any command), episode or activity",
    ExitCode.CONFLICT: "conflict with what is stored (e.g. a check-in with no open episode)",
    ExitCode.PERMISSION_DENIED: "permission denied (another user's data)",
    ExitCode.STORAGE: "the database: unreachable, corrupt, read-only, locked, unwritable folder or malformed URL",
    ExitCode.URGENT: "an urgent red flag: see a doctor today (the result is printed in full)",
    ExitCode.EMERGENCY: "an emergency red flag: call an ambulance (the result is printed in full)",
    ExitCode.INTERRUPTED: "interrupted by Ctrl-C (by another signal: 128 + its number); what was saved is kept",
}


class CalfcareError(Exception):
    """Base of every error calfcare raises on purpose. ``str(err)`` is meant for the user."""

    exit_code: int = ExitCode.UNEXPECTED
    http_status: int = 400


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with one field: ``where`` is a dotted path such as ``pain_rest`` or ``clot_risk_factors[1]``."""

    where: str
    problem: str

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}" if self.where else self.problem


class InvalidInput(CalfcareError):
    exit_code = ExitCode.INVALID_INPUT
    http_status = 422

    def __init__(self, message: str, problems: Sequence[FieldProblem] = ()) -> None:
        self.problems = list(problems)
        detail = "".join(f"\n  - {p}" for p in self.problems)
        super().__init__(message + detail)


class InvalidAnswers(InvalidInput):
    """An answers file or object that breaks the triage or check-in contract."""


class TrainingFileError(CalfcareError):
    exit_code = ExitCode.FILE_REFUSED
    http_status = 422

    def __init__(self, message: str, path: str | None = None) -> None:
        self.path = path
        self.reason = message
        super().__init__(f"{path}: {message}" if path else message)


class UnsupportedFormat(TrainingFileError):
    pass


class NotAnActivity(UnsupportedFormat):
    """A readable file that holds no recorded activity (a TCX course, a GPX route, a FIT file whose samples
    have no time and that reports no start). Importers report it as *skipped* with :attr:`reason`."""


class CorruptFile(TrainingFileError):
    pass


class UnsafeFile(TrainingFileError):
    pass


class NotFound(CalfcareError):
    exit_code = ExitCode.NOT_FOUND
    http_status = 404


class Conflict(CalfcareError):
    exit_code = ExitCode.CONFLICT
    http_status = 409


class PermissionDenied(CalfcareError):
    exit_code = ExitCode.PERMISSION_DENIED
    http_status = 403


class NotSignedIn(PermissionDenied):
    """The request carries no valid sign-in. The message never says whether the account exists."""

    http_status = 401


class TooManyAttempts(PermissionDenied):
    http_status = 429

    def __init__(self, message: str, retry_after_s: float) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(message)


class StorageError(CalfcareError):
    """The database refused or is unreachable. ``original`` keeps the driver's exception (never shown: it may hold
    SQL and answers) so a caller can tell, e.g., a unique-key clash from other failures."""

    original: BaseException | None = None

    exit_code = ExitCode.STORAGE
    http_status = 503


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, or a termination signal turned into the same clean stop (what was committed is kept)."""

    def __init__(self, signum: int | None = None) -> None:
        self.signum = signum
        super().__init__(signum)

    @property
    def exit_code(self) -> int:
        """130 for Ctrl-C (SIGINT), 128 + the signal's number for another signal (the shell's convention)."""
        return ExitCode.INTERRUPTED if self.signum in (None, 2) else 128 + int(self.signum or 0)
