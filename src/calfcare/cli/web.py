"""``calfcare serve``: the web app on this computer (http://127.0.0.1:8000), or on the local network with ``--lan``
(a one-time sign-in link shown as a QR code; refuses to start without CALFCARE_SECRET_KEY)."""

from __future__ import annotations

import socket
import threading
import webbrowser
from typing import Annotated

import typer

from calfcare.cli.app import RunnerOpt, app, console
from calfcare.errors import StorageError


def _lan_address() -> str:
    """This machine's address on the local network (the route a packet to the internet would take; none is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: a UDP connect picks a route and sends nothing
            return str(s.getsockname()[0])
        except OSError:
            return "127.0.0.1"


def print_qr(url: str) -> None:
    import qrcode

    qr = qrcode.QRCode(border=1)
    qr.add_data(url)
    qr.make(fit=True)
    qr.print_ascii(invert=True)


@app.command("serve")
def serve(
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="The port to listen on.")] = 8000,
    open_browser: Annotated[bool, typer.Option("--open", help="Open the app in your browser.")] = False,
    lan: Annotated[
        bool,
        typer.Option(
            "--lan",
            help="Also serve the local network (a phone on the same Wi-Fi): prints a QR code with a one-time sign-in "
            "link. Needs CALFCARE_SECRET_KEY.",
        ),
    ] = False,
    runner: RunnerOpt = None,
    multi_user: Annotated[
        bool,
        typer.Option(
            "--multi-user",
            help="Accounts for a clinic or club: sign-in, sharing with clinicians, API tokens. Needs "
            "CALFCARE_SECRET_KEY and CALFCARE_DATABASE_URL (PostgreSQL recommended).",
        ),
    ] = False,
    host: Annotated[
        str,
        typer.Option("--host", help="With --multi-user: the address to listen on (0.0.0.0 serves others)."),
    ] = "127.0.0.1",
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            "--forwarded-allow-ips",
            help="Behind a reverse proxy: the proxies' addresses whose X-Forwarded-For/-Proto headers are trusted "
            "(https from the proxy makes the session cookie Secure).",
        ),
    ] = None,
) -> None:
    """Start the web app: triage, today's plan, check-ins and your training, in a browser (http://127.0.0.1:8000)."""
    import uvicorn

    from calfcare.errors import InvalidInput
    from calfcare.services.web_state import issue_signin_token
    from calfcare.web import create_app
    from calfcare.web.config import LOOPBACK_HOSTS, WebSettings

    if host != "127.0.0.1" and not multi_user:
        raise InvalidInput("--host: only with --multi-user (a single runner's app serves this computer, or --lan)")
    address = _lan_address() if lan else "127.0.0.1"
    settings = WebSettings.from_env(
        lan=lan,
        extra_hosts=(address,) if lan else (),
        runner=runner,
        multi_user=multi_user,
        any_host=multi_user and host not in LOOPBACK_HOSTS,
    )  # refuses --lan or --multi-user without a secret
    if multi_user and settings.database_url.startswith("sqlite"):
        console.print(
            "[yellow]Warning:[/] --multi-user on SQLite works for one web process on one machine; "
            "use PostgreSQL for a clinic (several processes, workers)."
        )
    web_app = create_app(settings)  # migrates the database
    local = f"http://{host if multi_user else '127.0.0.1'}:{port}/"
    console.print(f"calfcare is running at [bold]{local}[/] (Ctrl+C stops it). Data: {web_app.state.db.safe_url}")
    if lan:
        link = f"http://{address}:{port}/signin/{issue_signin_token(db=web_app.state.db)}"
        console.print("On your phone (same network), scan this to sign in — the link works once, for 15 minutes:")
        print_qr(link)
        console.print(link, highlight=False, soft_wrap=True)
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(local,)).start()
    try:
        bind = host if multi_user else ("0.0.0.0" if lan else "127.0.0.1")
        if forwarded_allow_ips is not None:
            uvicorn.run(
                web_app,
                host=bind,
                port=port,
                log_level="warning",
                proxy_headers=True,
                forwarded_allow_ips=forwarded_allow_ips,
            )
        elif multi_user:  # no proxy trusted: X-Forwarded-* is ignored (sign-in throttling counts the real address)
            uvicorn.run(web_app, host=bind, port=port, log_level="warning", proxy_headers=False)
        else:
            uvicorn.run(web_app, host=bind, port=port, log_level="warning")
    except OSError as exc:  # pragma: no cover - the port is taken
        raise StorageError(f"cannot listen on port {port}: {exc}") from exc
