"""``calfcare episode list | show | close | reopen``: the runner's injury episodes. Each command parses its options,
calls one service in :mod:`calfcare.services.episode_admin`, and renders the result (readable, or ``--json``)."""

from __future__ import annotations

from typing import Annotated

import typer

from calfcare.cli import clinical_views as views
from calfcare.cli.app import DateOpt, JsonOpt, RunnerOpt, app, console, open_store, parse_day, print_json, runner_name
from calfcare.cli.app import want_json as _want_json
from calfcare.services import episode_admin

episode_app = typer.Typer(
    help="Your injury episodes: list them, show one, close one, reopen one closed by mistake.", no_args_is_help=True
)
app.add_typer(episode_app, name="episode")

IdArg = Annotated[
    int | None,
    typer.Argument(help="The episode's number (see `calfcare episode list`); default: the current one.", min=1),
]


@episode_app.command("list")
def list_command(json_out: JsonOpt = False, runner: RunnerOpt = None) -> None:
    """Every episode, oldest first: status, side, muscle, onset, phase, check-ins, and why it was closed."""
    _want_json(json_out)
    data = episode_admin.list_episodes(db=open_store(), runner=runner_name(runner), day=parse_day(None))
    if json_out:
        print_json(data)
    else:
        views.show_episode_list(console, data)


@episode_app.command("show")
def show_command(episode_id: IdArg = None, json_out: JsonOpt = False, runner: RunnerOpt = None) -> None:
    """One episode (default: the current one) with its assessments and check-ins."""
    _want_json(json_out)
    data = episode_admin.show_episode(
        db=open_store(), runner=runner_name(runner), episode_id=episode_id, day=parse_day(None)
    )
    if json_out:
        print_json(data)
    else:
        views.show_episode(console, data)


@episode_app.command("close")
def close_command(
    episode_id: IdArg = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why, in your words (kept with the episode).", show_default=False)
    ] = None,
    date_: DateOpt = None,
    json_out: JsonOpt = False,
    runner: RunnerOpt = None,
) -> None:
    """Close your open (or referred) episode; its check-ins are kept and `calfcare episode reopen` undoes it."""
    _want_json(json_out)
    day = parse_day(date_)
    data = episode_admin.close_episode(
        db=open_store(), runner=runner_name(runner), episode_id=episode_id, reason=reason, day=day
    )
    if json_out:
        print_json(data)
    else:
        views.show_episode_change(console, data)


@episode_app.command("reopen")
def reopen_command(
    episode_id: Annotated[int, typer.Argument(help="The episode's number (see `calfcare episode list`).", min=1)],
    json_out: JsonOpt = False,
    runner: RunnerOpt = None,
) -> None:
    """Reopen an episode closed by hand or by a new injury; its plan is replayed from its check-ins."""
    _want_json(json_out)
    data = episode_admin.reopen_episode(
        db=open_store(), runner=runner_name(runner), episode_id=episode_id, day=parse_day(None)
    )
    if json_out:
        print_json(data)
    else:
        views.show_episode_change(console, data)
