"""The intake service's application (FastAPI): the receiving side of the submission protocol,
version 1. Its OpenAPI document is generated from the models below and
:class:`elyclaims.submission.Receipt`, the client's own (``/openapi.json``;
``docs/openapi.json`` is its export).

Every caller is a claimant (its token names its Business ID) or an operator. A claimant sends,
reads, lists and withdraws only its own submissions: another's id answers 404, as one that does
not exist. An operator reads every submission and records its status. Every answer is JSON;
an error is ``{"error": …, "request_id": …}`` (with the findings where there are some), never a
traceback and never anything of the package. Access logs are JSON lines (:class:`elyclaims.web.Observed`).
"""

import asyncio
import contextlib
import errno
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from elyclaims._version import __version__
from elyclaims.formatting import to_wire
from elyclaims.intake._engines import StorageFault
from elyclaims.intake._store import Conflict, Incoming, IntakeStore, Withdrawal
from elyclaims.intake._tokens import Principal, Tokens
from elyclaims.privacy import sanitize
from elyclaims.submission import Receipt, ServerFinding
from elyclaims.web import CERTIFICATE, REQUEST_ID, WHO, Observed

if TYPE_CHECKING:
    from elyclaims.model import ClaimedLine
    from elyclaims.package import PackagedClaim

__all__ = ["IntakeSettings", "make_app", "openapi_document"]

_ERRORS = logging.getLogger("elyclaims.intake.error")
_ID = re.compile(r"[A-Za-z0-9-]{1,64}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_BEARER = HTTPBearer(auto_error=False, description="A token of a claimant's or of an "
                     "operator's ('elyclaims serve tokens add').")
#: The slowest a body may arrive, after the body timeout's grace (bytes a second).
_MIN_RATE = 16 * 1024
#: Less free space than this under the data folder is a full disk (507).
_ROOM_BYTES = 64 << 10


@dataclass(frozen=True)
class IntakeSettings:
    """How the service runs: its data folder (bodies in transit; the SQLite database unless
    *database* names PostgreSQL), who may call it, the largest package it accepts, and how
    long it waits for the next piece of a body."""

    data: Path
    tokens: Tokens = field(default_factory=Tokens, repr=False)
    max_body_bytes: int = 64 * 1024 * 1024
    database: str | None = field(default=None, repr=False)
    body_timeout: float = 30.0


class ErrorBody(BaseModel):
    """Why a request was refused or failed."""

    model_config = ConfigDict(extra="forbid")

    error: str = Field(description="What went wrong, in English.")
    request_id: str = Field(description="The request's id, as the service's log names it.")
    findings: list[ServerFinding] | None = Field(
        default=None, description="The findings that refused the package (422, 409).")
    status: str | None = Field(default=None,
                               description="The submission's status (409 of a withdrawal).")


class Health(BaseModel):
    status: Literal["ok", "ready"]
    version: str


class Submissions(BaseModel):
    """The caller's submissions, oldest first."""

    submissions: list[Receipt]


class StatusChange(BaseModel):
    """An operator's decision on a submission."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["in-review", "accepted", "partly-accepted", "rejected", "paid"]
    note: str | None = Field(default=None, max_length=500)


class Refused(Exception):
    """An answer other than success: its HTTP status and body."""

    def __init__(self, code: int, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.code = code
        self.error = error
        self.extra = extra


def _error(status: int, description: str) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorBody, "description": description}}


_UNAUTHORIZED = _error(401, "No valid bearer token.")
_NOT_FOUND = _error(404, "The caller has no such submission.")
_UNAVAILABLE = {**_error(503, "The service's storage failed; nothing was stored: try again "
                              "later."),
                **_error(507, "The service's disk is full; nothing was stored.")}
_DOWN = _error(503, "The service's storage failed: try again later.")


def _findings(findings: Iterable[Any]) -> list[dict[str, Any]]:
    return [
        {"rule": f.rule, "severity": f.severity.value, "message_key": f.key,
         "message": f.message("en"), "hint": f.hint("en"), "params": f.wire_parameters,
         "value": to_wire(f.value) if f.value is not None else None,
         "member": f.location.sheet, "row": f.location.row, "cell": f.location.cell,
         "header": f.location.header, "line_id": f.line_id}
        for f in findings
    ]


def make_app(settings: IntakeSettings) -> Observed:
    """The service for *settings*, with its access log around it: its store opened (and
    migrated) once, the package schemas parsed before the first request."""
    from elyclaims.package import claim_schema, manifest_schema

    store = IntakeStore(settings.data, settings.database)
    claim_schema()
    manifest_schema()
    return Observed(_application(settings, store))


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of the protocol, as the service serves it at ``/openapi.json``."""
    return _application(IntakeSettings(data=Path()), None).openapi()


def _application(settings: IntakeSettings, store: IntakeStore | None) -> FastAPI:
    app = FastAPI(
        title="elyclaims submission protocol", version="1",
        summary="Claims for State reimbursement of the costs of helping victims of human "
                "trafficking: the claimant's package in, its receipt and status out.",
        description=(
            "The body of a submission is an elyclaims claim package (a ZIP with claim.xml and "
            "manifest.xml, valid against claim-package-1.xsd and manifest-1.xsd). HTTPS with "
            "certificate verification is required; plain HTTP only to loopback. A caller "
            "authenticates with a bearer token, or a client certificate (mutual TLS), that "
            "belongs to one claimant (its Business ID) or to an operator. The package's "
            "SHA-256 is the Idempotency-Key: sending the same "
            "package again returns the first receipt with 200, so retries are safe. A "
            "claimant sees only its own submissions. The reference implementation is "
            "`elyclaims serve`."),
        docs_url=None, redoc_url=None, servers=[{"url": "https://intake.example.fi"}])

    under_way = _OneAtATime()

    def stored() -> IntakeStore:
        assert store is not None
        return store

    def caller(request: Request, credentials: Annotated[
            HTTPAuthorizationCredentials | None, Depends(_BEARER)]) -> Principal:
        if credentials is not None:
            who = settings.tokens.who(credentials.credentials)
        else:
            who = settings.tokens.by_certificate(request.scope.get("state", {}).get(CERTIFICATE))
        if who is None:
            raise Refused(401, "a valid bearer token (or client certificate) is needed")
        request.scope[WHO] = "operator" if who.operator else who.business_id
        return who

    def claimant(who: Annotated[Principal, Depends(caller)]) -> Principal:
        if who.operator:
            raise Refused(403, "an operator's token cannot send or withdraw a claimant's "
                               "package")
        return who

    def operator(who: Annotated[Principal, Depends(caller)]) -> Principal:
        if not who.operator:
            raise Refused(403, "an operator's bearer token is needed")
        return who

    @app.exception_handler(Refused)
    async def refused(request: Request, error: Refused) -> JSONResponse:
        return _answer(request, error.code, error.error, **error.extra)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        # Routing's own answers: 404 (no such route) and 405 (not this method).
        reason = ("no such resource" if error.status_code == 404 else
                  "this method is not allowed here" if error.status_code == 405 else
                  str(error.detail))
        response = _answer(request, error.status_code, reason)
        if error.headers:
            response.headers.update(error.headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        where = ", ".join(".".join(str(part) for part in problem.get("loc", ()))
                          for problem in error.errors())
        return _answer(request, 422, f"the request is not valid: {where}")

    async def storage(request: Request, error: Exception) -> JSONResponse:
        status, reason = _fault(error, settings.data)
        return _answer(request, status, reason)

    faults: tuple[type[Exception], ...] = (OSError, StorageFault,
                                           *(store.faults if store is not None else ()))
    for kind in faults:
        app.add_exception_handler(kind, storage)

    @app.exception_handler(Exception)
    async def failed(request: Request, error: Exception) -> JSONResponse:
        return _answer(request, 500, "the service failed; nothing was stored")

    @app.get("/v1/health", response_model=Health, tags=["operations"],
             summary="Liveness: the service answers")
    def health() -> Health:
        return Health(status="ok", version=__version__)

    @app.get("/v1/ready", response_model=Health, tags=["operations"],
             summary="Readiness: the service's database answers",
             responses=_error(503, "The database does not answer."))
    def ready() -> Health:
        try:
            stored().ready()
        except Exception as error:  # whatever the engine raises: not ready
            raise Refused(503, "the database does not answer") from error
        return Health(status="ready", version=__version__)

    @app.post(
        "/v1/claims", response_model=Receipt, status_code=201, tags=["claims"],
        summary="Submit a claim package",
        openapi_extra={"requestBody": {"required": True, "content": {"application/zip": {
            "schema": {"type": "string", "format": "binary"}}}}},
        responses={200: {"model": Receipt, "description": "This claimant sent this package "
                                                          "before: the same receipt."},
                   **_UNAUTHORIZED, **_error(403, "An operator's token cannot submit."),
                   **_error(408, "The body did not arrive in time."),
                   **_error(409, "The package repeats lines of another submission of the "
                                 "claimant that still counts (DU-002 findings), or its "
                                 "package id came before with another body."),
                   **_error(413, "The package is larger than the service accepts."),
                   **_error(422, "The package is not valid (its findings), is another "
                                 "claimant's (PK-011), supersedes no submission of the "
                                 "claimant's, or the Idempotency-Key is not its SHA-256."),
                   **_UNAVAILABLE})
    async def receive(
        request: Request, who: Annotated[Principal, Depends(claimant)],
        idempotency_key: Annotated[str, Header(
            description="The SHA-256 of the body, 64 lower-case hex digits.")] = "",
    ) -> JSONResponse:
        key = idempotency_key.strip().lower()
        if not _SHA256.fullmatch(key):
            raise Refused(422, "the Idempotency-Key must be the package's SHA-256")
        intake = stored()
        earlier = await run_in_threadpool(intake.receipt, claimant=who.business_id,
                                          sha256=key)
        incoming, digest = await _body(request, settings, intake.incoming)
        try:
            if digest != key:
                raise Refused(422, "the Idempotency-Key is not the SHA-256 of the body")
            if earlier is not None:
                return _receipt(200, earlier)
            # A package under way here already (a client's retry, a second run) waits for
            # it, and then gets its receipt, rather than being checked a second time.
            async with under_way.one((who.business_id, digest)):
                earlier = await run_in_threadpool(intake.receipt, claimant=who.business_id,
                                                  sha256=digest)
                if earlier is not None:
                    return _receipt(200, earlier)
                status, receipt = await run_in_threadpool(_check_and_keep, incoming, digest,
                                                          who, intake)
            return _receipt(status, receipt)
        finally:
            incoming.unlink(missing_ok=True)

    @app.get("/v1/claims", response_model=Submissions, tags=["claims"],
             summary="The caller's submissions (an operator's: everyone's)",
             responses={**_UNAUTHORIZED, **_error(422, "An unknown status."), **_DOWN})
    def submissions(
        who: Annotated[Principal, Depends(caller)],
        status: Annotated[Literal["received", "in-review", "accepted", "partly-accepted",
                                  "rejected", "paid", "withdrawn", "superseded"] | None,
                          Query(description="Only submissions with this status.")] = None,
    ) -> JSONResponse:
        found = stored().submissions(claimant=who.business_id, status=status)
        return JSONResponse({"submissions": [receipt.to_json() for receipt in found]})

    @app.get("/v1/claims/{submission_id}", response_model=Receipt, tags=["claims"],
             summary="A submission's receipt with its current status",
             description="By the submission id, or by the package's SHA-256 (a claimant "
                         "whose sending stopped before the answer came asks so).",
             responses={**_UNAUTHORIZED, **_NOT_FOUND, **_DOWN})
    def receipt(submission_id: str, who: Annotated[Principal, Depends(caller)]) -> JSONResponse:
        which = _submission(submission_id)
        found = stored().receipt(claimant=who.business_id, submission_id=which,
                                 sha256=which if _SHA256.fullmatch(which) else None)
        if found is None:
            raise Refused(404, "no such submission")
        return _receipt(200, found)

    @app.post("/v1/claims/{submission_id}/withdraw", response_model=Receipt, tags=["claims"],
              summary="The claimant withdraws a submission still received",
              responses={**_UNAUTHORIZED, **_error(403, "An operator's token cannot "
                                                        "withdraw."),
                         **_NOT_FOUND,
                         **_error(409, "It is no longer received (in review, decided, "
                                       "superseded)."), **_DOWN})
    def withdraw(submission_id: str,
                 who: Annotated[Principal, Depends(claimant)]) -> JSONResponse:
        try:
            return _receipt(200, stored().withdraw(_submission(submission_id),
                                                   claimant=who.business_id))
        except LookupError as missing:
            raise Refused(404, "no such submission") from missing
        except Withdrawal as refused:
            raise Refused(409, "only a submission still received can be withdrawn; this "
                               f"one is {refused.status}", status=refused.status) from refused

    @app.put("/v1/claims/{submission_id}/status", response_model=Receipt, tags=["operations"],
             summary="An operator records a submission's status",
             responses={**_UNAUTHORIZED, **_error(403, "Not an operator's token."),
                        **_NOT_FOUND, **_error(422, "Not a status an operator records."),
                        **_DOWN})
    def set_status(submission_id: str, change: StatusChange,
                   who: Annotated[Principal, Depends(operator)]) -> JSONResponse:
        try:
            return _receipt(200, stored().set_status(_submission(submission_id),
                                                     change.status, change.note))
        except LookupError as missing:
            raise Refused(404, "no such submission") from missing

    def document() -> dict[str, Any]:
        # FastAPI documents a 422 of its own validation on every route that takes parameters;
        # here a route answers 422 only where it says so, with the one error body.
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, summary=app.summary,
                                 description=app.description, routes=app.routes,
                                 servers=app.servers, tags=app.openapi_tags)
            for operations in schema["paths"].values():
                for operation in operations.values():
                    answer = operation["responses"].get("422", {})
                    if "HTTPValidationError" in json.dumps(answer):
                        del operation["responses"]["422"]
            for name in ("HTTPValidationError", "ValidationError"):
                schema["components"]["schemas"].pop(name, None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]
    return app


class _OneAtATime:
    """One holder at a time of each key; a key nobody holds or waits for is forgotten."""

    def __init__(self) -> None:
        self._locks: dict[object, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def one(self, key: object) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


def _submission(text: str) -> str:
    """A submission id (or a package digest) matched whole, else 404."""
    if not _ID.fullmatch(text):
        raise Refused(404, "no such submission")
    return text


def _answer(request: Request, code: int, error: str, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"error": sanitize(error),
                            "request_id": str(request.scope.get(REQUEST_ID, ""))}
    body.update(extra)
    return JSONResponse(body, status_code=code)


def _receipt(status: int, receipt: Receipt) -> JSONResponse:
    return JSONResponse(receipt.to_json(), status_code=status)


async def _body(request: Request, settings: IntakeSettings, folder: Path) -> tuple[Path, str]:
    """The request body in a temporary file in *folder*, and its SHA-256: refused (413) before
    a byte is read when it says it is too large, and stopped when it is (a chunked body
    included); 408 when the next piece does not come within the body timeout, or the whole
    comes slower than 16 KiB a second after it; 400 (to no one) when the client goes away
    before the end."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise Refused(400, "the Content-Length is not a number")
        if int(declared) > settings.max_body_bytes:
            raise Refused(413, f"the package is over {settings.max_body_bytes} bytes")
    handle, raw = tempfile.mkstemp(dir=folder, prefix=f"body.{os.getpid()}.", suffix=".part")
    path = Path(raw)
    digest = hashlib.sha256()
    size = 0
    started = time.monotonic()
    try:
        with open(handle, "wb") as target:
            chunks = request.stream().__aiter__()
            while True:
                # Each piece within the body timeout, and the whole no slower than _MIN_RATE
                # after it: a body trickled a byte at a time ends as one that stopped.
                left = started + settings.body_timeout + size / _MIN_RATE - time.monotonic()
                try:
                    block = await asyncio.wait_for(
                        chunks.__anext__(), max(0.0, min(settings.body_timeout, left)))
                except StopAsyncIteration:
                    break
                except TimeoutError as slow:
                    raise Refused(408, "the body did not arrive in time") from slow
                size += len(block)
                if size > settings.max_body_bytes:
                    raise Refused(413, f"the package is over {settings.max_body_bytes} bytes")
                digest.update(block)
                target.write(block)
    except ClientDisconnect as gone:
        path.unlink(missing_ok=True)
        raise Refused(400, "the body was not received whole") from gone
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, digest.hexdigest()


def _check_and_keep(incoming: Path, digest: str, who: Principal,
                    store: IntakeStore) -> tuple[int, Receipt]:
    """Inspect the package and store it unless it is invalid (422), another claimant's (422,
    PK-011) or repeats what its claimant claimed before (409)."""
    from elyclaims.package import inspect_package

    inspected = inspect_package(incoming, sent_by=who.business_id)
    findings = _findings(inspected.report.findings)
    if not inspected.ok or inspected.packaged is None:
        other = any(finding["rule"] == "PK-011" for finding in findings)
        raise Refused(422, "the package is another claimant's" if other else
                      "the package is not valid", findings=findings)
    return _keep(incoming, digest, inspected.packaged, findings, store)


def _keep(incoming: Path, digest: str, packaged: "PackagedClaim", findings: list[dict[str, Any]],
          store: IntakeStore) -> tuple[int, Receipt]:
    """Store a valid package unless it repeats what its claimant claimed before (409)."""
    from elyclaims.config import Config
    from elyclaims.model import duplicate_key, own_party
    from elyclaims.rules import RuleContext
    from elyclaims.rules.duplicates import claimed_before

    claim = packaged.claim
    own = own_party(claim)
    keys = [(line.line_id, key) for line in claim.expenses
            if (key := duplicate_key(line, own)) is not None]
    # The schema made the claimant's Business ID present, and PK-011 the caller's.
    package = Incoming(sha256=digest, package_id=packaged.package_id,
                       business_id=claim.claimant.business_id or "",
                       supersedes=packaged.supersedes, lines=keys)

    def check(claimed: "dict[str, ClaimedLine]") -> list[dict[str, Any]]:
        context = RuleContext(today=packaged.judged_on or packaged.created_at.date(),
                              config=Config(), claimed=claimed)
        return _findings(claimed_before(claim, context))

    try:
        receipt, created = store.store(incoming, package, findings=findings, check=check)
    except Conflict as conflict:
        raise Refused(409, conflict.reason, findings=conflict.findings) from conflict
    except LookupError as missing:
        raise Refused(422, "the package supersedes a submission this claimant does not "
                           "have") from missing
    return (201 if created else 200), receipt


def _fault(error: BaseException, folder: Path) -> tuple[int, str]:
    """A fault of the service's own storage: 507 when its disk is full (SQLite may say only
    "disk I/O error": the data folder's free space decides), else 503 (try again later);
    nothing was stored. The answer and the log name the cause, not the service's paths or
    anything of the package."""
    try:
        room = shutil.disk_usage(folder).free
    except OSError:
        room = None
    full = (isinstance(error, OSError) and error.errno in {errno.ENOSPC, errno.EDQUOT}) or (
        room is not None and room < _ROOM_BYTES)
    cause = "its disk is full" if full else (
        error.strerror if isinstance(error, OSError) and error.strerror else type(error).__name__)
    _ERRORS.error("storage fault: %s", cause)
    return (507 if full else 503), (f"the service cannot store anything now: {cause}; nothing "
                                    "was stored, send the package again later")
