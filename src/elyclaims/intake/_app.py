"""The intake service's WSGI application.

- ``GET /v1/health``: 200 ``{"status": "ok"}``.
- ``POST /v1/claims``: 201 and the receipt; 200 and the same receipt for a package received
  before; 401 without a valid token; 413 when the body is over the limit (refused before it is
  read); 422 with the findings when the package is invalid, or when the ``Idempotency-Key`` is
  not its SHA-256.
- ``GET /v1/claims/{id}``: 200 and the receipt with its current status; 401; 404.
- ``PUT /v1/claims/{id}/status``: an operator records a status (``in-review``, ``accepted``,
  ``partly-accepted``, ``rejected``, ``paid``); 200 and the receipt.

Tokens are compared in constant time. Access logs name the method, the path, the status, the
size and the time, never anything of the package.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from elyclaims.intake._store import IntakeStore
from elyclaims.privacy import sanitize

__all__ = ["IntakeSettings", "make_app"]

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
Environ = dict[str, Any]

_ACCESS = logging.getLogger("elyclaims.intake.access")
_CLAIM = re.compile(r"^/v1/claims/([A-Za-z0-9-]{1,64})$")
_STATUS = re.compile(r"^/v1/claims/([A-Za-z0-9-]{1,64})/status$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_OPERATOR_STATUSES = frozenset({"in-review", "accepted", "partly-accepted", "rejected", "paid"})
_BLOCK = 1 << 16


@dataclass(frozen=True)
class IntakeSettings:
    """How the service runs: its data folder, the claimants' and operators' tokens, and the
    largest package it accepts."""

    data: Path
    tokens: Sequence[str] = field(default=(), repr=False)
    operator_tokens: Sequence[str] = field(default=(), repr=False)
    max_body_bytes: int = 64 * 1024 * 1024

    @staticmethod
    def read_tokens(path: str | Path | None) -> tuple[str, ...]:
        """The tokens in a file, one a line (blank lines and ``#`` comments left out)."""
        if path is None:
            return ()
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


class _Reply(Exception):
    def __init__(self, status: str, body: dict[str, Any]) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def _authorized(environ: Environ, tokens: Sequence[str]) -> bool:
    header = str(environ.get("HTTP_AUTHORIZATION", ""))
    given = header[7:].strip() if header.startswith("Bearer ") else ""
    # Every token is compared, in constant time, whichever matches.
    matched = False
    for token in tokens:
        matched |= hmac.compare_digest(given.encode(), token.encode())
    return matched and bool(given)


def _findings(report: Any) -> list[dict[str, Any]]:
    return [
        {"rule": f.rule, "severity": f.severity.value, "message_key": f.key,
         "message": f.message("en"), "hint": f.hint("en"), "member": f.location.sheet,
         "row": f.location.row, "line_id": f.line_id}
        for f in report.findings
    ]


def make_app(settings: IntakeSettings) -> Callable[[Environ, StartResponse], Iterable[bytes]]:
    """The WSGI application for *settings* (its store is opened once)."""
    store = IntakeStore(settings.data)

    def application(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        started = time.monotonic()
        method = str(environ.get("REQUEST_METHOD", "GET"))
        path = str(environ.get("PATH_INFO", ""))
        try:
            status, body = _route(method, path, environ, settings, store)
        except _Reply as reply:
            status, body = reply.status, reply.body
        data = sanitize(json.dumps(body, ensure_ascii=False)).encode("utf-8")
        start_response(status, [("Content-Type", "application/json; charset=utf-8"),
                                ("Content-Length", str(len(data)))])
        _ACCESS.info("%s %s %s %d %.0fms", method, path, status.split()[0], len(data),
                     (time.monotonic() - started) * 1000)
        return [data]

    return application


def _route(method: str, path: str, environ: Environ, settings: IntakeSettings,
           store: IntakeStore) -> tuple[str, dict[str, Any]]:
    if path == "/v1/health" and method == "GET":
        return "200 OK", {"status": "ok"}
    if path == "/v1/claims" and method == "POST":
        return _receive(environ, settings, store)
    if (match := _STATUS.match(path)) and method == "PUT":
        return _set_status(match.group(1), environ, settings, store)
    if (match := _CLAIM.match(path)) and method == "GET":
        if not _authorized(environ, (*settings.tokens, *settings.operator_tokens)):
            raise _Reply("401 Unauthorized", {"error": "a valid bearer token is needed"})
        receipt = store.receipt(submission_id=match.group(1))
        if receipt is None:
            raise _Reply("404 Not Found", {"error": "no such submission"})
        return "200 OK", receipt
    raise _Reply("404 Not Found", {"error": "no such resource"})


def _body(environ: Environ, settings: IntakeSettings, store: IntakeStore) -> tuple[Path, str]:
    """The request body in a temporary file of the store, and its SHA-256; refused (413)
    before a byte is read when it says it is too large, and stopped when it is."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.max_body_bytes:
        raise _Reply("413 Payload Too Large",
                     {"error": f"the package is over {settings.max_body_bytes} bytes"})
    handle, raw = tempfile.mkstemp(dir=store.incoming, suffix=".part")
    path = Path(raw)
    digest = hashlib.sha256()
    size = 0
    stream = environ["wsgi.input"]
    try:
        with open(handle, "wb") as target:
            while size < length:
                block = stream.read(min(_BLOCK, length - size))
                if not block:
                    break
                size += len(block)
                digest.update(block)
                target.write(block)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, digest.hexdigest()


def _receive(environ: Environ, settings: IntakeSettings,
             store: IntakeStore) -> tuple[str, dict[str, Any]]:
    from elyclaims.package import inspect_package

    if not _authorized(environ, settings.tokens):
        raise _Reply("401 Unauthorized", {"error": "a valid bearer token is needed"})
    key = str(environ.get("HTTP_IDEMPOTENCY_KEY", "")).strip().lower()
    if not _SHA256.match(key):
        raise _Reply("422 Unprocessable Entity",
                     {"error": "the Idempotency-Key must be the package's SHA-256"})
    earlier = store.receipt(sha256=key)
    incoming, digest = _body(environ, settings, store)
    try:
        if digest != key:
            raise _Reply("422 Unprocessable Entity",
                         {"error": "the Idempotency-Key is not the SHA-256 of the body"})
        if earlier is not None:
            return "200 OK", earlier
        inspected = inspect_package(incoming)
        findings = _findings(inspected.report)
        if not inspected.ok or inspected.packaged is None:
            raise _Reply("422 Unprocessable Entity",
                          {"error": "the package is not valid", "findings": findings})
        receipt, created = store.store(incoming, sha256=digest,
                                       package_id=inspected.packaged.package_id,
                                       findings=findings)
        return ("201 Created" if created else "200 OK"), receipt
    finally:
        incoming.unlink(missing_ok=True)


def _set_status(submission_id: str, environ: Environ, settings: IntakeSettings,
                store: IntakeStore) -> tuple[str, dict[str, Any]]:
    if not _authorized(environ, settings.operator_tokens):
        raise _Reply("401 Unauthorized", {"error": "an operator's bearer token is needed"})
    if store.receipt(submission_id=submission_id) is None:
        raise _Reply("404 Not Found", {"error": "no such submission"})
    try:
        length = min(int(environ.get("CONTENT_LENGTH") or 0), 4096)
        data = json.loads(environ["wsgi.input"].read(length) or b"{}")
    except (ValueError, TypeError) as error:
        raise _Reply("400 Bad Request", {"error": "the body must be JSON"}) from error
    status = data.get("status") if isinstance(data, dict) else None
    if status not in _OPERATOR_STATUSES:
        raise _Reply("422 Unprocessable Entity",
                     {"error": f"status must be one of {sorted(_OPERATOR_STATUSES)}"})
    note = data.get("note")
    store.set_status(submission_id, str(status), str(note)[:500] if note else None)
    receipt = store.receipt(submission_id=submission_id)
    assert receipt is not None
    return "200 OK", receipt
