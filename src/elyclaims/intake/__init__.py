"""The reference intake service: the receiving side of the submission protocol (v1).

A FastAPI application (:func:`make_app`) on uvicorn (:func:`serve`) that authenticates each
caller by a token belonging to one claimant or to an operator (:class:`Tokens`), checks every
package exactly as ``elyclaims inspect`` does, keeps packages and receipts in SQLite or
PostgreSQL (:class:`IntakeStore`), and answers each claimant about its own submissions only.
It serves the tests (a real HTTP server on loopback), authorities that want to try the format,
and anyone building a real endpoint. Importing it imports the web stack: the command line does
so only for ``serve``.
"""

from __future__ import annotations

from elyclaims.intake._app import IntakeSettings, make_app, openapi_document
from elyclaims.intake._engines import StorageFault
from elyclaims.intake._server import serve
from elyclaims.intake._store import IntakeStore
from elyclaims.intake._tokens import (
    OPERATOR,
    Principal,
    TokenFileError,
    Tokens,
    add_certificate,
    add_token,
    list_tokens,
    revoke_tokens,
    token_digest,
)
from elyclaims.web import Guard, Tls, uvicorn_config

__all__ = ["OPERATOR", "Guard", "IntakeSettings", "IntakeStore", "Principal", "StorageFault", "Tls",
           "TokenFileError", "Tokens", "add_certificate", "add_token", "list_tokens", "make_app",
           "openapi_document", "revoke_tokens", "serve", "token_digest", "uvicorn_config"]
