"""The reference intake service: the receiving side of the submission protocol (v1).

A WSGI application (:func:`make_app`) that authenticates claimants by bearer token, checks
every package exactly as ``elyclaims inspect`` does, stores accepted packages and receipts
(SQLite plus a folder, each written atomically) and answers status queries; :func:`serve` runs
it with waitress. It serves the tests (a real HTTP server on loopback), authorities that want
to try the format, and anyone building a real endpoint.
"""

from __future__ import annotations

from elyclaims.intake._app import IntakeSettings, make_app
from elyclaims.intake._server import serve
from elyclaims.intake._store import IntakeStore

__all__ = ["IntakeSettings", "IntakeStore", "make_app", "serve"]
