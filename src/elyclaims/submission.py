"""Sending a package to the authority's endpoint, and asking for its status (protocol v1).

``POST {endpoint}/v1/claims`` with the package as the body (``application/zip``), the package's
SHA-256 as the ``Idempotency-Key`` and a bearer token or a client certificate; the answer is a
receipt (201, or 200 with the same receipt when the package was received before). ``GET
{endpoint}/v1/claims/{submission_id}`` gives the receipt with its current status.

Every call has a timeout; certificates are always verified (a CA bundle may be given); plain
``http://`` is allowed only to this machine (loopback); connection errors and 5xx answers are
retried a bounded number of times with back-off (urllib3's ``Retry``), which the idempotency key
makes safe. What requests and urllib3 raise is translated in :func:`_transport_errors`, the one
mapping of this boundary, into :class:`SubmissionError` (exit 3). Tokens are never printed.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from elyclaims.errors import ElyclaimsError, UsageError
from elyclaims.files import file_sha256
from elyclaims.i18n import N_

if TYPE_CHECKING:
    import requests

__all__ = ["STATUSES", "Credentials", "Receipt", "ServerFinding", "Status", "SubmissionConflict",
           "SubmissionError", "Timeouts", "status", "submit", "withdraw"]

PROTOCOL = "v1"
#: A submission's statuses: received, then in review and decided (by the authority's
#: operator), or withdrawn by its claimant, or superseded by a package that names it.
Status = Literal["received", "in-review", "accepted", "partly-accepted", "rejected", "paid",
                 "withdrawn", "superseded"]
STATUSES: tuple[str, ...] = get_args(Status)


class SubmissionError(ElyclaimsError):
    """The submission failed: network, TLS, authentication, or the server refused. ``findings``
    are the server's (a 422), ``status_code`` its HTTP status when it answered."""

    exit_code = 3
    kind = "submission"

    def __init__(self, message: str, *, status_code: int | None = None,
                 findings: Sequence[Mapping[str, Any]] = (), **values: object) -> None:
        super().__init__(message, **values)
        self.status_code = status_code
        self.findings = list(findings)


class SubmissionConflict(SubmissionError):
    """The endpoint answered 409: the package repeats lines its claimant claimed in another
    submission that still counts (``findings``: DU-002, naming it), or its package id came
    with another body; or a submission can no longer be withdrawn. Nothing failed in
    transport: the claim is wrong, exit 1."""

    exit_code = 1


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds to wait for a connection and for each answer."""

    connect: float = 10.0
    read: float = 120.0


@dataclass(frozen=True, slots=True)
class Credentials:
    """How the claimant authenticates: a bearer token, or a client certificate (mTLS)."""

    token: str | None = field(default=None, repr=False)
    cert_file: str | None = None
    key_file: str | None = None

    @classmethod
    def from_files(cls, *, token_file: str | Path | None = None, cert_file: str | None = None,
                   key_file: str | None = None) -> Credentials:
        """Read the token from *token_file* (its first line).

        Raises:
            UsageError: when the file cannot be read or is empty, or a key is given without a
                certificate.
        """
        token = None
        if token_file is not None:
            try:
                lines = Path(token_file).read_text(encoding="utf-8").split()
            except (OSError, UnicodeDecodeError) as error:
                raise UsageError(
                    '{token_file}: the token file cannot be read',
                    token_file=token_file) from error
            if not lines:
                raise UsageError('{token_file}: the token file is empty', token_file=token_file)
            token = lines[0]
        if key_file and not cert_file:
            raise UsageError("--key needs --cert (the client certificate)")
        return cls(token=token, cert_file=cert_file, key_file=key_file)


class ServerFinding(BaseModel):
    """One finding of the endpoint's, as a receipt or a refusal carries it: the rule, its
    severity, its message key and parameters (from which the client phrases it in its
    reader's language), the message in English and where it is (the package member, the row,
    the cell and its header, the line id). Fields an endpoint adds are kept."""

    model_config = ConfigDict(frozen=True, extra="allow")

    rule: str
    severity: str
    message_key: str | None = None
    message: str = ""
    hint: str | None = None
    params: dict[str, Any] | None = Field(
        default=None, description="The message's parameters, each as it is: text, a count, "
        '{"amount": "1234.50"}, {"date": "2026-07-01"}, {"percent": "13.5"}, '
        '{"named": "category", "code": "HEALTH"}, or a list of them.')
    value: Any = Field(default=None, description="The offending value, in the same form.")
    member: str | None = None
    row: int | None = None
    cell: str | None = Field(default=None, description="The cell in the member's sheet (K17), "
                             "where the line's table named its columns.")
    header: str | None = Field(default=None, description="The header of that cell's column.")
    line_id: str | None = None


class Receipt(BaseModel):
    """What the endpoint answered for a package: the submission id, the package's id and
    digest, when it was received, its status, the server's findings (warnings it saw) and the
    submission it superseded. The one receipt model: the client reads it, the reference intake
    writes it, and the OpenAPI document is generated from it. *created* (a 201) is the
    client's, not the protocol's."""

    model_config = ConfigDict(frozen=True)

    submission_id: str = Field(description="The endpoint's id of the submission.")
    package_id: str = Field(description="The package's own id (claim.xml PackageId).")
    package_sha256: str = Field(pattern=r"^[0-9a-f]{64}$",
                                description="The SHA-256 of the package, as sent.")
    received_at: str = Field(description="When it was received (UTC, ISO 8601).")
    status: Status
    findings: tuple[ServerFinding, ...] = Field(
        default=(), description="What the endpoint's check of the package found (warnings).")
    supersedes: str | None = Field(
        default=None, description="The submission this one superseded, when it names one.")
    created: bool = Field(default=False, exclude=True)

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, created: bool = False) -> Receipt:
        """A receipt from the endpoint's JSON.

        Raises:
            SubmissionError: when the JSON is not a receipt.
        """
        try:
            return cls.model_validate({**data, "created": created})
        except ValidationError as error:
            raise SubmissionError("the endpoint's answer is not a receipt") from error

    def to_json(self) -> dict[str, Any]:
        """The receipt as the protocol writes it (``supersedes`` only when it names one)."""
        data = self.model_dump(mode="json")
        if data["supersedes"] is None:
            del data["supersedes"]
        return data


def check_endpoint(endpoint: str) -> str:
    """*endpoint* without a trailing slash, when it is HTTPS, or HTTP to this machine.

    Raises:
        UsageError: for another scheme, or plain HTTP to another host.
    """
    parts = urlsplit(endpoint.strip())
    if parts.scheme not in {"https", "http"} or not parts.hostname:
        raise UsageError('{endpoint}: the endpoint must be an https:// address', endpoint=endpoint)
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise UsageError(
            '{endpoint}: plain http:// is allowed only to this machine (localhost); use https://',
            endpoint=endpoint)
    return endpoint.strip().rstrip("/")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _session(retries: int) -> requests.Session:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    retry = Retry(total=retries, connect=retries, read=retries, status=retries, other=0,
                  backoff_factor=0.5, status_forcelist=(500, 502, 503, 504),
                  allowed_methods=frozenset({"GET", "POST", "PUT"}), raise_on_status=False,
                  respect_retry_after_header=True)
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


@contextmanager
def _transport_errors(endpoint: str) -> Iterator[None]:
    """The one place that knows what requests raises: each becomes a SubmissionError."""
    import requests

    try:
        yield
    except requests.exceptions.SSLError as error:
        raise SubmissionError(
            "{endpoint}: the TLS connection failed (the server's certificate could not be verified, "
            'or the client certificate was refused)',
            endpoint=endpoint) from error
    except requests.exceptions.ConnectTimeout as error:
        raise SubmissionError('{endpoint}: no connection within the time limit', endpoint=endpoint) from error
    except requests.exceptions.Timeout as error:
        raise SubmissionError('{endpoint}: the server did not answer in time', endpoint=endpoint) from error
    except requests.exceptions.ConnectionError as error:
        raise SubmissionError(
            '{endpoint}: cannot reach the endpoint (network, address, or the server closed the '
            'connection)',
            endpoint=endpoint) from error
    except (requests.exceptions.RequestException, OSError, ValueError) as error:
        raise SubmissionError(
            '{endpoint}: the request failed: {kind}',
            endpoint=endpoint, kind=type(error).__name__) from error


def _request_options(credentials: Credentials, ca_bundle: str | None,
                     timeouts: Timeouts) -> dict[str, Any]:
    options: dict[str, Any] = {"timeout": (timeouts.connect, timeouts.read),
                               "verify": ca_bundle or True, "allow_redirects": False}
    if credentials.cert_file:
        options["cert"] = ((credentials.cert_file, credentials.key_file)
                           if credentials.key_file else credentials.cert_file)
    return options


def _headers(credentials: Credentials) -> dict[str, str]:
    headers = {"Accept": "application/json", "User-Agent": "elyclaims"}
    if credentials.token:
        headers["Authorization"] = f"Bearer {credentials.token}"
    return headers


def _answer(response: requests.Response, endpoint: str) -> Receipt:
    """The receipt of a 200/201, or the SubmissionError that says why not."""
    try:
        data = response.json()
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    code = response.status_code
    if code in {200, 201}:
        return Receipt.from_json(data, created=code == 201)
    reason = str(data.get("error") or response.reason or "")
    findings = data.get("findings") or []
    if code in {401, 403}:
        message = N_("{endpoint}: the endpoint refused the credentials (token or certificate)")
    elif code == 413:
        message = N_("{endpoint}: the package is larger than the endpoint accepts")
    elif code == 422:
        message = N_("{endpoint}: the endpoint refused the package: {reason}")
    elif code == 404:
        message = N_("{endpoint}: the endpoint does not know this submission")
    elif code == 409:
        raise SubmissionConflict(N_("{endpoint}: the endpoint refused: {reason}"),
                                 endpoint=endpoint, reason=reason, code=code, status_code=code,
                                 findings=findings if isinstance(findings, list) else [])
    else:
        message = N_("{endpoint}: the endpoint answered {code} {reason}")
    raise SubmissionError(message, endpoint=endpoint, reason=reason, code=code,
                          status_code=code,
                          findings=findings if isinstance(findings, list) else [])


def submit(
    package: str | Path,
    *,
    endpoint: str,
    credentials: Credentials | None = None,
    ca_bundle: str | None = None,
    timeouts: Timeouts | None = None,
    retries: int = 3,
    session: requests.Session | None = None,
) -> Receipt:
    """Send the package at *package* to *endpoint* and return the receipt.

    The package's SHA-256 is the idempotency key: sending it again (a retry, or a second run)
    gives the same receipt. *session* may be injected (tests, proxies).

    Raises:
        UsageError: for an endpoint that is not HTTPS (or HTTP to this machine).
        SubmissionConflict: the endpoint holds lines of this package in another submission
            (409, with its DU-002 findings).
        SubmissionError: on any transport, TLS, authentication or server failure.
        OSError: when the package cannot be read.
    """
    path = Path(package)
    digest = file_sha256(path)
    return _call("POST", "claims", endpoint=endpoint, credentials=credentials,
                 ca_bundle=ca_bundle, timeouts=timeouts, retries=retries, session=session,
                 data=path.read_bytes(),
                 headers={"Content-Type": "application/zip", "Idempotency-Key": digest})


def status(
    submission_id: str,
    *,
    endpoint: str,
    credentials: Credentials | None = None,
    ca_bundle: str | None = None,
    timeouts: Timeouts | None = None,
    retries: int = 3,
    session: requests.Session | None = None,
) -> Receipt:
    """The receipt of *submission_id* with its current status.

    Raises:
        UsageError: for an endpoint that is not HTTPS (or HTTP to this machine).
        SubmissionError: on any transport, TLS, authentication or server failure.
    """
    return _call("GET", f"claims/{submission_id}", endpoint=endpoint, credentials=credentials,
                 ca_bundle=ca_bundle, timeouts=timeouts, retries=retries, session=session)


def withdraw(
    submission_id: str,
    *,
    endpoint: str,
    credentials: Credentials | None = None,
    ca_bundle: str | None = None,
    timeouts: Timeouts | None = None,
    retries: int = 3,
    session: requests.Session | None = None,
) -> Receipt:
    """Withdraw *submission_id* (``POST …/withdraw``), while it is still ``received``, and
    return its receipt (status ``withdrawn``; the same for one withdrawn before).

    Raises:
        UsageError: for an endpoint that is not HTTPS (or HTTP to this machine).
        SubmissionConflict: it is no longer ``received`` (409).
        SubmissionError: on any transport, TLS, authentication or server failure.
    """
    return _call("POST", f"claims/{submission_id}/withdraw", endpoint=endpoint,
                 credentials=credentials, ca_bundle=ca_bundle, timeouts=timeouts,
                 retries=retries, session=session)


def _call(method: str, path: str, *, endpoint: str, credentials: Credentials | None,
          ca_bundle: str | None, timeouts: Timeouts | None, retries: int,
          session: requests.Session | None, data: bytes | None = None,
          headers: Mapping[str, str] | None = None) -> Receipt:
    """One call of the protocol (``{endpoint}/v1/{path}``) and the receipt it answers."""
    base = check_endpoint(endpoint)
    credentials = credentials or Credentials()
    own = session is None
    session = session or _session(retries)
    try:
        with _transport_errors(base):
            response = session.request(
                method, f"{base}/{PROTOCOL}/{path}", data=data,
                headers={**_headers(credentials), **(headers or {})},
                **_request_options(credentials, ca_bundle, timeouts or Timeouts()))
        return _answer(response, base)
    finally:
        if own:
            session.close()


def describe_request(package: str | Path, *, endpoint: str,
                     credentials: Credentials | None = None) -> dict[str, Any]:
    """What :func:`submit` would send (for ``--dry-run``): the address, the headers (the token
    as ``Bearer ***``) and the package's size and digest. Sends nothing."""
    base = check_endpoint(endpoint)
    path = Path(package)
    credentials = credentials or Credentials()
    headers = {**_headers(credentials), "Content-Type": "application/zip",
               "Idempotency-Key": file_sha256(path)}
    if credentials.token:
        headers["Authorization"] = "Bearer ***"
    return {"method": "POST", "url": f"{base}/{PROTOCOL}/claims", "headers": headers,
            "body_bytes": path.stat().st_size,
            "client_certificate": credentials.cert_file is not None}


def receipt_json(receipt: Receipt) -> str:
    """The receipt as indented JSON text."""
    return json.dumps(receipt.to_json(), ensure_ascii=False, indent=2) + "\n"
