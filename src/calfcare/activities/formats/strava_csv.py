"""Strava bulk-export ``activities.csv`` → :class:`StravaRow` per activity.

What the export looks like, and how each quirk is handled:

* Duplicated column names ("Elapsed Time", "Distance", "Max Heart Rate", "Relative Effort", "Commute"):
  columns are addressed by (name, occurrence). The first "Distance" is in the athlete's display unit (km or
  miles, metres for swims) with locale separators; the second is in metres and is the one used. The first
  is only a fallback (km; metres for swims). The second "Elapsed Time" (float seconds) is preferred.
* Header cells wrapped in ``<span class="translation_missing" …>Type</span>`` are reduced to their text.
* "Activity Date" is UTC. Accepted forms: ISO (``2021-01-02 07:12:45``), English (``Jan 2, 2021, 7:12:45 AM``,
  ``2 Jan 2021, 07:12:45``), month names or abbreviations in French, German, Spanish, Italian, Portuguese and
  Dutch (``2 janv. 2021, 07:12:45``), and numeric day-first dates (``02.01.2021 07:12:45``; with "/" the
  month comes first only when the day-first reading is impossible).
* "Filename" is relative to the export root (``activities/123.fit.gz``) and empty for manual entries, which
  become summary-only activities (:meth:`StravaRow.to_activity`).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

from calfcare.activities.activity import ParsedActivity, Sport
from calfcare.activities.formats.sport import sport_from_name
from calfcare.activities.streams import summary_from_fields
from calfcare.errors import CorruptFile, UnsupportedFormat

CSV_NAME = "activities.csv"

_MONTHS: dict[str, int] = {
    # 4-letter keys are tried before 3-letter ones (French juin / juillet, Dutch maart).
    "juin": 6, "juil": 7, "maar": 3,
    "jan": 1, "ene": 1, "gen": 1,
    "feb": 2, "fev": 2,
    "mar": 3, "mrt": 3,
    "apr": 4, "avr": 4, "abr": 4,
    "may": 5, "mai": 5, "mag": 5, "mei": 5,
    "jun": 6, "giu": 6,
    "jul": 7, "lug": 7,
    "aug": 8, "aou": 8, "ago": 8,
    "sep": 9, "set": 9,
    "oct": 10, "okt": 10, "ott": 10, "out": 10,
    "nov": 11,
    "dec": 12, "dez": 12, "dic": 12,
}  # fmt: skip
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap])?\.?\s*(?:m\b\.?)?", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class StravaRow:
    activity_id: str
    name: str | None
    activity_type: str  # Strava's own words, e.g. "Trail Run"
    sport: Sport
    start: datetime  # UTC
    elapsed_s: float
    moving_s: float | None
    distance_m: float | None
    avg_hr: float | None
    max_hr: float | None
    elevation_gain_m: float | None
    filename: str | None  # relative path inside the export, None for manual entries
    rpe: float | None

    @property
    def is_manual(self) -> bool:
        return not self.filename

    def to_activity(self, *, lenient: bool = False) -> ParsedActivity:
        """A summary-only activity built from Strava's own numbers (for manual entries, or with
        ``lenient=True`` as the fallback for a file: implausible values are dropped instead of refused)."""
        return summary_from_fields(
            sport=self.sport,
            start=self.start,
            elapsed_s=self.elapsed_s,
            moving_s=self.moving_s,
            distance_m=self.distance_m,
            avg_hr=self.avg_hr,
            max_hr=self.max_hr,
            elevation_gain_m=self.elevation_gain_m,
            source_format="strava_csv",
            name=self.name,
            rpe=self.rpe,
            lenient=lenient,
        )


def _fold(text: str) -> str:
    """Lowercase without accents: "Févr." → "fevr."."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def parse_strava_date(text: str) -> datetime:
    """One "Activity Date" value → aware UTC datetime; ValueError when it is no date we know."""
    raw = text.strip()
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        pass
    else:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    folded = _fold(raw)
    clock = _TIME.search(folded)
    if clock is None:
        raise ValueError(f"no time of day in {text!r}")
    hour, minute, second = int(clock.group(1)), int(clock.group(2)), int(clock.group(3) or 0)
    half = (clock.group(4) or "").lower()
    if half:
        hour = hour % 12 + (12 if half == "p" else 0)
    date_part = folded[: clock.start()] + " " + folded[clock.end() :]
    numbers = [int(n) for n in re.findall(r"\d+", date_part)]
    month = _month(date_part)
    if month is not None:
        years = [n for n in numbers if n > 31]
        days = [n for n in numbers if n <= 31]
        if len(years) != 1 or not days:
            raise ValueError(f"cannot find day and year in {text!r}")
        year, day = years[0], days[0]
    elif len(numbers) >= 3:
        year, month, day = _numeric_date(numbers[:3], "/" in date_part)
    else:
        raise ValueError(f"cannot find a date in {text!r}")
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def _month(date_part: str) -> int | None:
    for word in re.findall(r"[^\W\d_]+", date_part):
        if len(word) < 3 or word in ("de", "del", "der", "le", "am", "pm"):
            continue
        month = _MONTHS.get(word[:4]) or _MONTHS.get(word[:3])
        if month:
            return month
    return None


def _numeric_date(numbers: list[int], slashes: bool) -> tuple[int, int, int]:
    a, b, c = numbers
    if a > 31:
        return a, b, c  # Y-M-D
    if slashes and b > 12 >= a:
        return c, a, b  # M/D/Y, only when D/M/Y is impossible
    return c, b, a  # D.M.Y


def parse_number(text: str | None) -> float | None:
    """Locale-tolerant number: "2.43", "2,43", "1,609" (thousands), "1.234,5", "1 234,5"; empty → None."""
    if text is None:
        return None
    value = text.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if not value:
        return None
    if "," in value and "." in value:
        decimal = "," if value.rfind(",") > value.rfind(".") else "."
        value = value.replace("." if decimal == "," else ",", "").replace(",", ".")
    elif "," in value:
        head, _, tail = value.rpartition(",")
        thousands = value.count(",") > 1 or (len(tail) == 3 and head.lstrip("-") not in ("", "0"))
        value = value.replace(",", "" if thousands else ".")
    try:
        return float(value)
    except ValueError:
        return None


class _Columns:
    """Column positions by (cleaned name, occurrence)."""

    def __init__(self, header: list[str]) -> None:
        self.positions: dict[str, list[int]] = {}
        for i, cell in enumerate(header):
            name = " ".join(_TAG.sub("", cell).split()).casefold()
            self.positions.setdefault(name, []).append(i)

    def get(self, row: list[str], name: str, occurrence: int = 0) -> str | None:
        found = self.positions.get(name.casefold(), [])
        if occurrence >= len(found) or found[occurrence] >= len(row):
            return None
        value = row[found[occurrence]].strip()
        return value or None

    def first(self, row: list[str], name: str) -> str | None:
        """The first non-empty value among all columns of that name."""
        for occurrence in range(len(self.positions.get(name.casefold(), []))):
            value = self.get(row, name, occurrence)
            if value is not None:
                return value
        return None


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


@dataclass(frozen=True)
class RowError:
    """A row of ``activities.csv`` that cannot be read: its line, its Activity ID and Filename when they could be
    read, and the reason (naming the row number and the column)."""

    line_no: int
    activity_id: str | None
    filename: str | None
    reason: str


def read_activities_csv(data: bytes) -> list[StravaRow]:
    """Every activity row of a Strava ``activities.csv``; a row that cannot be read raises :class:`CorruptFile`
    naming the row number and the column."""
    rows: list[StravaRow] = []
    for row in read_activities_rows(data):
        if isinstance(row, RowError):
            raise CorruptFile(row.reason, path=CSV_NAME)
        rows.append(row)
    return rows


def read_activities_rows(data: bytes) -> list[StravaRow | RowError]:
    """Like :func:`read_activities_csv`, but a row that cannot be read is a :class:`RowError` in its place, so one
    bad row costs that row, never the other activities of the export. A file that is not a Strava export (no
    header, required columns missing, empty) still raises."""
    text = _decode(data)
    if not text.strip():
        raise CorruptFile("the file is empty", path=CSV_NAME)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    cols = _Columns(header)
    for required in ("activity id", "activity date", "activity type", "elapsed time"):
        if required not in cols.positions:
            raise UnsupportedFormat(f"not a Strava export: no {required.title()!r} column", path=CSV_NAME)
    rows: list[StravaRow | RowError] = []
    for line_no, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            rows.append(_read_row(cols, row, line_no))
        except CorruptFile as exc:
            rows.append(RowError(line_no, cols.get(row, "Activity ID"), cols.get(row, "Filename"), exc.reason))
    return rows


def _number(cols: _Columns, row: list[str], name: str, line_no: int, occurrence: int | None = None) -> float | None:
    text = cols.first(row, name) if occurrence is None else cols.get(row, name, occurrence)
    value = parse_number(text)
    if text is not None and value is None:
        raise CorruptFile(f"row {line_no}: {name} {text!r} is not a number", path=CSV_NAME)
    return value


def _read_row(cols: _Columns, row: list[str], line_no: int) -> StravaRow:
    activity_id = cols.get(row, "Activity ID")
    if activity_id is None:
        raise CorruptFile(f"row {line_no}: Activity ID is empty", path=CSV_NAME)
    date_text = cols.get(row, "Activity Date") or ""
    try:
        start = parse_strava_date(date_text)
    except ValueError as exc:
        raise CorruptFile(f"row {line_no}: Activity Date {date_text!r} is not a date we can read", CSV_NAME) from exc
    activity_type = cols.get(row, "Activity Type") or ""
    sport = sport_from_name(activity_type)
    elapsed = _number(cols, row, "Elapsed Time", line_no, 1)
    if elapsed is None:
        elapsed = _number(cols, row, "Elapsed Time", line_no, 0)
    if elapsed is None:
        raise CorruptFile(f"row {line_no}: Elapsed Time is empty", path=CSV_NAME)
    distance = _number(cols, row, "Distance", line_no, 1)
    if distance is None:
        shown = _number(cols, row, "Distance", line_no, 0)
        distance = None if shown is None else shown if sport == "swim" else shown * 1000.0
    return StravaRow(
        activity_id=activity_id,
        name=cols.get(row, "Activity Name"),
        activity_type=activity_type,
        sport=sport,
        start=start,
        elapsed_s=elapsed,
        moving_s=_number(cols, row, "Moving Time", line_no),
        distance_m=distance,
        avg_hr=_positive(_number(cols, row, "Average Heart Rate", line_no)),
        max_hr=_positive(_number(cols, row, "Max Heart Rate", line_no)),
        elevation_gain_m=_number(cols, row, "Elevation Gain", line_no),
        filename=cols.get(row, "Filename"),
        rpe=_positive(_number(cols, row, "Perceived Exertion", line_no)),
    )


def _positive(value: float | None) -> float | None:
    return value if value is not None and value > 0 else None
