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
) -> None:
    """Start the web app: triage, today's plan, check-ins and your training, in a browser (http://127.0.0.1:8000)."""
    import uvicorn

    from calfcare.services.web_state import issue_signin_token
    from calfcare.web import create_app
    from calfcare.web.config import WebSettings

    address = _lan_address() if lan else "127.0.0.1"
    settings = WebSettings.from_env(
        lan=lan, extra_hosts=(address,) if lan else (), runner=runner
    )  # refuses --lan without a secret
    web_app = create_app(settings)  # migrates the database
    local = f"http://127.0.0.1:{port}/"
    console.print(f"calfcare is running at [bold]{local}[/] (Ctrl+C stops it). Data: {web_app.state.db.safe_url}")
    if lan:
        link = f"http://{address}:{port}/signin/{issue_signin_token(db=web_app.state.db)}"
        console.print("On your phone (same network), scan this to sign in — the link works once, for 15 minutes:")
        print_qr(link)
        console.print(link, highlight=False, soft_wrap=True)
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(local,)).start()
    try:
        uvicorn.run(web_app, host="0.0.0.0" if lan else "127.0.0.1", port=port, log_level="warning")
    except OSError as exc:  # pragma: no cover - the port is taken
        raise StorageError(f"cannot listen on port {port}: {exc}") from exc
