"""Helpers for the web tests: a settable clock, small activity files made here (GPX runs, a Strava-style zip), the
example answers, and reading pages with lxml."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import lxml.html

ROOT = Path(__file__).resolve().parents[2]
SOLEUS = json.loads((ROOT / "examples" / "soleus-build-up.json").read_text(encoding="utf-8"))
START = date(2026, 11, 2)


class Clock:
    """Today's date for the app under test; tests move it on."""

    def __init__(self, day: date) -> None:
        self.day = day

    def __call__(self) -> date:
        return self.day


def doc(html: str) -> Any:
    return lxml.html.fromstring(html)


def texts(html: str, xpath: str) -> list[str]:
    return [" ".join(e.text_content().split()) for e in doc(html).xpath(xpath)]


def gpx_run(start: datetime, minutes: int, km: float, name: str = "Run") -> bytes:
    """A GPX track: one point every 10 s due north, ``km`` in ``minutes``."""
    n = minutes * 6
    step = km / n / 111.32  # degrees of latitude per point
    pts = "".join(
        f'<trkpt lat="{51.0 + i * step:.6f}" lon="0.100000"><ele>10</ele>'
        f"<time>{(start + timedelta(seconds=10 * i)).strftime('%Y-%m-%dT%H:%M:%SZ')}</time></trkpt>"
        for i in range(n + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><gpx version="1.1" creator="calfcare-tests" '
        'xmlns="http://www.topografix.com/GPX/1/1"><trk><name>'
        + name
        + "</name><type>running</type><trkseg>"
        + pts
        + "</trkseg></trk></gpx>"
    ).encode()


def strava_zip(days: list[date], km: list[float], *, broken: bool = True) -> bytes:
    """A small Strava-style bulk export: activities.csv and activities/<id>.gpx, plus one broken file."""
    rows = ["Activity ID,Activity Date,Activity Name,Activity Type,Elapsed Time,Distance,Filename"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for i, (d, dist) in enumerate(zip(days, km, strict=True)):
            start = datetime(d.year, d.month, d.day, 7, 0, tzinfo=UTC)
            minutes = max(10, round(dist * 6))
            z.writestr(f"activities/{1000 + i}.gpx", gpx_run(start, minutes, dist, f"Run {i}"))
            when = start.strftime("%Y-%m-%d %H:%M:%S")
            rows.append(f"{1000 + i},{when},Run {i},Run,{minutes * 60},{dist},activities/{1000 + i}.gpx")
        if broken:
            z.writestr("activities/9999.fit", b"this is not a FIT file")
            rows.append(f"9999,{START.isoformat()} 07:00:00,Broken,Run,600,2.0,activities/9999.fit")
        z.writestr("activities.csv", "\n".join(rows) + "\n")
    return buf.getvalue()
