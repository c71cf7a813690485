"""The intake service's web stack, for real on loopback against a real PostgreSQL: who sees
what, the OpenAPI document against every answer, two instances on one database, hostile and
slow clients, and the log. Every answer a test here gets is checked against the OpenAPI
document the code generates (its status documented for its route, its body valid by the
schema), and every documented status is reached."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from jsonschema import Draft202012Validator

from conftest import REPO, run_elyclaims
from elyclaims import read_claim
from elyclaims.intake import openapi_document
from elyclaims.package import build_package
from postgres import fresh_database
from test_submission import (
    CLAIMANT,
    OPERATOR,
    OTHER,
    TODAY,
    TOKEN,
    Service,
    _access_lines,
    _package,
    _start,
    _stop,
)
from workbooks import Sheet, clean_claim, expense_row, write_xlsx

pytestmark = pytest.mark.postgresql

DOCUMENT = openapi_document()
#: (method, route template, status) of every answer the tests here got.
SEEN: set[tuple[str, str, str]] = set()
#: Documented answers reached by a test elsewhere, which needs a fixture of its own.
ELSEWHERE = {("post", "/v1/claims", "507"):
             "test_faults.py::test_the_intake_on_a_full_disk_answers_507_and_stays_up"}
_ROUTES = [(re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path)
           for path in DOCUMENT["paths"]]


def _route(url: str) -> str | None:
    path = "/" + url.split("/", 3)[3].split("?")[0] if url.count("/") >= 3 else "/"
    return next((template for pattern, template in _ROUTES if pattern.match(path)), None)


def call(method: str, url: str, *, token: str | None = None, **options: Any) -> requests.Response:
    """One request; its answer checked against the OpenAPI document and recorded."""
    headers = dict(options.pop("headers", {}))
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    answer = requests.request(method, url, headers=headers, timeout=30, **options)
    route = _route(url)
    assert route is not None, url
    operation = DOCUMENT["paths"][route].get(method.lower())
    assert operation is not None, (method, route)
    status = str(answer.status_code)
    assert status in operation["responses"], (method, route, status, answer.text)
    schema = operation["responses"][status]["content"]["application/json"]["schema"]
    Draft202012Validator({**schema, "components": DOCUMENT["components"]}).validate(answer.json())
    assert answer.headers["x-request-id"]
    SEEN.add((method.lower(), route, status))
    return answer


def _post(service: Service, body: bytes, token: str | None = TOKEN,
          key: str | None = None) -> requests.Response:
    return call("POST", f"{service.url}/v1/claims", token=token, data=body,
                headers={"Content-Type": "application/zip",
                         "Idempotency-Key": key or hashlib.sha256(body).hexdigest()})


@pytest.fixture(scope="module")
def database(postgres_server: str) -> str:
    return fresh_database(postgres_server)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, database: str) -> Iterator[Service]:
    """The intake service on PostgreSQL, with a small body limit and short timeouts."""
    running = _start(tmp_path_factory.mktemp("intake"), "main", "--max-body-bytes", "300000",
                     "--body-timeout", "2", database=database)
    yield running
    _stop(running)


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Packages of the claimant, each with lines of its own."""
    folder = tmp_path_factory.mktemp("packages")
    return {name: _package(folder, f"{name}.zip", cells={
        ("Kulut", 1, 7): f"T-{name}", ("Kulut", 2, 7): f"TP-{name}", ("Kulut", 3, 7): f"A-{name}"})
        for name in ("first", "second", "third", "fourth")}


# ------------------------------------------------------------------------ who sees what


def test_each_claimant_sees_only_its_own(service: Service, packages: dict[str, Path]) -> None:
    """A claimant's receipt, by id or digest, is 404 to another claimant (as one that does not
    exist) and 200 to an operator; the list holds only the caller's own (an operator's: all);
    another claimant cannot withdraw it; a status filter narrows the list."""
    body = packages["first"].read_bytes()
    sent = _post(service, body)
    assert sent.status_code == 201
    receipt = sent.json()
    assert _post(service, body).json() == receipt  # 200, the same receipt
    for which in (receipt["submission_id"], receipt["package_sha256"]):
        assert call("GET", f"{service.url}/v1/claims/{which}", token=TOKEN).json() == receipt
        assert call("GET", f"{service.url}/v1/claims/{which}", token=OTHER).status_code == 404
        assert call("GET", f"{service.url}/v1/claims/{which}",
                    token=OPERATOR).status_code == 200
    assert call("GET", f"{service.url}/v1/claims/20990101-000000000000",
                token=TOKEN).status_code == 404
    own = call("GET", f"{service.url}/v1/claims", token=TOKEN).json()["submissions"]
    assert receipt in own
    assert call("GET", f"{service.url}/v1/claims", token=OTHER).json() == {"submissions": []}
    assert receipt in call("GET", f"{service.url}/v1/claims",
                           token=OPERATOR).json()["submissions"]
    assert call("GET", f"{service.url}/v1/claims?status=paid",
                token=TOKEN).json() == {"submissions": []}
    assert call("GET", f"{service.url}/v1/claims?status=lost", token=TOKEN).status_code == 422
    assert call("GET", f"{service.url}/v1/claims", token="väärä").status_code == 401
    withdraw = f"{service.url}/v1/claims/{receipt['submission_id']}/withdraw"
    assert call("POST", withdraw, token=OTHER).status_code == 404
    assert call("POST", withdraw, token=OPERATOR).status_code == 403
    assert call("POST", withdraw, token=None).status_code == 401
    assert call("GET", f"{service.url}/v1/claims/{receipt['submission_id']}",
                token=TOKEN).json()["status"] == "received"


def test_another_claimants_package_is_refused_never_answered(
        service: Service, packages: dict[str, Path]) -> None:
    """Claimant B posting claimant A's package (sent by A before, or not) gets 422 with PK-011,
    never A's submission id or receipt; an operator's token cannot post."""
    for name in ("first", "second"):
        answer = _post(service, packages[name].read_bytes(), token=OTHER)
        assert answer.status_code == 422
        assert [f["rule"] for f in answer.json()["findings"] if f["severity"] == "error"] == [
            "PK-011"]
        assert "submission_id" not in answer.text
    assert _post(service, packages["second"].read_bytes(), token=OPERATOR).status_code == 403
    assert _post(service, packages["second"].read_bytes(), token=None).status_code == 401


def test_refusals_of_the_body(service: Service, packages: dict[str, Path]) -> None:
    """A wrong Idempotency-Key and a broken package are 422, a body over the limit 413 (also
    chunked, without a length), a body that stops coming 408; a package repeating another's
    lines 409 with DU-002 findings."""
    body = packages["third"].read_bytes()
    assert _post(service, body, key="0" * 64).status_code == 422
    assert _post(service, body[:500]).status_code == 422
    assert _post(service, b"x" * 400_000, key="1" * 64).status_code == 413
    chunked = call("POST", f"{service.url}/v1/claims", token=TOKEN,
                   data=iter([b"x" * 100_000] * 4),
                   headers={"Idempotency-Key": "2" * 64, "Content-Type": "application/zip"})
    assert chunked.status_code == 413
    assert _post(service, body).status_code == 201
    repeated = _package(packages["third"].parent, "repeat.zip", cells={
        ("Kulut", 1, 7): "T-third", ("Kulut", 2, 7): "TP-other", ("Kulut", 3, 7): "A-other"})
    refused = _post(service, repeated.read_bytes())
    assert refused.status_code == 409
    assert {f["rule"] for f in refused.json()["findings"]} == {"DU-002"}
    # A body that stops after half of what it said.
    host, port = service.url.rsplit("//", 1)[1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as stalled:
        stalled.sendall(b"POST /v1/claims HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                        TOKEN.encode() + b"\r\nIdempotency-Key: " + b"3" * 64 +
                        b"\r\nContent-Length: 1000\r\n\r\n" + b"x" * 500)
        answer = b""
        while block := stalled.recv(65536):  # to the end: the service closes it
            answer += block
    assert answer.startswith(b"HTTP/1.1 408 ")
    document = json.loads(answer.split(b"\r\n\r\n", 1)[1])
    Draft202012Validator({"$ref": "#/components/schemas/ErrorBody",
                          "components": DOCUMENT["components"]}).validate(document)
    SEEN.add(("post", "/v1/claims", "408"))


def test_operators_record_status_and_notes_are_masked(
        service: Service, packages: dict[str, Path], database: str) -> None:
    """An operator's status reaches the claimant; a claimant's token cannot set one (403); an
    unknown status is 422, an unknown id 404; a note with an identity code is stored masked
    (in the database itself, not only in the answer); a withdrawal after review is 409."""
    import psycopg

    receipt = _post(service, packages["fourth"].read_bytes()).json()
    address = f"{service.url}/v1/claims/{receipt['submission_id']}/status"
    assert call("PUT", address, token=TOKEN, json={"status": "paid"}).status_code == 403
    assert call("PUT", address, token=None, json={"status": "paid"}).status_code == 401
    assert call("PUT", address, token=OPERATOR, json={"status": "lost"}).status_code == 422
    assert call("PUT", f"{service.url}/v1/claims/20990101-000000000000/status",
                token=OPERATOR, json={"status": "paid"}).status_code == 404
    changed = call("PUT", address, token=OPERATOR,
                   json={"status": "in-review", "note": "asiakas 131052-308T soitti"})
    assert changed.status_code == 200
    assert changed.json()["status"] == "in-review"
    with psycopg.connect(database) as db:
        notes = [row[0] for row in db.execute("SELECT note FROM statuses WHERE note IS NOT NULL")]
    assert notes
    assert not any("131052-308T" in note for note in notes)
    late = call("POST", f"{address.rsplit('/', 1)[0]}/withdraw", token=TOKEN)
    assert late.status_code == 409
    assert late.json()["status"] == "in-review"
    # The claimant's own withdrawal of one still received.
    other = _post(service, packages["second"].read_bytes()).json()
    assert call("POST", f"{service.url}/v1/claims/{other['submission_id']}/withdraw",
                token=TOKEN).json()["status"] == "withdrawn"


def test_ids_are_matched_whole_and_the_log_cannot_be_forged(service: Service) -> None:
    """An id with a line break after it, or CR LF and a forged log line in it, is 404; every
    line of the log is one JSON object, by route template, and none holds the forged text, a
    token or an identity code."""
    forged = "x%0d%0aFAKE-LOG-LINE%20200%20OK"
    assert call("GET", f"{service.url}/v1/claims/{forged}", token=TOKEN).status_code == 404
    assert call("GET", f"{service.url}/v1/claims/20261129-000000000000%0a",
                token=TOKEN).status_code == 404
    assert call("GET", f"{service.url}/v1/claims/x%0a").status_code == 401
    assert requests.delete(f"{service.url}/v1/health", timeout=5).status_code == 405
    assert requests.get(f"{service.url}/v1/nothing", timeout=5).status_code == 404
    time.sleep(0.3)
    for line in service.log[1:]:
        entry = json.loads(line)
        assert "FAKE-LOG-LINE" not in line
        assert TOKEN not in line
        assert "131052-308T" not in line
        assert entry["level"] in {"info", "warning", "error"}
    routes = {line["route"] for line in _access_lines(service)}
    assert "/v1/claims/{submission_id}" in routes
    assert not any(route and "%" in route for route in routes)


# --------------------------------------------------------------------- OpenAPI and health


def test_the_openapi_document_is_the_codes(service: Service) -> None:
    """docs/openapi.json is the export of the code's document (docs/export_openapi.py writes
    it), and the service serves the same at /openapi.json."""
    exported = json.loads((REPO / "docs" / "openapi.json").read_text(encoding="utf-8"))
    assert exported == DOCUMENT, "run: python docs/export_openapi.py"
    assert requests.get(f"{service.url}/openapi.json", timeout=5).json() == DOCUMENT
    assert call("GET", f"{service.url}/v1/health").json()["status"] == "ok"
    assert call("GET", f"{service.url}/v1/ready").json()["status"] == "ready"
    receipt = DOCUMENT["components"]["schemas"]["Receipt"]
    assert set(receipt["required"]) == {"submission_id", "package_id", "package_sha256",
                                        "received_at", "status"}
    assert "created" not in receipt["properties"]


def _built(folder: Path, name: str, invoices: tuple[str, str]) -> bytes:
    """A package of the claimant with two lines, of these invoice numbers."""
    rows = [expense_row(Laskun_numero=invoice) for invoice in invoices]
    workbook = write_xlsx(folder / f"{name}.xlsx", {
        **clean_claim(), "Kulut": Sheet([clean_claim()["Kulut"].rows[0], *rows])})
    claim, report = read_claim(workbook, today=TODAY, ledger=None)
    assert claim is not None
    return build_package(claim, report, folder / f"{name}.zip", ledger=None).path.read_bytes()


def test_two_instances_on_one_database(tmp_path: Path, postgres_server: str) -> None:
    """Two intake processes on one PostgreSQL: the same package posted to both at one moment
    is received once (201 and 200 with one receipt); two packages sharing a line, one to
    each at one moment, give one 201 and one 409. Five rounds of each."""
    database = fresh_database(postgres_server)
    services = [_start(tmp_path, f"instance-{n}", database=database) for n in (1, 2)]
    try:
        rounds = [(_built(tmp_path, f"{n}-same", (f"S{n}-1", f"S{n}-2")),
                   _built(tmp_path, f"{n}-b", (f"L{n}", f"L{n}-b")),
                   _built(tmp_path, f"{n}-c", (f"L{n}", f"L{n}-c"))) for n in range(5)]

        def at_once(bodies: list[bytes]) -> list[requests.Response]:
            barrier = threading.Barrier(2)
            answers: list[requests.Response] = []

            def post(service: Service, body: bytes) -> None:
                barrier.wait(timeout=10)
                answers.append(_post(service, body))

            threads = [threading.Thread(target=post, args=(service, body))
                       for service, body in zip(services, bodies, strict=True)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            return answers

        for same, one, other in rounds:
            twice = at_once([same, same])
            assert sorted(a.status_code for a in twice) == [200, 201]
            assert twice[0].json() == twice[1].json()
            shared = at_once([one, other])
            assert sorted(a.status_code for a in shared) == [201, 409]
        assert services[0].store().count() == 10
        assert services[1].store().counting_lines() == 20
    finally:
        for service in services:
            _stop(service)


def test_a_database_that_goes_away_is_503_everywhere(
        tmp_path: Path, postgres_server: str, packages: dict[str, Path]) -> None:
    """With its database gone, every route that reads it answers 503 (never a traceback, never
    a 500), readiness says so, liveness still answers."""
    import psycopg

    database = fresh_database(postgres_server)
    gone = _start(tmp_path, "gone", database=database)
    try:
        receipt = _post(gone, packages["first"].read_bytes()).json()
        with psycopg.connect(postgres_server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{database.rsplit("/", 1)[1]}" WITH (FORCE)')
        claim = f"{gone.url}/v1/claims/{receipt['submission_id']}"
        answers = [
            _post(gone, packages["second"].read_bytes()),
            call("GET", f"{gone.url}/v1/claims", token=TOKEN),
            call("GET", claim, token=TOKEN),
            call("POST", f"{claim}/withdraw", token=TOKEN),
            call("PUT", f"{claim}/status", token=OPERATOR, json={"status": "paid"}),
            call("GET", f"{gone.url}/v1/ready"),
        ]
        assert [a.status_code for a in answers] == [503] * 6
        assert call("GET", f"{gone.url}/v1/health").status_code == 200
    finally:
        _stop(gone)
    assert "Traceback" not in "".join(gone.log)


def test_every_documented_answer_is_reached() -> None:
    """Each status the document gives each operation was answered to a test here (or, where
    named, elsewhere): nothing documented that the service never says. Runs last."""
    documented = {(method, path, status) for path, operations in DOCUMENT["paths"].items()
                  for method, operation in operations.items()
                  for status in operation["responses"]}
    assert documented - SEEN - set(ELSEWHERE) == set()


# ------------------------------------------------------------------ slow and hostile clients


@pytest.mark.slow
def test_trickling_and_idle_connections_do_not_stop_the_service(
        tmp_path: Path, database: str) -> None:
    """200 connections from four other addresses that trickle their headers a byte a second,
    trickle a body, or send nothing: 20 ordinary requests are each answered within 2 s while
    all 200 are held; after the header and body timeouts every one of the 200 is closed. One
    address over its bound of connections is closed at once, and others are still served."""
    slow = _start(tmp_path, "slow", "--header-timeout", "4", "--body-timeout", "4",
                  "--max-connections-per-client", "60", database=database)
    host, port = slow.url.rsplit("//", 1)[1].split(":")
    held: list[tuple[socket.socket, bytes]] = []
    try:
        for number in range(200):
            source = f"127.0.0.{2 + number % 4}"
            connection = socket.create_connection((host, int(port)), timeout=5,
                                                  source_address=(source, 0))
            kind = number % 3
            if kind == 1:  # a body trickled after a whole head
                connection.sendall(b"POST /v1/claims HTTP/1.1\r\nHost: x\r\nAuthorization: "
                                   b"Bearer " + TOKEN.encode() + b"\r\nIdempotency-Key: "
                                   + b"4" * 64 + b"\r\nContent-Length: 100000\r\n\r\n")
            held.append((connection, b"GET /v1/health HTTP/1.1\r\n" if kind == 0 else
                         b"x" * 100 if kind == 1 else b""))
        stop = threading.Event()

        def trickle() -> None:
            sent = 0
            while not stop.wait(1.0):
                for connection, data in held:
                    if data:
                        with contextlib.suppress(OSError):
                            connection.send(data[sent % len(data):sent % len(data) + 1])
                sent += 1

        trickler = threading.Thread(target=trickle, daemon=True)
        trickler.start()
        took = []
        for _ in range(20):
            started = time.monotonic()
            assert requests.get(f"{slow.url}/v1/health", timeout=5).status_code == 200
            took.append(time.monotonic() - started)
        assert max(took) < 2.0, took
        assert _open(held) == 200
        # Over the bound of one address: closed at once; the address 127.0.0.1 still served.
        crowd = [socket.create_connection((host, int(port)), timeout=5,
                                          source_address=("127.0.0.9", 0)) for _ in range(61)]
        time.sleep(0.5)
        assert _open([(c, b"") for c in crowd]) == 60
        assert requests.get(f"{slow.url}/v1/health", timeout=5).status_code == 200
        for connection in crowd:
            connection.close()
        deadline = time.monotonic() + 20
        while _open(held) and time.monotonic() < deadline:
            time.sleep(0.5)
        stop.set()
        assert _open(held) == 0
    finally:
        for connection, _ in held:
            connection.close()
        _stop(slow)


def _open(connections: list[tuple[socket.socket, bytes]]) -> int:
    """How many of *connections* the service has not closed (nor answered and closed)."""
    still = 0
    for connection, _ in connections:
        connection.setblocking(False)
        try:
            while connection.recv(65536):
                pass
        except BlockingIOError:
            still += 1  # nothing to read and not closed
        except OSError:
            pass
        finally:
            connection.setblocking(True)
    return still


def test_sigterm_finishes_the_request_in_flight(tmp_path: Path, database: str) -> None:
    """SIGTERM while a package is half sent: the service stops taking connections but
    receives that package (201) before it exits 0."""
    running = _start(tmp_path, "stopping", database=database)
    body = _built(tmp_path, "stopping", ("STOP-1", "STOP-2"))
    host, port = running.url.rsplit("//", 1)[1].split(":")
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(b"POST /v1/claims HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                           + TOKEN.encode() + b"\r\nIdempotency-Key: "
                           + hashlib.sha256(body).hexdigest().encode()
                           + f"\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                           + body[:1000])
        time.sleep(0.5)
        running.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((host, int(port)), timeout=2).close()
        connection.sendall(body[1000:])
        answer = b""
        while b"\r\n\r\n" not in answer:
            answer += connection.recv(65536)
    assert answer.startswith(b"HTTP/1.1 201 "), answer[:200]
    _stop(running)  # it has exited, 0
    assert running.store().count() >= 1


@pytest.mark.slow
def test_a_client_certificate_stands_for_its_claimant(tmp_path: Path, database: str) -> None:
    """Mutual TLS for real: serve --tls-cert --client-ca; a client certificate added with
    'serve tokens add-certificate' sends and reads as its claimant without a token; a
    certificate of the same CA that was not added is 401 (exit 3); one of another CA fails
    the handshake (exit 3); a token still works beside certificates."""
    import trustme

    ca, stranger = trustme.CA(), trustme.CA()
    files = {name: tmp_path / f"{name}.pem" for name in (
        "ca", "server", "client", "client-key", "unknown", "unknown-key", "foreign",
        "foreign-key")}
    ca.cert_pem.write_to_path(str(files["ca"]))
    ca.issue_cert("localhost", "127.0.0.1").private_key_and_cert_chain_pem.write_to_path(
        str(files["server"]))
    for name, issuer in (("client", ca), ("unknown", ca), ("foreign", stranger)):
        issued = issuer.issue_cert(f"{name}.kunta.example.fi")
        issued.cert_chain_pems[0].write_to_path(str(files[name]))
        issued.private_key_pem.write_to_path(str(files[f"{name}-key"]))
    running = _start(tmp_path, "mtls", "--tls-cert", str(files["server"]), "--client-ca",
                     str(files["ca"]), database=database)
    try:
        assert running.url.startswith("https://127.0.0.1:")
        added = run_elyclaims("serve", "tokens", "add-certificate", "--token-file",
                              tmp_path / "mtls" / "tokens", "--certificate", files["client"],
                              "--claimant", CLAIMANT, "--label", "Vantaa-Kerava ERP")
        assert added.code == 0, added.err
        assert added.out.startswith("cert:")
        package = _built(tmp_path, "mtls", ("MTLS-1", "MTLS-2"))
        (tmp_path / "mtls.zip").write_bytes(package)

        def submit(name: str) -> Any:
            return run_elyclaims("submit", tmp_path / "mtls.zip", "--endpoint", running.url,
                                 "--cert", files[name], "--key", files[f"{name}-key"],
                                 "--ca-bundle", files["ca"], "--ledger",
                                 tmp_path / f"{name}.sqlite3", "--format", "json")

        unknown = submit("unknown")
        assert unknown.code == 3
        assert "credentials" in unknown.err
        # TLS 1.3 refuses the client's certificate after the handshake: the client sees its
        # TLS failure, or the connection closed.
        foreign = submit("foreign")
        assert foreign.code == 3
        assert "TLS" in foreign.err or "closed the connection" in foreign.err, foreign.err
        assert "Traceback" not in foreign.err
        sent = submit("client")
        assert sent.code == 0, sent.err
        submission = sent.json()["receipt"]["submission_id"]
        asked = requests.get(f"{running.url}/v1/claims/{submission}", timeout=10,
                             cert=(str(files["client"]), str(files["client-key"])),
                             verify=str(files["ca"]))
        assert asked.json()["submission_id"] == submission
        by_token = requests.get(f"{running.url}/v1/claims", timeout=10, verify=str(files["ca"]),
                                headers={"Authorization": f"Bearer {TOKEN}"})
        assert submission in [r["submission_id"] for r in by_token.json()["submissions"]]
    finally:
        _stop(running)


def test_the_serve_tokens_commands(tmp_path: Path) -> None:
    """serve tokens add prints a new token once and keeps only its digest; list shows whose
    they are and never a token; revoke by the token (from standard input) or by label; a
    token file with a token in plain text, or an unknown owner, is exit 2 naming its line."""
    tokens = tmp_path / "tokens"
    made = run_elyclaims("serve", "tokens", "add", "--token-file", tokens, "--claimant",
                         "3221308-6", "--label", "Vantaa-Kerava ERP")
    assert made.code == 0, made.err
    token = made.out.strip()
    assert len(token) >= 40
    assert token not in tokens.read_text(encoding="utf-8")
    assert hashlib.sha256(token.encode()).hexdigest() in tokens.read_text(encoding="utf-8")
    operator = run_elyclaims("serve", "tokens", "add", "--token-file", tokens, "--operator")
    listed = run_elyclaims("serve", "tokens", "list", "--token-file", tokens)
    assert listed.code == 0
    assert "3221308-6  Vantaa-Kerava ERP" in listed.out
    assert "operator" in listed.out
    assert token not in listed.out
    assert operator.out.strip() not in listed.out
    revoked = subprocess.run(
        [sys.executable, "-m", "elyclaims", "serve", "tokens", "revoke", "--token-file",
         str(tokens), "--token-stdin"], input=token + "\n", capture_output=True, text=True,
        timeout=60, check=False)
    assert revoked.returncode == 0, revoked.stderr
    assert "3221308-6" not in run_elyclaims("serve", "tokens", "list", "--token-file",
                                            tokens).out
    assert run_elyclaims("serve", "tokens", "add", "--token-file", tokens, "--claimant",
                         "1234567-8").code == 2
    plain = tmp_path / "plain"
    plain.write_text("kuntayhtyma-testi\n", encoding="utf-8")
    refused = run_elyclaims("serve", "--token-file", plain, "--port", "0")
    assert refused.code == 2
    assert "line 1" in refused.err
    assert "kuntayhtyma-testi" not in refused.err
    assert "Traceback" not in refused.err


def test_a_revoked_token_stops_at_once(tmp_path: Path, database: str) -> None:
    """Revoking a token in the file the service reads takes effect without a restart."""
    running = _start(tmp_path, "revoke", database=database)
    try:
        tokens = tmp_path / "revoke" / "tokens"
        assert call("GET", f"{running.url}/v1/claims", token=OTHER).status_code == 200
        run = subprocess.run(
            [sys.executable, "-m", "elyclaims", "serve", "tokens", "revoke", "--token-file",
             str(tokens), "--token-stdin"], input=OTHER, capture_output=True, text=True,
            timeout=60, check=False)
        assert run.returncode == 0, run.stderr
        assert call("GET", f"{running.url}/v1/claims", token=OTHER).status_code == 401
        assert call("GET", f"{running.url}/v1/claims", token=TOKEN).status_code == 200
    finally:
        _stop(running)


__all__ = ["CLAIMANT", "call"]
