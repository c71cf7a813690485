"""Running the intake service (:func:`serve`): the application on the guarded uvicorn server of
:mod:`elyclaims.web`, its log as JSON lines on standard error.

A body must keep coming (:class:`~elyclaims.intake.IntakeSettings.body_timeout`); a request
head, the connections per client and in all are bounded by :class:`~elyclaims.web.Guard`.
SIGTERM or SIGINT stop the service gracefully: it stops accepting, lets the requests in flight
finish (for up to 30 seconds), and exits 0.
"""

from __future__ import annotations

import logging
import sys

from elyclaims.intake._app import IntakeSettings, make_app
from elyclaims.web import Guard, JsonLines, Tls, listen, run

__all__ = ["serve"]


def serve(settings: IntakeSettings, *, host: str = "127.0.0.1", port: int = 8080,
          guard: Guard | None = None, tls: Tls | None = None) -> int:
    """Serve until SIGTERM or SIGINT; return 0. Prints ``listening on http://HOST:PORT`` (or
    https) to standard error once the socket is bound (with *port* 0, the port the system
    chose)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    app = make_app(settings)
    listener, bound = listen(host, port)
    print(f"listening on {'https' if tls else 'http'}://{bound}", file=sys.stderr, flush=True)
    run(app, listener, guard=guard, tls=tls)
    return 0
