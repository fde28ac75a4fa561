"""`calfcare report`: the clinician's PDF, rendered to images with pdftoppm (pages exist, none blank, 1–3 A4 pages)
and read back with pdftotext (the injury, red flags and who cleared them, phases, load, sources are on it).
Images go to pytest's tmp_path, never into the repository."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from exports_seed import DAY0, SOLEUS, good_day, seed_runner
from typer.testing import CliRunner

from calfcare.cli import app
from calfcare.errors import NotFound
from calfcare.exports.chart import Series, trend_chart, week_bars
from calfcare.services import assess, record_checkin
from calfcare.services.episode_admin import close_episode
from calfcare.services.exports import report_data, report_pdf
from calfcare.store import Database, open_database

DAY = DAY0 + timedelta(days=16)
needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("pdftotext")), reason="poppler-utils is not installed"
)


@pytest.fixture
def lite(tmp_path: Path, migrated_sqlite: Callable[[Path], str]) -> Iterator[Database]:
    """SQLite only: rendering PDFs is slow, and the store is read the same way on both backends."""
    database = open_database(migrated_sqlite(tmp_path / "calfcare.db"))
    yield database
    database.dispose()


def _seed_with_flag(db: Database) -> None:
    seed_runner(db, "ana", checkins=6, runs=8)
    flag = {**good_day(7), "calf_bigger_than_other": True, "skin_warm_red_or_dark": True}
    record_checkin(db=db, runner="ana", answers=flag, day=DAY0 + timedelta(days=7))
    cleared = {**good_day(8), "cleared_by_clinician": True}
    record_checkin(db=db, runner="ana", answers=cleared, day=DAY0 + timedelta(days=8))
    for i in range(9, 15):
        record_checkin(db=db, runner="ana", answers=good_day(i), day=DAY0 + timedelta(days=i))


def _pages(pdf: Path, out: Path) -> list[tuple[int, int, bytes]]:
    """Each page as a greyscale image (width, height, pixels), via pdftoppm's PGM output."""
    subprocess.run(["pdftoppm", "-r", "30", "-gray", str(pdf), str(out / "page")], check=True)
    pages = []
    for path in sorted(out.glob("page*.pgm")):
        data = path.read_bytes()
        header = data.split(maxsplit=4)  # P5, width, height, maxval, pixels
        assert header[0] == b"P5"
        width, height = int(header[1]), int(header[2])
        pages.append((width, height, data[len(data) - width * height :]))
    return pages


@needs_poppler
def test_the_pdf_has_one_to_three_a4_pages_none_blank_with_the_record_on_them(lite: Database, tmp_path: Path) -> None:
    db = lite
    _seed_with_flag(db)
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(report_pdf(db=db, runner="ana", day=DAY))
    assert pdf.read_bytes().startswith(b"%PDF")
    pages = _pages(pdf, tmp_path)
    assert 1 <= len(pages) <= 3
    for width, height, pixels in pages:
        assert abs(height / width - 297 / 210) < 0.01, "A4 portrait"
        body = pixels[: width * int(height * 0.92)]  # above the running footer
        dark = sum(1 for p in body if p < 160) / len(body)
        assert dark > 0.003, f"a page with nothing on it but the footer ({dark:.2%} dark)"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    data = report_data(db=db, runner="ana", day=DAY)
    ep = data["episode"]
    assert "Calf strain report — ana" in text
    assert f"{ep['structure']} — likelihood 90%" in text and ep["side"] in text and ep["severity"] in text
    assert ep["onset"].isoformat() in text
    assert "possible blood clot (DVT)" in text and "a clinician (reported by the runner)" in text
    for span in ep["timeline"]:
        assert span["phase"].replace("_", " ") in text
    assert "Training load before and after the injury" in text and "No training files imported" not in text
    assert data["retro"]["lines"] and "What changed in the six weeks before the onset" in text
    assert data["sources"] and "Dubois" in text and "NICE" in text


@needs_poppler
def test_a_runner_without_runs_gets_a_shorter_report(lite: Database, tmp_path: Path) -> None:
    db = lite
    seed_runner(db, "ben", checkins=3, runs=0)
    pdf = tmp_path / "ben.pdf"
    pdf.write_bytes(report_pdf(db=db, runner="ben", day=DAY))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "No training files imported" in text and "No red flag was raised" in text
    words = " ".join(text.split())  # the seeded answers skip most red-flag questions: the report must say so
    assert "Red-flag questions were left unanswered at 4 of 4 safety screens (the assessment on 2025-05-10: 22" in words
    assert 1 <= len(_pages(pdf, tmp_path)) <= 2


def test_no_episode_no_report(db: Database) -> None:
    db.runner_id("cy")
    with pytest.raises(NotFound, match="no injury episode"):
        report_pdf(db=db, runner="cy", day=DAY)
    seed_runner(db, "ana", checkins=1, runs=0)
    with pytest.raises(NotFound, match="no episode 99"):
        report_pdf(db=db, runner="ana", episode_id=99, day=DAY)


def test_charts_tell_series_apart_without_colour() -> None:
    """Black and white print: each series has its own dash pattern and marker shape, and only greys are used."""
    points = [(DAY0 + timedelta(days=i), float(i)) for i in range(5)]
    svg = trend_chart(
        [Series("a", points, "left", "", "circle"), Series("b", points, "right", "6 3", "square")],
        first=DAY0,
        last=DAY0 + timedelta(days=4),
        bands=[(DAY0, DAY0 + timedelta(days=4), "strength phase")],
    )
    assert svg.count("<circle") == 5 + 1 and svg.count('<rect x="') >= 5 + 1 and 'stroke-dasharray="6 3"' in svg
    assert "strength phase" in svg
    bars = week_bars([(DAY0, 12.0), (DAY0 + timedelta(days=7), 3.0)], mark=DAY0 + timedelta(days=7))
    assert "url(#hatch)" in bars and bars.count("<rect") == 2 + 1 + 0
    import re

    colours = set(re.findall(r'(?:fill|stroke)="(#[0-9a-f]{6})"', svg + bars))
    assert all(c[1:3] == c[3:5] == c[5:7] for c in colours), f"only greys: {colours}"


@needs_poppler
def test_cli_writes_the_report(cli_env: str, tmp_path: Path) -> None:
    db = open_database(cli_env)
    seed_runner(db, "ana", checkins=3, runs=2)
    out = tmp_path / "ana.pdf"
    args = ["report", "--runner", "ana", "--date", DAY.isoformat()]
    result = CliRunner().invoke(app, [*args, "--episode", "1", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    result = CliRunner().invoke(app, [*args, "--episode", "7", str(tmp_path / "x.pdf")])
    assert result.exit_code == 4 and "no episode 7" in result.output and not (tmp_path / "x.pdf").exists()
    db.dispose()


def test_long_episodes_are_cut_to_the_latest_rows_and_say_so() -> None:
    """Twenty flagged check-ins: the report keeps the latest eight and counts the rest (three pages at most)."""
    from calfcare.exports.report import MAX_FLAG_ROWS, report_context, report_html

    flag = {"code": "dvt", "urgency": "urgent"}
    checkins = [
        {"id": i, "day": DAY0 + timedelta(days=i), "decision": "refer", "answers": {"morning_pain": 2},
         "result": {"red_flags": [flag], "phase": "protect"}}
        for i in range(1, 21)
    ]  # fmt: skip
    episode = {"id": 1, "status": "referred", "side": "right", "structure": "gastrocnemius", "severity": "mild",
               "onset": DAY0, "assessed_on": DAY0, "closed_on": None, "phase": "protect", "plan": None,
               "timeline": [{"phase": "protect", "from": DAY0, "to": DAY0 + timedelta(days=20)}]}  # fmt: skip
    data = {"runner": "zoe", "day": DAY0 + timedelta(days=21), "episode": episode, "assessments": [],
            "checkins": checkins, "adherence": None, "load": None, "retro": None, "sources": []}  # fmt: skip
    context = report_context(data)
    assert len(context["red_flags"]) == MAX_FLAG_ROWS and context["earlier_flags"] == 20 - MAX_FLAG_ROWS
    assert context["red_flags"][-1]["date"] == (DAY0 + timedelta(days=20)).isoformat()
    assert context["red_flags"][0]["cleared"] == "not cleared"
    html = report_html(data)
    assert "12 earlier red flags not shown" in html and "No training files imported" in html


def test_the_report_says_where_the_red_flag_screen_had_gaps() -> None:
    """ "No red flag" is not "none ruled out": a screen with unanswered questions is named, with how many."""
    from calfcare.exports.report import report_context

    missing = ["whole_leg_swollen", "calf_rock_hard", "foot_cold_pale_or_blue"]
    assessment = {"id": 1, "day": DAY0, "episode_id": 1, "answers": {},
                  "result": {"screen_complete": False, "screen_missing": missing}}  # fmt: skip
    checkins = [
        {"id": i, "day": DAY0 + timedelta(days=i), "decision": "hold", "answers": {},
         "result": {"screen_complete": i != 2, "red_flags": [], "phase": "protect"}}
        for i in (1, 2, 3)
    ]  # fmt: skip
    episode = {"id": 1, "status": "open", "side": "left", "structure": "soleus", "severity": "mild", "onset": DAY0,
               "assessed_on": DAY0, "closed_on": None, "phase": "protect", "plan": None, "timeline": []}  # fmt: skip
    data = {"runner": "zoe", "day": DAY0 + timedelta(days=4), "episode": episode, "assessments": [assessment],
            "checkins": checkins, "adherence": None, "load": None, "retro": None, "sources": []}  # fmt: skip
    text = report_context(data)["screens_text"]
    assert text.startswith("Red-flag questions were left unanswered at 2 of 4 safety screens")
    assert f"the assessment on {DAY0.isoformat()}: 3 unanswered" in text and "not ruled out" in text
    assessment["result"] = {"screen_complete": True}
    for c in checkins:
        c["result"]["screen_complete"] = True
    assert report_context(data)["screens_text"] == (
        "Every red-flag question was answered at all 4 safety screens (assessment and check-ins)."
    )


def test_every_red_flag_code_has_a_name_in_the_report() -> None:
    """A code the clinical rules can raise is shown by name, not as its identifier (a new code fails this)."""
    from calfcare.clinical.redflags import ALL_CODES
    from calfcare.exports.record import FLAG_LABELS

    assert sorted(FLAG_LABELS) == sorted(ALL_CODES)


CLOT = {**SOLEUS, "calf_bigger_than_other": True, "skin_warm_red_or_dark": True}  # urgent: no plan opens


def _text(pdf: bytes, tmp_path: Path) -> tuple[str, int]:
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(text.split()), len(_pages(path, tmp_path))


@needs_poppler
def test_a_runner_sent_to_a_clinician_at_triage_gets_a_report_of_that_assessment(
    lite: Database, tmp_path: Path
) -> None:
    """No episode opens on an urgent red flag, but that is when a clinician most needs the report."""
    outcome = assess(db=lite, runner="dee", answers=CLOT, day=DAY0)
    assert outcome.episode is None and outcome.result["disposition"] == "urgent"
    text, pages = _text(report_pdf(db=lite, runner="dee", day=DAY0), tmp_path)
    assert pages == 1
    assert "possible blood clot (DVT)" in text and "urgent" in text and "not cleared" in text
    assert "referred to a clinician (urgent) at the assessment on 2025-05-10; no rehab plan was opened" in text
    assert f"{(DAY0 - timedelta(days=2)).isoformat()} (gradual, long run)" in text  # onset from the answers
    assert "None: the assessment sent the runner to a clinician before any rehab" in text
    assert "NICE" in text  # the sources of the flag


@needs_poppler
def test_a_referral_after_a_closed_episode_is_what_the_report_shows(lite: Database, tmp_path: Path) -> None:
    seed_runner(lite, "ana", checkins=3, runs=0)
    close_episode(db=lite, runner="ana", episode_id=None, reason="healed", day=DAY0 + timedelta(days=4))
    later = DAY0 + timedelta(days=30)
    assess(db=lite, runner="ana", answers=CLOT, day=later)
    text, _ = _text(report_pdf(db=lite, runner="ana", day=later), tmp_path)
    assert f"referred to a clinician (urgent) at the assessment on {later.isoformat()}" in text
    assert "possible blood clot (DVT)" in text and "soleus — likelihood" not in text
    earlier, _ = _text(report_pdf(db=lite, runner="ana", episode_id=1, day=later), tmp_path)
    assert "soleus — likelihood 90%" in earlier and "referred to a clinician" not in earlier
