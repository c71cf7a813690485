"""The officer's app: ``elyclaims app``, the whole claim in a browser on the officer's own
machine, on the library and the web stack the intake uses (FastAPI on uvicorn).

:func:`serve_app` listens on loopback (a free port unless one is given), prints the address
with its one-time secret as the first line of standard output, opens it in the browser, and
serves until SIGTERM or SIGINT; uploads go to a private folder removed when it stops.
Importing it imports the web stack: the command line does so only for ``app``.
"""

from __future__ import annotations

import ipaddress
import logging
import shutil
import socket
import sys
import tempfile
import threading
from pathlib import Path

from elyclaims.app._app import AppSettings, make_app, openapi_document
from elyclaims.app._door import CSRF_COOKIE, SESSION_COOKIE, Keys
from elyclaims.errors import UsageError
from elyclaims.web import JsonLines, Tls, listen, run

__all__ = ["CSRF_COOKIE", "SESSION_COOKIE", "AppSettings", "Keys", "loopback", "make_app",
           "openapi_document", "serve_app"]


def loopback(host: str) -> bool:
    """True for an address of this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve_app(settings: AppSettings, *, host: str = "127.0.0.1", port: int = 0,
              browser: bool = True, tls: Tls | None = None) -> int:
    """Serve the app until SIGTERM or SIGINT; return 0.

    Raises:
        UsageError: for an address that is not loopback without TLS.
    """
    if not loopback(host) and tls is None:
        raise UsageError("--host {host}: the app answers other machines only over TLS; give "
                         "--certfile and --keyfile", host=host)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    logging.basicConfig(level=logging.WARNING, handlers=[handler], force=True)
    folder = Path(tempfile.mkdtemp(prefix="elyclaims-app-"))
    try:
        settings.folder = folder
        settings.local_files = loopback(host)
        keys = Keys()
        listener, bound = listen(host, port)
        port_ = bound.rsplit(":", 1)[1]
        hosts: frozenset[str] | None = None  # another address, over TLS: any name of it
        shown = bound
        if loopback(host):
            hosts = frozenset({bound.lower(), f"{host.lower()}:{port_}", f"localhost:{port_}"})
        elif host in {"0.0.0.0", "::", ""}:
            shown = f"{socket.getfqdn()}:{port_}"  # every address: the machine's name
        address = f"{'https' if tls else 'http'}://{shown}/?token={keys.secret}"
        print(address, flush=True)
        print(f"elyclaims app: {address.split('?')[0]} (Ctrl+C stops it)", file=sys.stderr,
              flush=True)
        if browser:
            import webbrowser

            threading.Thread(target=webbrowser.open, args=(address,), daemon=True).start()
        run(make_app(settings, keys, hosts, secure=tls is not None), listener, tls=tls)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0
