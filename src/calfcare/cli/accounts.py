"""``calfcare user``: the admin's account commands (there is no mail server, so resets happen here)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from calfcare.cli.app import JsonOpt, app, console, open_store, print_json, want_json
from calfcare.errors import InvalidInput

user_app = typer.Typer(help="Accounts for a clinic or club (serve --multi-user): add, list, reset, disable.")
app.add_typer(user_app, name="user", no_args_is_help=True)

PasswordStdin = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from the first line of standard input (for scripts)."),
]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line.strip():
            raise InvalidInput("--password-stdin: standard input held no password")
        return line.rstrip("\r\n")
    first = typer.prompt("Password", hide_input=True)
    if typer.prompt("Repeat it", hide_input=True) != first:
        raise InvalidInput("password: the two entries differ")
    return str(first)


@user_app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="The sign-in name.", metavar="USERNAME")],
    role: Annotated[str, typer.Option("--role", help="runner, clinician or admin.", metavar="ROLE")] = "runner",
    runner: Annotated[
        str | None,
        typer.Option(
            "--runner", help="For a runner account: the runner record it owns (default: the username).", metavar="NAME"
        ),
    ] = None,
    password_stdin: PasswordStdin = False,
    json_out: JsonOpt = False,
) -> None:
    """Create an account (the password is asked twice, hidden, unless --password-stdin)."""
    from calfcare.services.accounts import add_user

    want_json(json_out)
    created = add_user(db=open_store(), username=username, password=_password(password_stdin), role=role, runner=runner)
    if json_out:
        print_json(created)
    else:
        console.print(f"Account [bold]{created['username']}[/] ({created['role']}) created.", highlight=False)


@user_app.command("list")
def list_(json_out: JsonOpt = False) -> None:
    """Every account: name, role, linked runner record, disabled or not (never a password)."""
    from calfcare.services.accounts import list_users

    want_json(json_out)
    users = list_users(db=open_store())
    if json_out:
        print_json(users)
        return
    if not users:
        console.print("No accounts yet: add one with `calfcare user add NAME --role admin`.")
    for u in users:
        state = " (disabled)" if u["disabled"] else ""
        console.print(f"{u['username']}\t{u['role']}{state}", highlight=False)


@user_app.command("reset-password")
def reset(
    username: Annotated[str, typer.Argument(help="The account.", metavar="USERNAME")],
    password_stdin: PasswordStdin = False,
    json_out: JsonOpt = False,
) -> None:
    """Set a new password for an account; its sessions end."""
    from calfcare.services.accounts import reset_password

    want_json(json_out)
    done = reset_password(db=open_store(), username=username, password=_password(password_stdin))
    if json_out:
        print_json(done)
    else:
        console.print(f"New password set for [bold]{username}[/]; their sessions have ended.", highlight=False)


@user_app.command("disable")
def disable(
    username: Annotated[str, typer.Argument(help="The account.", metavar="USERNAME")],
    enable: Annotated[bool, typer.Option("--enable", help="Enable a disabled account again.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Disable an account (no sign-in, sessions and tokens stop working); --enable undoes it."""
    from calfcare.services.accounts import set_disabled

    want_json(json_out)
    done = set_disabled(db=open_store(), username=username, disabled=not enable)
    if json_out:
        print_json(done)
    else:
        console.print(f"Account [bold]{username}[/] {'enabled' if enable else 'disabled'}.", highlight=False)


@user_app.command("signup")
def signup(
    mode: Annotated[str, typer.Argument(help="closed (default), invitation or open.", metavar="MODE")],
    code_stdin: Annotated[
        bool, typer.Option("--code-stdin", help="Read the invitation code from standard input.")
    ] = False,
) -> None:
    """Who may create their own runner account: nobody, those with the invitation code, or anyone."""
    from calfcare.services.accounts import set_signup

    code = sys.stdin.readline().strip() if code_stdin else None
    if mode == "invitation" and code is None:
        code = str(typer.prompt("Invitation code", hide_input=True))
    set_signup(db=open_store(), mode=mode, invitation_code=code)
    console.print(f"Sign-up is now {mode}.")
