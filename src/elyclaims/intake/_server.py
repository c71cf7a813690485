"""Running the intake service with waitress (a maintained WSGI server that runs on Windows
too): the body size limit is waitress' own too, and SIGTERM or SIGINT close it cleanly."""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
from types import FrameType

from elyclaims.intake._app import IntakeSettings, make_app

__all__ = ["serve"]


def serve(settings: IntakeSettings, *, host: str = "127.0.0.1", port: int = 8080) -> int:
    """Serve until SIGTERM or SIGINT; return 0. Prints ``listening on http://HOST:PORT`` to
    standard error once the socket is bound (with *port* 0, the port the system chose)."""
    from waitress.server import create_server

    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(message)s")
    server = create_server(make_app(settings), host=host, port=port,
                           max_request_body_size=settings.max_body_bytes, threads=4,
                           ident="elyclaims")

    def stop(signum: int, frame: FrameType | None) -> None:
        # Leave waitress' loop, which would run on while any client holds a connection open
        # (one refused before it sent its whole body, a keep-alive); waitress then lets the
        # requests under way end, and only after them are the sockets closed (closed earlier,
        # a request finishing would write to a closed trigger: "Bad file descriptor").
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    # One host gives one socket (waitress' BaseWSGIServer), whose bound address says the port.
    bound_host, bound_port = server.effective_host, server.effective_port  # type: ignore[union-attr]
    print(f"listening on http://{bound_host}:{bound_port}", file=sys.stderr, flush=True)
    with contextlib.suppress(SystemExit):
        server.run()
    server.close()
    return 0
