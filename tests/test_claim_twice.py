"""Claim twice, every way an officer or a script could: the same claim must never be received
twice. Each path runs against a real intake service on loopback (``elyclaims serve`` in its own
process), with two ledgers for two officers and the real command line in processes of its own,
and ends with the exact number of received lines that still count at the authority."""

from __future__ import annotations

import hashlib
import os
import signal
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

from conftest import Run, run_elyclaims
from elyclaims import read_claim
from elyclaims.config import load_config
from elyclaims.errors import ConfigError
from elyclaims.ledger import Ledger
from elyclaims.package import build_package
from test_submission import ENGINES, TOKEN, Service, _DroppingProxy, _start, _stop, engine_database
from workbooks import Sheet, clean_claim, expense_row, write_xlsx

TODAY = date(2026, 11, 29)
# Two builds of one workbook at two moments: two packages (two digests) of one claim.
FIRST = {"SOURCE_DATE_EPOCH": "1793491200", "ELYCLAIMS_TODAY": "2026-11-29"}
SECOND = {"SOURCE_DATE_EPOCH": "1793494800", "ELYCLAIMS_TODAY": "2026-11-29"}
# An own session of the claimant's: no provider, no invoice number.
OWN = [date(2026, 9, 10), "IHK-2", "SOCIAL", "Ohjauskäynti", "Tuki", None, None, None, 95, 0, 95]


@pytest.fixture(params=ENGINES)
def service(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Service]:
    """A fresh intake service for each path (on each engine); its log is checked for client
    data at the end."""
    running = _start(tmp_path, "intake", database=engine_database(request))
    yield running
    _stop(running)
    log = "".join(running.log)
    for secret in (TOKEN, "IHK-", "Psykoterapia", "Ohjauskäynti", "T-1"):
        assert secret not in log


class Officer:
    """One officer's desk: a ledger of their own and a token file."""

    def __init__(self, folder: Path, service: Service) -> None:
        folder.mkdir()
        self.folder = folder
        self.ledger = folder / "ledger.sqlite3"
        self.service = service
        self.token = folder / "token.txt"
        self.token.write_text(TOKEN + "\n", encoding="utf-8")

    def workbook(self, name: str, rows: list[list[Any]] | None = None,
                 extra: tuple[list[Any], ...] = ()) -> Path:
        sheets = clean_claim()
        if rows is not None:
            sheets["Kulut"] = Sheet([sheets["Kulut"].rows[0], *rows])
        sheets["Kulut"].rows.extend(list(row) for row in extra)
        return write_xlsx(self.folder / name, sheets)

    def run(self, *args: object, env: dict[str, str] | None = None) -> Run:
        return run_elyclaims(*args, "--ledger", self.ledger, env=env or FIRST)

    def build(self, workbook: Path, name: str, *extra: object,
              env: dict[str, str] | None = None) -> Path:
        built = self.run("build", workbook, "-o", self.folder / name, *extra, env=env)
        assert built.code == 0, built.out + built.err
        return self.folder / name

    def submit(self, package: Path, *, endpoint: str | None = None) -> Run:
        return self.run("submit", package, "--endpoint", endpoint or self.service.url,
                        "--token-file", self.token, "--format", "json")


def _held(service: Service) -> int:
    """The received lines that still count at the authority."""
    return service.store().counting_lines()


def _du002(run: Run) -> list[str]:
    """The line ids of the DU-002 findings a refused submit printed (its own or the
    authority's)."""
    document = run.json()
    findings = document.get("findings") or document["error"]["findings"]
    return sorted(f["line_id"] for f in findings if f["rule"] == "DU-002")


def test_the_same_workbook_built_twice_and_submitted_twice(service: Service,
                                                            tmp_path: Path) -> None:
    """Built twice, the second package is stopped by the officer's own ledger (exit 1,
    nothing sent); sent from a second officer's ledger, the authority answers 409 naming the
    first submission (exit 1, not 3)."""
    anna, ben = Officer(tmp_path / "anna", service), Officer(tmp_path / "ben", service)
    workbook = anna.workbook("kulut.xlsx")
    first = anna.build(workbook, "a.zip")
    second = anna.build(workbook, "b.zip", env=SECOND)
    assert hashlib.sha256(first.read_bytes()).digest() != hashlib.sha256(
        second.read_bytes()).digest()
    sent = anna.submit(first)
    assert sent.code == 0, sent.err
    submission = sent.json()["receipt"]["submission_id"]
    again = anna.submit(second)
    assert again.code == 1, again.err
    assert _du002(again) == ["Kulut:2", "Kulut:3", "Kulut:4"]
    assert "not sent" in again.err
    assert service.store().count() == 1
    elsewhere = ben.submit(second)
    assert elsewhere.code == 1, elsewhere.err
    assert _du002(elsewhere) == ["Kulut:2", "Kulut:3", "Kulut:4"]
    assert submission in elsewhere.out
    assert "Traceback" not in again.err + elsewhere.err
    # The same package again is the same receipt, not a conflict.
    resent = anna.submit(first)
    assert resent.code == 0
    assert resent.json()["receipt"]["submission_id"] == submission
    assert _held(service) == 3


def test_the_same_lines_split_across_two_packages(service: Service, tmp_path: Path) -> None:
    """A second package that repeats one line of the first among new ones: exactly that line
    is refused, by the officer's ledger and by the authority."""
    anna, ben = Officer(tmp_path / "anna", service), Officer(tmp_path / "ben", service)
    assert anna.submit(anna.build(anna.workbook("kulut.xlsx"), "a.zip")).code == 0
    rows = [expense_row(Laskun_numero="T-9"), clean_claim()["Kulut"].rows[2]]
    split = anna.workbook("split.xlsx", rows)
    refused = anna.run("validate", split, "--format", "json")
    assert refused.code == 1
    assert [f["line_id"] for f in refused.json()["findings"] if f["rule"] == "DU-002"] == [
        "Kulut:3"]
    package = ben.build(split, "split.zip")
    answered = ben.submit(package)
    assert answered.code == 1
    assert _du002(answered) == ["Kulut:3"]
    assert _held(service) == 3


def test_own_service_lines_are_claimed_once(service: Service, tmp_path: Path) -> None:
    """Lines without invoice numbers have keys too: a package of just the own session,
    after the full package, is refused at both doors."""
    anna, ben = Officer(tmp_path / "anna", service), Officer(tmp_path / "ben", service)
    full = anna.build(anna.workbook("kulut.xlsx", extra=(OWN,)), "full.zip")
    assert anna.submit(full).code == 0
    alone = anna.workbook("own.xlsx", [OWN])
    refused = anna.run("build", alone, "-o", anna.folder / "own.zip", "--format", "json")
    assert refused.code == 1
    [finding] = [f for f in refused.json()["findings"] if f["rule"] == "DU-002"]
    assert finding["message_key"] == "DU-002/uninvoiced"
    assert finding["cell"] == "D2"
    assert not (anna.folder / "own.zip").exists()
    answered = ben.submit(ben.build(alone, "own.zip"))
    assert answered.code == 1
    assert _du002(answered) == ["Kulut:2"]
    assert _held(service) == 4


def test_a_withdrawn_submission_may_be_claimed_again(service: Service, tmp_path: Path) -> None:
    """Withdrawn at the authority (elyclaims withdraw), the claim's lines count nowhere: the
    same workbook builds and is received again; a withdrawal once taken up is refused."""
    anna = Officer(tmp_path / "anna", service)
    workbook = anna.workbook("kulut.xlsx")
    sent = anna.submit(anna.build(workbook, "a.zip"))
    submission = sent.json()["receipt"]["submission_id"]
    withdrawn = anna.run("withdraw", submission, "--token-file", anna.token, "--format",
                         "json")
    assert withdrawn.code == 0, withdrawn.err
    assert withdrawn.json()["receipt"]["status"] == "withdrawn"
    with Ledger.open(anna.ledger) as ledger:
        assert ledger.packages()[0].status == "withdrawn"
    assert _held(service) == 0
    again = anna.submit(anna.build(workbook, "b.zip", env=SECOND))
    assert again.code == 0, again.out + again.err
    assert again.json()["receipt"]["submission_id"] != submission
    assert _held(service) == 3
    requests.put(f"{service.url}/v1/claims/{again.json()['receipt']['submission_id']}/status",
                 json={"status": "in-review"}, timeout=5,
                 headers={"Authorization": "Bearer operaattori-testi-88e1"})
    late = anna.run("withdraw", anna.folder / "b.zip", "--token-file", anna.token)
    assert late.code == 1
    assert "in-review" in late.err
    assert _held(service) == 3


def test_a_superseding_package_replaces_the_earlier(service: Service, tmp_path: Path) -> None:
    """A corrected claim built with --supersedes names the earlier submission: its lines are
    no duplicates, the authority marks the earlier one superseded as it receives the new one,
    and the ledger follows."""
    anna = Officer(tmp_path / "anna", service)
    sent = anna.submit(anna.build(anna.workbook("kulut.xlsx"), "a.zip"))
    submission = sent.json()["receipt"]["submission_id"]
    rows = clean_claim()["Kulut"].rows[1:]
    rows[2][8] = rows[2][10] = 1805.25  # the housing invoice corrected
    corrected = anna.workbook("korjattu.xlsx", rows)
    assert anna.run("validate", corrected).code == 1  # without --supersedes: duplicates
    package = anna.build(corrected, "b.zip", "--supersedes", submission)
    answered = anna.submit(package)
    assert answered.code == 0, answered.out + answered.err
    earlier = requests.get(f"{service.url}/v1/claims/{submission}", timeout=5,
                           headers={"Authorization": f"Bearer {TOKEN}"}).json()
    assert earlier["status"] == "superseded"
    with Ledger.open(anna.ledger) as ledger:
        statuses = {package.path.rsplit("/", 1)[-1]: package.status
                    for package in ledger.packages()}
    assert statuses == {"a.zip": "superseded", "b.zip": "received"}
    assert _held(service) == 3


def test_ledger_supersede_withdraws_at_the_authority(service: Service, tmp_path: Path) -> None:
    """ledger supersede of a package sent with submit withdraws it at the authority first,
    so that the ledger and the authority agree on what counts."""
    anna = Officer(tmp_path / "anna", service)
    package = anna.build(anna.workbook("kulut.xlsx"), "a.zip")
    submission = anna.submit(package).json()["receipt"]["submission_id"]
    marked = anna.run("ledger", "supersede", package, "--token-file", anna.token)
    assert marked.code == 0, marked.err
    receipt = requests.get(f"{service.url}/v1/claims/{submission}", timeout=5,
                           headers={"Authorization": f"Bearer {TOKEN}"}).json()
    assert receipt["status"] == "withdrawn"
    assert _held(service) == 0


def test_a_409_survives_a_retry_after_a_dropped_connection(service: Service,
                                                           tmp_path: Path) -> None:
    """The authority's 409 is lost with the connection; the client's retry gets the same
    409, and the command exits 1 with the findings: nothing was received twice."""
    anna, ben = Officer(tmp_path / "anna", service), Officer(tmp_path / "ben", service)
    workbook = anna.workbook("kulut.xlsx")
    assert anna.submit(anna.build(workbook, "a.zip")).code == 0
    package = ben.build(workbook, "b.zip", env=SECOND)
    proxy = _DroppingProxy(service.url)
    try:
        answered = ben.submit(package, endpoint=f"http://127.0.0.1:{proxy.port}")
    finally:
        proxy.close()
    assert proxy.connections == 2
    assert answered.code == 1, answered.err
    assert _du002(answered) == ["Kulut:2", "Kulut:3", "Kulut:4"]
    assert service.store().count() == 1
    assert _held(service) == 3


def test_two_claimants_sending_one_line_at_once_one_is_received(service: Service,
                                                                  tmp_path: Path) -> None:
    """Two packages sharing a line, posted at the same moment (five rounds): in each round
    exactly one is received (201) and the other refused (409): the intake's check and its
    insert are one transaction."""
    packages = []
    for round_number in range(5):
        pair = []
        for name in ("a", "b"):
            rows = [expense_row(Laskun_numero=f"R{round_number}"),
                    expense_row(Laskun_numero=f"R{round_number}-{name}")]
            workbook = write_xlsx(tmp_path / f"{round_number}{name}.xlsx",
                                  {**clean_claim(), "Kulut": Sheet(
                                      [clean_claim()["Kulut"].rows[0], *rows])})
            claim, report = read_claim(workbook, today=TODAY, ledger=None)
            assert claim is not None
            built = build_package(claim, report, tmp_path / f"{round_number}{name}.zip",
                                  ledger=None)
            pair.append(built.path.read_bytes())
        packages.append(pair)

    def post(body: bytes, barrier: threading.Barrier, answers: list[int]) -> None:
        barrier.wait(timeout=10)
        answers.append(requests.post(
            f"{service.url}/v1/claims", data=body, timeout=30,
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/zip",
                     "Idempotency-Key": hashlib.sha256(body).hexdigest()}).status_code)

    for pair in packages:
        barrier = threading.Barrier(2)
        answers: list[int] = []
        threads = [threading.Thread(target=post, args=(body, barrier, answers))
                   for body in pair]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(answers) == [201, 409]
    assert _held(service) == 5 * 2


def test_ledger_claimed_answers_per_client_and_period(service: Service, tmp_path: Path) -> None:
    """ledger claimed: the amounts claimed per client and category to the cent, with the
    submission they went in; a client's year; nothing for another year; withdrawn is gone."""
    anna = Officer(tmp_path / "anna", service)
    sent = anna.submit(anna.build(anna.workbook("kulut.xlsx", extra=(OWN,)), "a.zip"))
    submission = sent.json()["receipt"]["submission_id"]
    claimed = anna.run("ledger", "claimed", "--client", "ihk-1", "--year", "2026", "--format",
                       "json")
    assert claimed.code == 0, claimed.err
    document = claimed.json()
    assert [(c["client"], c["category"], c["lines"], c["net"]) for c in document["claimed"]] == [
        ("IHK-1", "HEALTH", 1, "480.00"), ("IHK-1", "SOCIAL", 1, "1850.25")]
    assert document["net_total"] == "2330.25"
    assert document["claimed"][0]["packages"][0]["reference"] == submission
    everything = anna.run("ledger", "claimed", "--format", "json").json()
    assert everything["net_total"] == "2545.25"
    march = anna.run("ledger", "claimed", "--period", "2026-03-01", "2026-03-31")
    assert march.code == 0
    assert "Nothing has been claimed" in march.out
    backwards = anna.run("ledger", "claimed", "--period", "2026-03-31", "2026-03-01")
    assert backwards.code == 2
    assert "Traceback" not in backwards.err
    assert anna.run("withdraw", submission, "--token-file", anna.token).code == 0
    assert anna.run("ledger", "claimed", "--format", "json").json()["claimed"] == []


# ------------------------------------------------------------------ every door, one today


def test_the_python_api_uses_the_command_lines_ledger(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """read_claim and build_package read and record in the ledger ELYCLAIMS_LEDGER names, as
    the command line does; ledger=None opts out."""
    ledger = tmp_path / "shared.sqlite3"
    monkeypatch.setenv("ELYCLAIMS_LEDGER", str(ledger))
    workbook = write_xlsx(tmp_path / "kulut.xlsx", clean_claim())
    claim, report = read_claim(workbook, today=TODAY)
    assert claim is not None
    assert report.ok
    built = build_package(claim, report, tmp_path / "a.zip", today=TODAY)
    with Ledger.open(ledger) as opened:
        [recorded] = opened.packages()
        assert recorded.sha256 == built.sha256
        opened.record_submission(built.sha256, reference="OH-1", how="marked")
    _, again = read_claim(workbook, today=TODAY)
    assert sorted(f.line_id or "" for f in again.findings if f.rule == "DU-002") == [
        "Kulut:2", "Kulut:3", "Kulut:4"]
    _, without = read_claim(workbook, today=TODAY, ledger=None)
    assert [f for f in without.findings if f.rule == "DU-002"] == []


def test_no_config_lowers_du002(tmp_path: Path) -> None:
    """A duplicate is never explained: DU-002 cannot be made a warning by config."""
    config = tmp_path / "elyclaims.toml"
    config.write_text('[severity]\n"DU-002" = "warning"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="DU-002"):
        load_config(config)


def test_build_and_inspect_judge_on_one_today(tmp_path: Path) -> None:
    """A package built with SOURCE_DATE_EPOCH before a line's service date is judged on the
    day its rules ran (judgedOn), by inspect and by submit --dry-run: valid when built, valid
    when received."""
    workbook = write_xlsx(tmp_path / "kulut.xlsx", clean_claim())
    env = {"SOURCE_DATE_EPOCH": "1786000000"}  # 2026-08-06, before the 2026-09-04 line
    built = run_elyclaims("build", workbook, "-o", tmp_path / "p.zip", env=env)
    assert built.code == 0, built.out
    inspected = run_elyclaims("inspect", tmp_path / "p.zip", "--format", "json")
    assert inspected.code == 0, inspected.out
    assert [f["rule"] for f in inspected.json()["findings"] if f["severity"] == "error"] == []
    token = tmp_path / "token.txt"
    token.write_text("x\n", encoding="utf-8")
    dry = run_elyclaims("submit", tmp_path / "p.zip", "--dry-run", "--endpoint",
                        "http://127.0.0.1:9", "--token-file", token)
    assert dry.code == 0, dry.out + dry.err
    # Judged on the day it was made instead, the same package has a future service.
    early = run_elyclaims("inspect", tmp_path / "p.zip", "--today", "2026-08-06")
    assert early.code == 1
    assert "EL-010" in early.out


class _HoldingProxy(_DroppingProxy):
    """A proxy that forwards every request, waits for the service's whole answer (so that the
    service has stored the package), and then keeps the client waiting, answering nothing."""

    def __init__(self, target: str) -> None:
        self.answered = threading.Event()
        super().__init__(target)

    def _relay(self, client: Any, drop: bool) -> None:
        super()._relay(client, drop=True)
        self.answered.set()
        while self.running:
            time.sleep(0.05)


def test_a_submit_killed_after_the_authority_stored_it_is_settled(service: Service,
                                                                  tmp_path: Path) -> None:
    """kill -9 of submit after the authority stored the package: the ledger says "sending"
    and counts its lines as claimed (DU-002), status asks the authority by the package's
    SHA-256 and records the receipt it holds, and submit again gets that same receipt."""
    anna = Officer(tmp_path / "anna", service)
    workbook = anna.workbook("kulut.xlsx")
    package = anna.build(workbook, "a.zip")
    proxy = _HoldingProxy(service.url)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ELYCLAIMS_")}
    sending = subprocess.Popen(
        [sys.executable, "-m", "elyclaims", "submit", str(package), "--endpoint",
         f"http://127.0.0.1:{proxy.port}", "--token-file", str(anna.token), "--ledger",
         str(anna.ledger)], env={**environment, **FIRST, "LANG": "C"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert proxy.answered.wait(timeout=60)
        sending.send_signal(signal.SIGKILL)
        sending.wait(timeout=10)
    finally:
        proxy.close()
    digest = hashlib.sha256(package.read_bytes()).hexdigest()
    stored = requests.get(f"{service.url}/v1/claims/{digest}", timeout=5,
                          headers={"Authorization": f"Bearer {TOKEN}"}).json()["submission_id"]
    with Ledger.open(anna.ledger) as ledger:
        assert ledger.packages()[0].status == "sending"
    counted = anna.run("validate", workbook, "--format", "json")
    assert counted.code == 1
    assert [f["rule"] for f in counted.json()["findings"] if f["severity"] == "error"] == [
        "DU-002"] * 3
    settled = anna.run("status", package, "--endpoint", service.url, "--token-file",
                       anna.token, "--format", "json")
    assert settled.code == 0, settled.err
    assert settled.json()["receipt"]["submission_id"] == stored
    with Ledger.open(anna.ledger) as ledger:
        [recorded] = ledger.packages()
        assert recorded.status == "received"
        assert [s.submission_id for s in recorded.submissions] == [stored]
    again = anna.submit(package)
    assert again.code == 0
    assert again.json()["receipt"]["submission_id"] == stored
    assert service.store().count() == 1
    assert _held(service) == 3


def test_a_package_the_authority_never_got_frees_its_lines(service: Service,
                                                           tmp_path: Path) -> None:
    """A sending that stopped before the request reached the authority: status finds nothing
    there (404), records "not received", and the lines may be claimed again."""
    anna = Officer(tmp_path / "anna", service)
    workbook = anna.workbook("kulut.xlsx")
    package = anna.build(workbook, "a.zip")
    with Ledger.open(anna.ledger) as ledger:
        sha = hashlib.sha256(package.read_bytes()).hexdigest()
        ledger.record_status(sha, "sending", note=service.url)
    assert anna.run("validate", workbook).code == 1
    settled = anna.run("status", package, "--token-file", anna.token)
    assert settled.code == 0, settled.err
    assert "not received" in settled.out
    assert anna.run("validate", workbook).code == 0
