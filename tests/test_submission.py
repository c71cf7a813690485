"""The submission round trip, for real on loopback: the intake service as a real HTTP server
(``elyclaims serve`` in its own process, or uvicorn with TLS in a thread), driven by the real
client and by plain HTTP requests; the ledger as a real SQLite file, also written by two
processes at once. No request leaves this machine, and every loop here is bounded in count and
time."""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SAMPLES, Run, run_elyclaims
from elyclaims import read_claim
from elyclaims.intake import (
    IntakeSettings,
    IntakeStore,
    Principal,
    Tokens,
    make_app,
    token_digest,
    uvicorn_config,
)
from elyclaims.ledger import Ledger, LedgerError
from elyclaims.submission import Credentials, SubmissionError, status, submit
from workbooks import clean_claim, write_xlsx

TOKEN = "kuntayhtyma-testi-3f9a1c2b7d"
OPERATOR = "operaattori-testi-88e1"
#: Another claimant's token (Helsinki's Business ID).
OTHER = "helsinki-testi-51c0d2"
#: The claimant of the tests' workbooks (clean_claim).
CLAIMANT = "3221308-6"
TODAY = date(2026, 11, 29)
EPOCH = {"SOURCE_DATE_EPOCH": "1793491200", "ELYCLAIMS_TODAY": "2026-11-29"}


class Service:
    """A running ``elyclaims serve``: its address and data folder."""

    def __init__(self, process: subprocess.Popen[str], url: str, data: Path,
                 drain: threading.Thread, database: str | None = None) -> None:
        self.process = process
        self.url = url
        self.data = data
        self.drain = drain
        self.database = database
        self.log: list[str] = []

    def store(self) -> IntakeStore:
        """The service's store, opened beside it (SQLite in its folder, or its PostgreSQL)."""
        return IntakeStore(self.data, self.database)

    def health(self) -> int:
        return requests.get(f"{self.url}/v1/health", timeout=5).status_code


def _start(tmp_path: Path, name: str, *extra: str, database: str | None = None) -> Service:
    """``elyclaims serve`` on a free port of loopback, with SQLite in its data folder or with
    the PostgreSQL *database*; the tokens of TOKEN's and OTHER's claimants and of OPERATOR."""
    folder = tmp_path / name
    folder.mkdir()
    (folder / "tokens").write_text(
        f"# claimants\n{token_digest(TOKEN)} {CLAIMANT} Vantaa-Kerava\n"
        f"{token_digest(OTHER)} 0201256-6 Helsinki\n", encoding="utf-8")
    (folder / "operators").write_text(f"{token_digest(OPERATOR)} operator\n", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "elyclaims", "serve", "--port", "0", "--data",
         str(folder / "data"), "--token-file", str(folder / "tokens"),
         "--operator-token-file", str(folder / "operators"), *extra,
         *(["--database", database] if database else [])],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    assert process.stderr is not None
    deadline = time.monotonic() + 30
    line = ""
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if "listening on" in line:
            break
    assert "listening on" in line, line
    service = Service(process, line.split("listening on ", 1)[1].strip(), folder / "data",
                      threading.Thread(), database)
    service.log = [line]
    # Keep the pipe drained, and what the service logged for the test to read.
    service.drain = threading.Thread(target=lambda: service.log.extend(process.stderr or ()),
                                     daemon=True)
    service.drain.start()
    return service


def _stop(service: Service) -> None:
    service.process.send_signal(signal.SIGTERM)
    try:
        code = service.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        service.process.kill()
        service.process.wait(timeout=20)
        service.drain.join(timeout=10)
        pytest.fail("the service did not stop on SIGTERM within 20 s; its log ends:\n"
                    + "".join(service.log[-10:]))
    assert code == 0  # a clean shutdown on SIGTERM
    service.drain.join(timeout=10)
    assert service.process.stderr is not None
    service.process.stderr.close()


ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


def engine_database(request: pytest.FixtureRequest) -> str | None:
    """The database of the engine the fixture is parametrized with: None for SQLite, a fresh
    PostgreSQL database for PostgreSQL."""
    if request.param == "sqlite":
        return None
    from postgres import fresh_database

    return fresh_database(request.getfixturevalue("postgres_server"))


@pytest.fixture(scope="module", params=ENGINES)
def service(tmp_path_factory: pytest.TempPathFactory,
            request: pytest.FixtureRequest) -> Iterator[Service]:
    """The intake service (on each engine), with a small body limit so that 413 is cheap to
    provoke. When the module is done it stops on SIGTERM (exit 0), and its access log holds
    requests but no client data and no token."""
    running = _start(tmp_path_factory.mktemp("intake"), "main", "--max-body-bytes", "200000",
                     database=engine_database(request))
    yield running
    _stop(running)
    log = "".join(running.log)
    assert _accessed(running, "POST", "/v1/claims", 201)
    assert TOKEN not in log
    assert OPERATOR not in log
    assert "IHK-" not in log
    assert "Psykoterapia" not in log


def _access_lines(service: Service) -> list[dict[str, Any]]:
    """The service's access log: every line of it is one JSON object."""
    lines = [json.loads(line) for line in service.log[1:] if line.strip()]
    return [line for line in lines if line["logger"] == "elyclaims.intake.access"]


def _accessed(service: Service, method: str, route: str, status: int) -> bool:
    return any((line["method"], line["route"], line["status"]) == (method, route, status)
               for line in _access_lines(service))


def _package(folder: Path, name: str = "p.elyclaim.zip", **changes: Any) -> Path:
    sheets = clean_claim()
    for (sheet, row, column), value in changes.get("cells", {}).items():
        sheets[sheet].rows[row][column] = value
    workbook = write_xlsx(folder / f"{name}.xlsx", sheets)
    output = folder / name
    run = run_elyclaims("build", workbook, "-o", output, env=EPOCH)
    assert run.code == 0, run.out + run.err
    return output


def _post(service: Service, body: bytes, *, token: str | None = TOKEN,
          key: str | None = None) -> requests.Response:
    import hashlib

    headers = {"Content-Type": "application/zip",
               "Idempotency-Key": key or hashlib.sha256(body).hexdigest()}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return requests.post(f"{service.url}/v1/claims", data=body, headers=headers, timeout=30)


# ------------------------------------------------------------------- the protocol itself


def test_first_201_then_200_with_the_same_receipt(service: Service, tmp_path: Path) -> None:
    """A package is received once (201); sent again it gets the same receipt (200), and the
    service stores it once."""
    package = _package(tmp_path)
    first = submit(package, endpoint=service.url, credentials=Credentials(token=TOKEN))
    again = submit(package, endpoint=service.url, credentials=Credentials(token=TOKEN))
    assert first.created
    assert not again.created
    assert first.to_json() == again.to_json()
    assert first.status == "received"
    store = service.store()
    assert store.package(first.package_sha256) == package.read_bytes()
    stored = store.receipt(claimant=CLAIMANT, sha256=first.package_sha256)
    assert stored is not None
    assert stored.to_json() == first.to_json()


@pytest.mark.parametrize("token", [None, "väärä-token", TOKEN + "x", ""])
def test_401_without_or_with_a_wrong_token(service: Service, tmp_path: Path,
                                           token: str | None) -> None:
    """No token, a wrong one, or one a character longer is 401, for sending and for asking;
    the service answers after each."""
    package = _package(tmp_path)
    assert _post(service, package.read_bytes(), token=token).status_code == 401
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    asked = requests.get(f"{service.url}/v1/claims/20261129-000000000000", headers=headers,
                         timeout=5)
    assert asked.status_code == 401
    assert service.health() == 200


def _flipped(package: Path) -> bytes:
    data = bytearray(package.read_bytes())
    data[len(data) // 3] ^= 0x5A
    return bytes(data)


@pytest.mark.parametrize("how", ["a flipped byte", "truncated", "not a ZIP", "empty"])
def test_422_for_a_tampered_broken_or_foreign_body(service: Service, tmp_path: Path,
                                                   how: str) -> None:
    """A package with a byte of the archive flipped, cut short, not a ZIP, or empty is 422
    with findings (checked as inspect does); the service answers after each."""
    package = _package(tmp_path)
    body = {"a flipped byte": _flipped(package), "truncated": package.read_bytes()[:900],
            "not a ZIP": b"%PDF-1.7 lasku", "empty": b""}[how]
    answer = _post(service, body)
    assert answer.status_code == 422
    assert answer.json()["findings"]
    assert {f["severity"] for f in answer.json()["findings"]} >= {"error"}
    assert service.health() == 200


def test_422_when_the_idempotency_key_is_not_the_bodys_digest(service: Service,
                                                              tmp_path: Path) -> None:
    """An Idempotency-Key that is not the body's SHA-256 is 422."""
    package = _package(tmp_path)
    assert _post(service, package.read_bytes(), key="0" * 64).status_code == 422
    assert _post(service, package.read_bytes(), key="not-a-digest").status_code == 422


def test_413_for_an_oversized_body(service: Service) -> None:
    """A body over the limit is 413, refused before it is read; the service answers after."""
    answer = _post(service, os.urandom(300_000))
    assert answer.status_code == 413
    assert service.health() == 200


def test_status_by_an_operator_and_by_the_claimant(service: Service, tmp_path: Path) -> None:
    """An operator records a status; the claimant's status call sees it; a claimant's token
    cannot set one."""
    package = _package(tmp_path)
    receipt = submit(package, endpoint=service.url, credentials=Credentials(token=TOKEN))
    address = f"{service.url}/v1/claims/{receipt.submission_id}/status"
    refused = requests.put(address, json={"status": "accepted"},
                           headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
    assert refused.status_code == 403
    changed = requests.put(address, json={"status": "in-review", "note": "käsittelyssä"},
                           headers={"Authorization": f"Bearer {OPERATOR}"}, timeout=5)
    assert changed.status_code == 200
    assert status(receipt.submission_id, endpoint=service.url,
                  credentials=Credentials(token=TOKEN)).status == "in-review"
    wrong = requests.put(address, json={"status": "lost"},
                         headers={"Authorization": f"Bearer {OPERATOR}"}, timeout=5)
    assert wrong.status_code == 422


# ------------------------------------------------------------------------- the command line


def _token_file(folder: Path) -> Path:
    path = folder / "token.txt"
    path.write_text(TOKEN + "\n", encoding="utf-8")
    return path


def _no_token_anywhere(*runs: Run) -> None:
    for run in runs:
        assert TOKEN not in run.out + run.err


def test_round_trip_build_submit_status_and_du002(service: Service, tmp_path: Path) -> None:
    """build -> submit (receipt printed, stored) -> status lists it -> validating the same
    workbook against that ledger reports DU-002 on every line (exit 1) -> the status the
    operator sets reaches the ledger."""
    ledger = tmp_path / "ledger.sqlite3"
    workbook = write_xlsx(tmp_path / "kulut.xlsx", clean_claim())
    build = run_elyclaims("build", workbook, "-o", tmp_path / "p.zip", "--ledger", ledger,
                          env=EPOCH)
    assert build.code == 0, build.err
    sent = run_elyclaims("submit", tmp_path / "p.zip", "--endpoint", service.url,
                         "--token-file", _token_file(tmp_path), "--ledger", ledger,
                         "--format", "json", env=EPOCH)
    assert sent.code == 0, sent.err
    receipt = sent.json()["receipt"]
    listed = run_elyclaims("status", "--ledger", ledger, "--format", "json")
    assert listed.code == 0
    [package] = listed.json()["packages"]
    assert package["submissions"][0]["submission_id"] == receipt["submission_id"]
    again = run_elyclaims("validate", workbook, "--ledger", ledger, "--format", "json",
                          env=EPOCH)
    assert again.code == 1
    du002 = [f for f in again.json()["findings"] if f["rule"] == "DU-002"]
    assert sorted(f["line_id"] for f in du002) == ["Kulut:2", "Kulut:3", "Kulut:4"]
    assert receipt["submission_id"] in du002[0]["message"]
    refused = run_elyclaims("build", workbook, "-o", tmp_path / "again.zip", "--ledger", ledger,
                            env=EPOCH)
    assert refused.code == 1
    requests.put(f"{service.url}/v1/claims/{receipt['submission_id']}/status",
                 json={"status": "accepted"}, headers={"Authorization": f"Bearer {OPERATOR}"},
                 timeout=5)
    polled = run_elyclaims("status", receipt["submission_id"], "--endpoint", service.url,
                           "--token-file", _token_file(tmp_path), "--ledger", ledger)
    assert polled.code == 0, polled.err
    assert "accepted" in polled.out
    with Ledger.open(ledger) as opened:
        assert opened.packages()[0].status == "accepted"
    _no_token_anywhere(build, sent, listed, again, polled)


def test_rebuilding_an_unsent_package_is_no_duplicate(tmp_path: Path) -> None:
    """A package that was only built (never sent) does not make its lines duplicates."""
    ledger = tmp_path / "ledger.sqlite3"
    workbook = write_xlsx(tmp_path / "kulut.xlsx", clean_claim())
    for name in ("a.zip", "b.zip"):
        run = run_elyclaims("build", workbook, "-o", tmp_path / name, "--ledger", ledger,
                            env=EPOCH)
        assert run.code == 0, run.out


def test_mark_submitted_and_supersede(tmp_path: Path) -> None:
    """A package handed in by hand (mark-submitted) protects its lines (DU-002) until a
    corrected claim supersedes it."""
    ledger = tmp_path / "ledger.sqlite3"
    package = _package(tmp_path)
    workbook = tmp_path / "p.elyclaim.zip.xlsx"
    marked = run_elyclaims("ledger", "mark-submitted", package, "--reference", "OH/2026/17",
                           "--ledger", ledger)
    assert marked.code == 0, marked.err
    assert "OH/2026/17" in marked.out
    _, report = read_claim(workbook, today=TODAY, ledger=ledger)
    assert sorted(f.rule for f in report.findings if f.blocks) == ["DU-002"] * 3
    superseded = run_elyclaims("ledger", "supersede", package, "--ledger", ledger)
    assert superseded.code == 0, superseded.err
    _, report = read_claim(workbook, today=TODAY, ledger=ledger)
    assert [f.rule for f in report.findings if f.blocks] == []
    shown = run_elyclaims("ledger", "show", package, "--ledger", ledger, "--format", "json")
    assert shown.json()["packages"][0]["status"] == "superseded"


@pytest.mark.parametrize(("case", "words"), [
    ("wrong token", "refused the credentials"),
    ("nobody listening", "cannot reach"),
])
def test_submission_failures_are_exit_3(service: Service, tmp_path: Path, case: str,
                                        words: str) -> None:
    """A wrong token and an endpoint nobody listens on are exit 3 with a clear message,
    never a traceback, never the token."""
    package = _package(tmp_path)
    token = _token_file(tmp_path)
    endpoint = service.url
    if case == "wrong token":
        token.write_text("väärä\n", encoding="utf-8")
    elif case == "nobody listening":
        with socket.socket() as free:
            free.bind(("127.0.0.1", 0))
            endpoint = f"http://127.0.0.1:{free.getsockname()[1]}"
    run = run_elyclaims("submit", package, "--endpoint", endpoint, "--token-file", token,
                        "--ledger", tmp_path / "l.sqlite3", env=EPOCH)
    assert run.code == 3, run.out + run.err
    assert words in run.err
    assert "Traceback" not in run.out + run.err
    _no_token_anywhere(run)


def test_server_findings_are_shown_on_422(service: Service, tmp_path: Path) -> None:
    """When the server refuses a package (422), the client exits 3 and shows its findings."""
    body = _flipped(_package(tmp_path))
    broken = tmp_path / "broken.zip"
    broken.write_bytes(body)
    session = requests.Session()
    with pytest.raises(SubmissionError) as refused:
        submit(broken, endpoint=service.url, credentials=Credentials(token=TOKEN),
               session=session)
    assert refused.value.status_code == 422
    assert refused.value.findings
    assert refused.value.exit_code == 3


def test_plain_http_only_to_loopback_and_dry_run(service: Service, tmp_path: Path) -> None:
    """http:// to another host is a usage error (exit 2); --dry-run checks the package, shows
    the request with the token masked, and sends nothing."""
    package = _package(tmp_path)
    remote = run_elyclaims("submit", package, "--endpoint", "http://intake.example.fi",
                           "--token-file", _token_file(tmp_path))
    assert remote.code == 2
    assert "https" in remote.err
    before = service.store().count()
    dry = run_elyclaims("submit", package, "--endpoint", service.url, "--token-file",
                        _token_file(tmp_path), "--dry-run", env=EPOCH)
    assert dry.code == 0, dry.err
    assert json.loads(dry.out)["headers"]["Authorization"] == "Bearer ***"
    assert service.store().count() == before
    _no_token_anywhere(remote, dry)


# ---------------------------------------------------------------------- TLS and mTLS


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A certificate authority made for the tests (trustme), with a server certificate for
    localhost and a client certificate."""
    trustme = pytest.importorskip("trustme")
    folder = tmp_path_factory.mktemp("ca")
    ca = trustme.CA()
    server = ca.issue_cert("localhost", "127.0.0.1")
    client = ca.issue_cert("kunta.example.fi")
    paths = {"ca": folder / "ca.pem", "server": folder / "server.pem",
             "client_cert": folder / "client.pem", "client_key": folder / "client-key.pem"}
    ca.cert_pem.write_to_path(str(paths["ca"]))
    server.private_key_and_cert_chain_pem.write_to_path(str(paths["server"]))
    client.cert_chain_pems[0].write_to_path(str(paths["client_cert"]))
    client.private_key_pem.write_to_path(str(paths["client_key"]))
    return paths


@pytest.fixture
def tls_service(tmp_path: Path, authority: dict[str, Path],
                request: pytest.FixtureRequest) -> Iterator[str]:
    """The intake service on uvicorn with TLS on loopback (a thread); with the parameter True
    it requires a client certificate from the test CA (as a proxy in front of an authority's
    intake may)."""
    import uvicorn

    require_client = getattr(request, "param", False)
    app = make_app(IntakeSettings(data=tmp_path / "tls-data",
                                  tokens=Tokens(entries=[(TOKEN, Principal(CLAIMANT))])))
    tls: dict[str, Any] = {"ssl_certfile": str(authority["server"])}
    if require_client:
        tls.update(ssl_cert_reqs=ssl.CERT_REQUIRED, ssl_ca_certs=str(authority["ca"]))
    listener = socket.create_server(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn_config(app, **tls))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield f"https://localhost:{listener.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=20)
    listener.close()


def test_https_with_the_authoritys_ca_bundle(tls_service: str, authority: dict[str, Path],
                                             tmp_path: Path) -> None:
    """Over HTTPS the certificate is verified: with the CA bundle the package is received;
    without it the TLS failure is exit 3."""
    package = _package(tmp_path)
    receipt = submit(package, endpoint=tls_service, credentials=Credentials(token=TOKEN),
                     ca_bundle=str(authority["ca"]))
    assert receipt.created
    unverified = run_elyclaims("submit", package, "--endpoint", tls_service, "--token-file",
                               _token_file(tmp_path), "--ledger", tmp_path / "l.sqlite3",
                               env=EPOCH)
    assert unverified.code == 3
    assert "TLS" in unverified.err


@pytest.mark.parametrize("tls_service", [True], indirect=True)
def test_client_certificate_mtls(tls_service: str, authority: dict[str, Path],
                                 tmp_path: Path) -> None:
    """A server that requires a client certificate receives the package with --cert/--key and
    refuses it (exit 3) without."""
    package = _package(tmp_path)
    common = ["--endpoint", tls_service, "--token-file", _token_file(tmp_path),
              "--ca-bundle", authority["ca"], "--ledger", tmp_path / "l.sqlite3"]
    with_certificate = run_elyclaims("submit", package, *common, "--cert",
                                     authority["client_cert"], "--key",
                                     authority["client_key"], env=EPOCH)
    assert with_certificate.code == 0, with_certificate.err
    without = run_elyclaims("submit", package, *common, env=EPOCH)
    assert without.code == 3
    assert "Traceback" not in without.err


# ------------------------------------------------------------ a connection that drops


class _DroppingProxy:
    """A TCP proxy in front of the service that, for the first connection only, forwards the
    request, waits for the whole answer (so the service has stored the package), and then
    closes the client's connection without sending it a byte."""

    def __init__(self, target: str) -> None:
        host, port = target.rsplit("//", 1)[1].split(":")
        self.target = (host, int(port))
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        deadline = time.monotonic() + 60
        while self.running and time.monotonic() < deadline:
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # closed
            self.connections += 1
            threading.Thread(target=self._relay, args=(client, self.connections == 1),
                             daemon=True).start()

    def _relay(self, client: socket.socket, drop: bool) -> None:
        with client, socket.create_connection(self.target, timeout=10) as upstream:
            client.settimeout(10)
            request = _read_request(client)
            upstream.sendall(request)
            answer = _read_all(upstream)
            if not drop:
                client.sendall(answer)

    def close(self) -> None:
        self.running = False
        self.listener.close()


def _read_request(connection: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        data += connection.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        body += connection.recv(65536)
    return head + b"\r\n\r\n" + body


def _read_all(connection: socket.socket) -> bytes:
    data = b""
    while True:
        head_end = data.find(b"\r\n\r\n")
        if head_end >= 0:
            head = data[:head_end]
            length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            if len(data) >= head_end + 4 + length:
                return data
        block = connection.recv(65536)
        if not block:
            return data
        data += block


def test_a_dropped_answer_retried_is_one_submission(service: Service, tmp_path: Path) -> None:
    """The connection drops after the service stored the package; the client's bounded retry
    sends it again and gets the same receipt: one submission at the service, one in the
    ledger."""
    # Lines of its own: the service refuses (409) lines the other tests' packages claimed.
    package = _package(tmp_path, "dropped.zip", cells={
        ("Kulut", 1, 7): "T-DROP", ("Kulut", 2, 7): "TP-DROP", ("Kulut", 3, 7): "A-DROP"})
    proxy = _DroppingProxy(service.url)
    before = service.store().count()
    try:
        run = run_elyclaims("submit", package, "--endpoint", f"http://127.0.0.1:{proxy.port}",
                            "--token-file", _token_file(tmp_path), "--ledger",
                            tmp_path / "l.sqlite3", "--format", "json", env=EPOCH)
    finally:
        proxy.close()
    assert run.code == 0, run.out + run.err
    assert proxy.connections == 2
    assert service.store().count() == before + 1
    with Ledger.open(tmp_path / "l.sqlite3") as ledger:
        [recorded] = ledger.packages()
        assert len(recorded.submissions) == 1


# ---------------------------------------------------------------------------- the ledger


_WRITER = """
import sys
from datetime import datetime, UTC
from decimal import Decimal
from elyclaims.ledger import Ledger
from elyclaims.model import Claim, ExpenseLine
path, who, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
for number in range(count):
    line = ExpenseLine(line_id=f"Kulut:{number}", invoice_number=f"{who}-{number}",
                       client_reference="IHK-1", net_amount=Decimal("10.00"))
    claim = Claim(expenses=(line,))
    with Ledger.open(path, create=True) as ledger:
        sha = f"{who}{number:060d}"[:64]
        ledger.record_package(sha256=sha, package_id=f"{who}-{number}", path=f"{who}.zip",
                              claim=claim, recipient=None, lines=1, claimed=Decimal("10.00"),
                              created_at=datetime.now(UTC))
        ledger.record_submission(sha, reference=f"{who}-ref-{number}", how="marked")
"""


def test_two_processes_writing_one_ledger_lose_nothing(tmp_path: Path) -> None:
    """Two processes recording packages and submissions into the same ledger at once: every
    record of both is there."""
    path = tmp_path / "yhteinen.sqlite3"
    writers = [subprocess.Popen([sys.executable, "-c", _WRITER, str(path), who, "40"])
               for who in ("a", "b")]
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0]
    with Ledger.open(path) as ledger:
        packages = ledger.packages()
        assert len(packages) == 80
        assert all(len(package.submissions) == 1 for package in packages)
        assert len(ledger.claimed_lines()) == 80


# The query claimed_lines ran before it went through packages from their submissions: the
# reference it must agree with.
_CLAIMED_BEFORE = (
    "SELECT lines.duplicate_key AS key, lines.line_id, packages.package_id, packages.sha256, "
    "MIN(submissions.submitted_at) AS submitted_at, submissions.reference FROM lines JOIN "
    "packages USING (sha256) JOIN submissions USING (sha256) WHERE lines.duplicate_key IS NOT "
    "NULL AND packages.superseded_by IS NULL GROUP BY lines.duplicate_key, packages.sha256 "
    "ORDER BY submitted_at")

_package_strategy = st.fixed_dictionaries({
    "keys": st.lists(st.sampled_from(["k1", "k2", "k3", "k4", None]), max_size=8),
    "submissions": st.lists(st.tuples(st.integers(1, 4), st.sampled_from("abc")), max_size=3,
                            unique_by=lambda s: s[1]),
    "status": st.sampled_from([None, "accepted", "rejected", "superseded"]),
    "superseded": st.booleans(),
})


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_package_strategy, min_size=1, max_size=6), st.integers(-1, 5))
def test_claimed_lines_are_those_the_lines_first_query_found(
        tmp_path: Path, packages: list[dict[str, Any]], excluded: int) -> None:
    """Packages with lines that share keys (within one package and across), submitted never,
    once or several times (at one time or several), accepted, rejected or superseded, one of
    them excluded: the claimed lines are those the query from the lines found (each key's
    earliest submission; of one package's lines with one key, the first; of one package's
    submissions at one time, the first reference)."""
    import sqlite3

    path = tmp_path / f"ledger-{os.urandom(4).hex()}.sqlite3"
    with Ledger.open(path, create=True):
        pass
    database = sqlite3.connect(path)
    earliest: dict[int, int] = {}
    for number, package in enumerate(packages):
        sha = f"{number:064d}"
        database.execute(
            "INSERT INTO packages (sha256, package_id, path, lines, claimed, created_at, "
            "recorded_at, superseded_by) VALUES (?, ?, 'p.zip', 0, '0.00', 'c', 'r', ?)",
            (sha, f"id-{number}", "x" if package["superseded"] else None))
        database.executemany("INSERT INTO lines (sha256, line_id, duplicate_key) VALUES "
                             "(?, ?, ?)", [(sha, f"Kulut:{9 - n}", key)
                                           for n, key in enumerate(package["keys"])])
        for day, reference in package["submissions"]:
            database.execute("INSERT INTO submissions (sha256, reference, how, submitted_at) "
                             "VALUES (?, ?, 'marked', ?)",
                             (sha, reference, f"2026-0{day}-0{number % 9 + 1}T00:00:00Z"))
        if package["submissions"]:
            earliest[number] = min(day for day, _ in package["submissions"])
        if package["status"]:
            database.execute("INSERT INTO statuses (sha256, status, at) VALUES (?, ?, 'a')",
                             (sha, package["status"]))
    database.commit()
    excluding = f"{excluded:064d}" if excluded >= 0 else None
    expected: dict[str, tuple[str, str, str, date]] = {}
    database.row_factory = sqlite3.Row
    for row in database.execute(_CLAIMED_BEFORE):
        status = database.execute("SELECT status FROM statuses WHERE sha256 = ? ORDER BY id "
                                  "DESC LIMIT 1", (row["sha256"],)).fetchone()
        if row["sha256"] == excluding or (status and status[0] in {"rejected", "superseded"}):
            continue
        expected.setdefault(row["key"], (row["package_id"], row["reference"], row["line_id"],
                                         date.fromisoformat(row["submitted_at"][:10])))
    database.close()
    with Ledger.open(path) as ledger:
        claimed = ledger.claimed_lines(excluding=excluding)
    assert {key: (line.package_id, line.reference, line.line_id, line.submitted_on)
            for key, line in claimed.items()} == expected


def test_a_ledger_from_a_newer_elyclaims_is_refused(tmp_path: Path) -> None:
    """A ledger whose schema is newer than this elyclaims knows is not touched."""
    import sqlite3

    path = tmp_path / "uusi.sqlite3"
    with Ledger.open(path, create=True):
        pass
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA user_version = 99")
    connection.close()
    with pytest.raises(LedgerError, match="newer"):
        Ledger.open(path)
    run = run_elyclaims("ledger", "list", "--ledger", path)
    assert run.code == 2
    assert "Traceback" not in run.err


def test_validate_never_creates_the_default_ledger(tmp_path: Path) -> None:
    """validate reads the default ledger only when it exists; it never creates one."""
    data_home = tmp_path / "data-home"
    run = run_elyclaims("validate", SAMPLES / "vantaa-kerava-hva-2026-q3.xlsx",
                        env={"XDG_DATA_HOME": str(data_home)})
    assert run.code == 0
    assert not data_home.exists()
