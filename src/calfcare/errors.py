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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class CalfcareError(Exception):
    """Base of every error calfcare raises on purpose. ``str(err)`` is meant for the user."""

    exit_code: int = 1
    http_status: int = 400


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with one field: ``where`` is a dotted path such as ``pain_rest`` or ``clot_risk_factors[1]``."""

    where: str
    problem: str

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}" if self.where else self.problem


class InvalidInput(CalfcareError):
    exit_code = 2
    http_status = 422

    def __init__(self, message: str, problems: Sequence[FieldProblem] = ()) -> None:
        self.problems = list(problems)
        detail = "".join(f"\n  - {p}" for p in self.problems)
        super().__init__(message + detail)


class InvalidAnswers(InvalidInput):
    """An answers file or object that breaks the triage or check-in contract."""


class TrainingFileError(CalfcareError):
    exit_code = 3
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
    exit_code = 4
    http_status = 404


class Conflict(CalfcareError):
    exit_code = 5
    http_status = 409


class PermissionDenied(CalfcareError):
    exit_code = 6
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
    exit_code = 7
    http_status = 503
