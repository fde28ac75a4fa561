from __future__ import annotations

import importlib
import importlib.util
import json
import os
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import calfcare
from calfcare.cli import app
from calfcare.cli.app import parse_day
from calfcare.contracts.dates import check_not_before_onset, onset_from
from calfcare.errors import ExitCode, InvalidAnswers, InvalidInput
from calfcare.settings import Settings
from commands import leaf_commands

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def fixtures() -> Any:
    """tests/activities/test_import_fixtures.py (activity files built in memory), wherever pytest was started."""
    path = Path(__file__).resolve().parents[1] / "activities" / "test_import_fixtures.py"
    spec = importlib.util.spec_from_file_location("calfcare_test_import_fixtures", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_day_in_the_future_is_refused_with_the_option_named() -> None:
    with pytest.raises(InvalidInput, match=r"--date: 2026-03-05 is in the future \(today is 2026-03-04\)"):
        parse_day("2026-03-05", today=date(2026, 3, 4))


def test_a_malformed_day_says_what_was_expected() -> None:
    with pytest.raises(InvalidInput, match="expected a date as YYYY-MM-DD, got '05/03/2026'"):
        parse_day("05/03/2026", today=date(2026, 3, 4))


def test_no_day_means_today_and_a_past_day_is_kept() -> None:
    assert parse_day(None, today=date(2026, 3, 4)) == date(2026, 3, 4)
    assert parse_day("2026-02-01", today=date(2026, 3, 4)) == date(2026, 2, 1)


def test_db_upgrade_reports_the_database_it_migrated(cli_env: str) -> None:
    result = CliRunner().invoke(app, ["db", "upgrade", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["status"] == "up to date"
    assert payload["database"].endswith("calfcare.db")


def test_an_unreachable_database_is_a_clear_storage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALFCARE_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    result = CliRunner().invoke(app, ["db", "upgrade", "--json"])
    assert result.exit_code == 7
    payload = json.loads(result.stdout)
    assert payload["error"] == "StorageError"
    assert "cannot open the database" in payload["message"]


# ---------------------------------------------------------------------------------------------------------------
# conventions: --version, -h, completion, readable help, --runner and --json everywhere, `-` for stdin


def _options(cmd: Any) -> set[str]:
    return {opt for p in cmd.params for opt in p.opts}


def test_version_and_short_help() -> None:
    version = CliRunner().invoke(app, ["--version"])
    assert version.exit_code == 0 and version.stdout.strip() == f"calfcare {calfcare.__version__}"
    for argv in (["-h"], ["today", "-h"], ["db", "where", "-h"]):
        shown = CliRunner().invoke(app, argv)
        assert shown.exit_code == 0 and "Usage:" in shown.stdout, argv


def test_a_mistyped_command_gets_a_suggestion_from_every_command_not_only_the_loaded_ones() -> None:
    result = CliRunner().invoke(app, ["adherance"])
    assert result.exit_code == 2 and "Did you mean 'adherence'?" in result.stderr


def test_shell_completion_can_be_installed() -> None:
    listed = CliRunner().invoke(app, ["--help"]).stdout
    assert "--install-completion" in listed and "--show-completion" in listed

    def complete(**env: str) -> str:  # a real process: completion reads the program's name and environment
        done = subprocess.run([sys.executable, "-m", "calfcare"], capture_output=True, text=True, timeout=60,
                              env={**os.environ, **env})  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "_CALFCARE_COMPLETE=complete_bash" in complete(_CALFCARE_COMPLETE="source_bash")  # what install writes
    bash = "complete_bash"
    assert complete(_CALFCARE_COMPLETE=bash, COMP_WORDS="calfcare to", COMP_CWORD="1").split() == ["today"]
    assert complete(_CALFCARE_COMPLETE=bash, COMP_WORDS="calfcare db wh", COMP_CWORD="2").split() == ["where"]


def test_help_shows_readable_types_not_python_ones() -> None:
    for name in [*leaf_commands(), "db"]:
        shown = CliRunner().invoke(app, [*name.split(), "--help"], env={"COLUMNS": "200"})
        assert shown.exit_code == 0, name
        for python_type in ("<bool>", "<str>", "<int>", "<path>", "<list[", "<Path>", "{TEXT}", "<float>"):
            assert python_type not in shown.stdout, (name, python_type)
    shown = CliRunner().invoke(app, ["import", "--help"], env={"COLUMNS": "200"}).stdout
    assert "PATH..." in shown and "NAME" in shown


#: commands that act for the whole database, not for one runner (the admin's accounts, the import queue worker)
NOT_FOR_ONE_RUNNER = {"user list", "user reset-password", "user disable", "user signup", "worker"}


def test_every_command_takes_runner() -> None:
    missing = [
        name
        for name, cmd in leaf_commands().items()
        if "--runner" not in _options(cmd) and name not in NOT_FOR_ONE_RUNNER
    ]
    assert missing == []


#: the commands that read (or report on) stored data: each prints JSON with --json
READ_COMMANDS = {"today", "history", "load", "retro", "adherence", "db where", "db upgrade", "import", "assess",
                 "checkin", "episode list", "episode show"}  # fmt: skip


def test_every_read_command_takes_json() -> None:
    commands = leaf_commands()
    assert {"today", "history", "load", "db where"} <= set(commands)
    missing = [name for name in READ_COMMANDS & set(commands) if "--json" not in _options(commands[name])]
    assert missing == []


def test_answers_dash_reads_the_answers_from_stdin(cli_env: str) -> None:
    text = (EXAMPLES / "soleus-build-up.json").read_text(encoding="utf-8")
    day = (date.today() - timedelta(days=1)).isoformat()
    result = CliRunner().invoke(app, ["assess", "--answers", "-", "--date", day, "--json"], input=text)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["structure"]["likely"] == "soleus"
    broken = CliRunner().invoke(app, ["assess", "--answers", "-", "--date", day], input='{"age":')
    assert broken.exit_code == 2 and "-: the answers file is not valid JSON" in broken.stderr


def test_a_piped_table_keeps_every_column_header_whole(cli_env: str) -> None:
    from test_load_cli import RUNNER, TODAY, fill

    fill(cli_env)
    result = CliRunner().invoke(app, ["load", "--runner", RUNNER, "--weeks", "4", "--date", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    header = next(line for line in result.stdout.splitlines() if "week of" in line)
    for column in ("change", "runs", "long run", "fast min", "climb m/km", "monotony", "spike", "injured"):
        assert column in header, column
    assert "…" not in result.stdout


def test_a_table_on_a_narrow_terminal_drops_its_borders_before_cutting_a_column(
    cli_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from test_load_cli import RUNNER, TODAY, fill

    fill(cli_env)
    cli_app = importlib.import_module("calfcare.cli.app")  # the module (calfcare.cli.app the attribute is the app)
    monkeypatch.setattr(cli_app, "_consoles", {})  # consoles made now see the terminal below
    env = {"TTY_COMPATIBLE": "1", "COLUMNS": "80", "NO_COLOR": "1"}
    result = CliRunner().invoke(app, ["load", "--runner", RUNNER, "--weeks", "4", "--date", TODAY.isoformat()], env=env)
    assert result.exit_code == 0, result.output
    lines = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout).splitlines()  # styles stay on a terminal, even NO_COLOR
    header = next(line for line in lines if "week of" in line)
    for column in ("change", "runs", "long run", "fast min", "climb m/km", "monotony", "spike", "injured"):
        assert column in header, column
    table = lines[lines.index(header) : lines.index(header) + 5]
    assert all(len(line) <= 80 for line in table) and "…" not in result.stdout


# ---------------------------------------------------------------------------------------------------------------
# exit codes: the same code for the same situation, everywhere


@pytest.mark.parametrize(
    "argv",
    [
        ["today"],
        ["history"],
        ["checkin", "--answers", str(EXAMPLES / "checkin-day3.json")],
        ["load"],
        ["retro"],
        ["adherence"],
    ],
    ids=lambda a: a[0],
)
def test_an_unknown_runner_is_exit_4_for_every_command(cli_env: str, argv: list[str]) -> None:
    result = CliRunner().invoke(app, [*argv, "--runner", "nobody", "--json"])
    assert result.exit_code == ExitCode.NOT_FOUND == 4, result.output
    assert json.loads(result.stdout)["error"] == "NotFound" and "'nobody'" in result.stderr


def test_urgent_and_emergency_results_exit_8_and_9_after_printing_the_result(cli_env: str, tmp_path: Path) -> None:
    base = json.loads((EXAMPLES / "soleus-build-up.json").read_text(encoding="utf-8"))
    day = (date.today() - timedelta(days=1)).isoformat()
    for flag, code in (("calf_bigger_than_other", 8), ("breathless_or_chest_pain", 9)):
        answers = tmp_path / f"{flag}.json"
        answers.write_text(json.dumps({**base, flag: True}), encoding="utf-8")
        result = CliRunner().invoke(app, ["assess", "--answers", str(answers), "--date", day, "--runner", flag])
        assert result.exit_code == code, result.output
        assert ("URGENT" if code == 8 else "EMERGENCY") in result.stdout
    plain = CliRunner().invoke(app, ["assess", "--answers", str(EXAMPLES / "soleus-build-up.json"), "--date", day])
    assert plain.exit_code == 0, plain.output


def test_an_import_with_a_refused_file_exits_3_and_imports_the_rest(cli_env: str, tmp_path: Path) -> None:
    gpx_run = fixtures().gpx_run
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "good.gpx").write_bytes(gpx_run(seconds=600))
    (inbox / "broken.fit").write_bytes(b"not a fit file at all")
    result = CliRunner().invoke(app, ["import", str(inbox), "--json"])
    assert result.exit_code == ExitCode.FILE_REFUSED == 3, result.output
    statuses = sorted(json.loads(line)["status"] for line in result.stdout.splitlines())
    assert statuses == ["error", "imported"] and "1 of 2 file(s) refused" in result.stderr


# ---------------------------------------------------------------------------------------------------------------
# dates: bounded, with the field named


def test_an_assessment_date_more_than_5_years_back_is_refused(cli_env: str) -> None:
    result = CliRunner().invoke(app, ["assess", "--answers", str(EXAMPLES / "soleus-build-up.json"), "--date",
                                      "1990-01-01"])  # fmt: skip
    assert result.exit_code == 2 and "--date: 1990-01-01 is more than 5 years ago" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("days", ["1e9", "100000", "2000"])
def test_a_huge_days_since_onset_is_a_clear_error_not_an_overflow(cli_env: str, tmp_path: Path, days: str) -> None:
    base = (EXAMPLES / "soleus-build-up.json").read_text(encoding="utf-8")
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps({**json.loads(base), "days_since_onset": float(days)}), encoding="utf-8")
    result = CliRunner().invoke(app, ["assess", "--answers", str(answers), "--json"])
    assert result.exit_code == 2, result.output
    assert not isinstance(result.exception, OverflowError)
    problems = json.loads(result.stdout)["problems"]
    assert problems[0]["field"] == "days_since_onset" and "within the last 5 years" in problems[0]["problem"]


def test_onset_bounds_in_the_contract_layer() -> None:
    today = date(2026, 3, 4)
    assert onset_from(today, 3.5, today=today) == date(2026, 3, 1)  # 3.5 days ago: in the morning of 1 March
    assert onset_from(today, None, today=today) == today
    with pytest.raises(InvalidAnswers, match="days_since_onset"):
        onset_from(today, 5 * 366, today=today)
    with pytest.raises(InvalidAnswers):
        onset_from(today, float("inf"), today=today)
    with pytest.raises(InvalidInput, match="before the onset"):
        check_not_before_onset(date(2026, 3, 1), date(2026, 3, 2))


def test_an_assessment_dated_before_the_open_episodes_onset_is_refused(cli_env: str) -> None:
    answers = str(EXAMPLES / "soleus-build-up.json")
    day = date.today() - timedelta(days=2)
    first = CliRunner().invoke(app, ["assess", "--answers", answers, "--date", day.isoformat(), "--json"])
    assert first.exit_code == 0, first.output
    onset = date.fromisoformat(json.loads(first.stdout)["episode"]["onset"])
    before = (onset - timedelta(days=1)).isoformat()
    result = CliRunner().invoke(app, ["assess", "--answers", answers, "--date", before])
    assert result.exit_code == 2 and "before the onset of your open episode" in result.stderr


def test_settings_refuse_a_malformed_lock_timeout() -> None:
    with pytest.raises(InvalidInput, match="CALFCARE_LOCK_TIMEOUT"):
        Settings.from_env({"CALFCARE_LOCK_TIMEOUT": "soon"})
    assert Settings.from_env({"CALFCARE_LOCK_TIMEOUT": "2.5"}).lock_timeout_s == 2.5


def test_a_database_error_no_service_wrapped_is_still_one_line_without_sql(
    cli_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    from calfcare.services import episodes

    def locked(**_: Any) -> None:
        raise OperationalError("SELECT answers FROM checkins WHERE pain = ?", ("my secret answer",), Exception("x"))

    with_runner = CliRunner().invoke(app, ["assess", "--answers", str(EXAMPLES / "soleus-build-up.json")])
    assert with_runner.exit_code == 0, with_runner.output
    monkeypatch.setattr(episodes, "history", locked)
    result = CliRunner().invoke(app, ["history"])
    assert result.exit_code == ExitCode.STORAGE, result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert "SELECT" not in result.stderr and "secret" not in result.stderr


def test_an_output_file_that_cannot_be_written_is_one_line(cli_env: str, tmp_path: Path) -> None:
    from test_load_cli import RUNNER, TODAY, fill

    fill(cli_env)
    (tmp_path / "a-file").write_text("x")
    target = tmp_path / "a-file" / "load.png"  # a "folder" that is a file
    result = CliRunner().invoke(app, ["load", "--runner", RUNNER, "--date", TODAY.isoformat(), "--plot", str(target)])
    assert result.exit_code == 1 and result.exception is not None and isinstance(result.exception, SystemExit)
    assert "a-file" in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
