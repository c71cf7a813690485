"""What the intake service tells its operators: a request id for every request (the answer's
``X-Request-Id`` and every error body carry it), one access-log line per request, and the
last guard against a failure that would otherwise reach the server (500 JSON, logged by its
kind only).

Every log line is one JSON object (:class:`JsonLines`): no request text can start a new line
or forge a field. An access line names the time, the request id, the method, the route's
template (``/v1/claims/{submission_id}``, never the path sent), the status, the bytes answered,
the duration and the caller (a Business ID, ``operator``, or nothing); never a token, a
package's content or an identity code.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any

from elyclaims.privacy import sanitize

__all__ = ["CERTIFICATE", "REQUEST_ID", "WHO", "JsonLines", "Observed"]

REQUEST_ID = "elyclaims.request_id"
WHO = "elyclaims.who"
#: In a request's ``scope["state"]``: the SHA-256 of the client certificate TLS verified.
CERTIFICATE = "elyclaims.certificate"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Application = Callable[[Scope, Receive, Send], Awaitable[None]]



class JsonLines(logging.Formatter):
    """A log record as one line of JSON: time, level, logger, message, and the fields an
    access line adds; every text masked as outputs are."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name,
            "message": sanitize(record.getMessage())}
        entry.update(getattr(record, "fields", {}))
        return json.dumps(entry, ensure_ascii=False, default=str)


class Observed:
    """*app* with request ids, access lines and the last guard around it; the lines go to the
    loggers *name*``.access`` and *name*``.error``."""

    def __init__(self, app: Any, *, name: str = "elyclaims.intake") -> None:
        self.app = app
        self._access = logging.getLogger(f"{name}.access")
        self._errors = logging.getLogger(f"{name}.error")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex[:16]
        scope[REQUEST_ID] = request_id
        started = time.monotonic()
        answered = {"status": 0, "bytes": 0}

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                answered["status"] = message["status"]
                message["headers"] = [*message.get("headers", ()),
                                      (b"x-request-id", request_id.encode())]
            elif message["type"] == "http.response.body":
                answered["bytes"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as error:  # the last guard: no traceback, no value of the request
            self._errors.error("request failed", extra={"fields": {
                "request_id": request_id, "kind": type(error).__name__}})
            if not answered["status"]:
                body = json.dumps({"error": "the service failed; nothing was stored",
                                   "request_id": request_id}).encode()
                await sending({"type": "http.response.start", "status": 500, "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())]})
                await sending({"type": "http.response.body", "body": body})
        finally:
            route = scope.get("route")
            self._access.info("request", extra={"fields": {
                "request_id": request_id, "method": scope.get("method"),
                "route": getattr(route, "path", None), "status": answered["status"],
                "bytes": answered["bytes"],
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
                "claimant": scope.get(WHO)}})
