"""The officer's app (``elyclaims app``), run as a real process on loopback and used over HTTP
as the browser and an ERP script use it: its address and one-time secret, the session and
its guards, every number and finding the command line's, the downloads, check again, and
nothing left behind."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from openpyxl import load_workbook

from conftest import REPO, SAMPLES, Run
from elyclaims.i18n import translator
from test_rule_cases import CASES, TODAY, _workbook
from workbooks import clean_claim, write_xlsx

ADDRESS = re.compile(r"^http://127\.0\.0\.1:(\d+)/\?token=([A-Za-z0-9_-]{40,})$")
#: Case keys the app's check does not take (a config, a ledger, a package, another day).
_OUTSIDE_A_CHECK = {"config", "ledger", "package", "build", "limits", "today"}


@dataclass
class App:
    """A running ``elyclaims app`` and a browser's session with it."""

    process: subprocess.Popen[bytes]
    address: str
    base: str
    session: requests.Session
    temp: Path

    @property
    def csrf(self) -> str:
        return str(self.session.cookies["elyclaims_csrf"])

    def post(self, path: str, **options: Any) -> requests.Response:
        headers = {"X-CSRF-Token": self.csrf, **options.pop("headers", {})}
        return self.session.post(self.base + path, headers=headers, timeout=60, **options)

    def get(self, path: str, **options: Any) -> requests.Response:
        return self.session.get(self.base + path, timeout=60, **options)

    def stop(self) -> tuple[int, str]:
        """SIGTERM, as Ctrl+C or a service manager stops it: its exit code and error output."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            _, err = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
            pytest.fail(f"the app did not stop on SIGTERM: {err.decode()[-2000:]}")
        return self.process.returncode, err.decode()


def start_app(folder: Path, *args: str, exchange: bool = True) -> App:
    """``elyclaims app --no-browser`` in *folder* (its own TMPDIR inside), and a session."""
    temp = folder / "tmp"
    temp.mkdir(exist_ok=True)
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith(("ELYCLAIMS_", "LC_"))}
    environment.update(LANG="C", TMPDIR=str(temp), XDG_DATA_HOME=str(folder / "xdg-data"))
    process = subprocess.Popen(
        [sys.executable, "-m", "elyclaims", "app", "--no-browser", "--today", TODAY.isoformat(),
         *args], cwd=folder, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    first = process.stdout.readline().decode().strip()
    if not ADDRESS.match(first):
        process.kill()
        pytest.fail(f"the first line is not the address: {first!r} "
                    f"{process.communicate()[1].decode()[-2000:]}")
    app = App(process, first, first.split("/?", 1)[0], requests.Session(), temp)
    if exchange:
        answer = app.session.get(first, timeout=30)
        assert answer.status_code == 200, answer.text
    return app


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    running = start_app(tmp_path_factory.mktemp("app"))
    yield running
    code, err = running.stop()
    assert code == 0, err


def sending_home(home: Path, endpoint: str) -> Path:
    """A folder to start the app in whose elyclaims.toml sends to *endpoint* with the tests'
    claimant token and keeps its ledger there."""
    from test_submission import TOKEN

    home.mkdir()
    (home / "token.txt").write_text(TOKEN + "\n", encoding="utf-8")
    (home / "elyclaims.toml").write_text(
        f'endpoint = "{endpoint}"\ntoken_file = "token.txt"\nledger = "ledger.sqlite3"\n',
        encoding="utf-8")
    return home


def _upload(path: Path) -> list[tuple[str, tuple[str, bytes]]]:
    return [("file", (path.name, path.read_bytes()))]


def _cli_json(cli: Any, folder: Path, names: list[str], *options: str) -> tuple[Run, Any]:
    """``elyclaims validate --format json`` of *names*, run in *folder* as an officer would."""
    here = Path.cwd()
    os.chdir(folder)
    try:
        run = cli("validate", *names, "--format", "json", "--today", TODAY.isoformat(), *options)
    finally:
        os.chdir(here)
    return run, run.json()


# -- the address, the session and its guards ---------------------------------------------------


def test_the_address_comes_first_and_its_secret_opens_one_session(tmp_path: Path) -> None:
    """The first line of standard output is the address with a one-time secret; the first
    visit trades it for an HttpOnly, SameSite=Strict session cookie and lands on the page
    without the secret in its address; a second visit with the same address opens nothing."""
    app = start_app(tmp_path, exchange=False)
    try:
        first = requests.get(app.address, allow_redirects=False, timeout=30)
        assert first.status_code == 303
        assert first.headers["location"] == "/"
        cookies = first.headers["set-cookie"]
        assert "elyclaims_session=" in cookies
        assert re.search(r"elyclaims_session=[^;]+; HttpOnly; Path=/; SameSite=Strict", cookies)
        assert first.headers["cache-control"] == "no-store"
        again = requests.get(app.address, allow_redirects=False, timeout=30)
        assert again.status_code == 403
        assert "set-cookie" not in again.headers
        app.session.cookies.update(first.cookies)
        page = app.get("/")
        assert page.status_code == 200
        assert "<h1>" in page.text
    finally:
        code, err = app.stop()
    assert code == 0, err
    assert "Traceback" not in err


def test_without_the_session_nothing_is_answered(app: App) -> None:
    """Pages, files, the API and its document need the session: another user of the machine
    who finds the port gets nothing."""
    stranger = requests.Session()
    for path, status in (("/", 403), ("/static/app.css", 403), ("/template.xlsx", 403),
                         ("/openapi.json", 401), ("/api/checks/0123456789ab", 401)):
        answer = stranger.get(app.base + path, timeout=30)
        assert answer.status_code == status, path
        assert "elyclaims_session" not in answer.headers.get("set-cookie", "")
    refused = stranger.post(app.base + "/api/validate",
                            files=_upload(SAMPLES / "vantaa-kerava-hva-2026-q3.xlsx"), timeout=30)
    assert refused.status_code == 401
    assert refused.json() == {"error": refused.json()["error"]}
    forged = stranger.get(app.base + "/", cookies={"elyclaims_session": "x" * 43}, timeout=30)
    assert forged.status_code == 403
    finnish = stranger.get(app.base + "/", headers={"Accept-Language": "sv;q=0.5, fi"},
                           timeout=30)
    assert '<html lang="fi">' in finnish.text
    assert "kerran käytetty osoite ei avaa mitään" in finnish.text


def test_another_site_cannot_reach_or_drive_the_app(app: App) -> None:
    """A name that is not the app's own (DNS rebinding), a post from another origin, and a post
    without the session's CSRF token are refused; the same post with it is answered."""
    port = app.base.rsplit(":", 1)[1]
    assert app.get("/", headers={"Host": f"evil.example:{port}"}).status_code == 421
    session = f"elyclaims_session={app.session.cookies['elyclaims_session']}"
    for host, status in ((f"evil.example:{port}", 421), (f"localhost:{port}", 200),
                         (f"127.0.0.1:{port}", 200), ("127.0.0.1", 421)):
        # The cookie jar matches cookies by the Host header: the cookie goes by hand.
        answer = requests.get(app.base + "/", headers={"Host": host, "Cookie": session},
                              timeout=30)
        assert answer.status_code == status, host
    sample = _upload(SAMPLES / "vantaa-kerava-hva-2026-q3.xlsx")
    foreign = app.post("/api/validate", files=sample, headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403
    bare = app.session.post(app.base + "/api/validate", files=sample, timeout=30)
    assert bare.status_code == 403
    wrong = app.session.post(app.base + "/checks", files=sample, data={"csrf": "x" * 32},
                             timeout=30, allow_redirects=False)
    assert wrong.status_code == 403
    right = app.post("/api/validate", files=sample, headers={"Origin": app.base})
    assert right.status_code == 200


def test_pages_run_no_script_but_their_own_and_nothing_from_elsewhere(app: App) -> None:
    """Every page's policy forbids inline scripts, other origins and framing; no page or style
    names another origin; the HTML report keeps its own stricter policy (styles inline, no
    script at all)."""
    started = app.post("/checks", files=_upload(SAMPLES / "vantaa-kerava-hva-2026-q3.xlsx"),
                       data={"csrf": app.csrf}, allow_redirects=False)
    assert started.status_code == 303
    page = _finished_page(app, started.headers["location"])
    for answer in (app.get("/"), page, app.get("/static/app.css")):
        policy = answer.headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "unsafe" not in policy
        assert "frame-ancestors 'none'" in policy
        assert "default-src 'none'" in policy
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert not re.search(r"https?://(?!127\.0\.0\.1)", answer.text)
        assert not re.search(r"<script(?![^>]*\bsrc=\"/static/)[^>]*>", answer.text)
    report = app.get(started.headers["location"] + "/report.html")
    assert report.status_code == 200
    assert report.headers["content-security-policy"].startswith("default-src 'none'; style-src "
                                                                "'unsafe-inline'")
    assert "script" not in report.headers["content-security-policy"]


# -- the same numbers and findings as the command line -----------------------------------------


def _cases() -> list[Path]:
    chosen = []
    for path in sorted(CASES.glob("*/*.toml")):
        case = tomllib.loads(path.read_text(encoding="utf-8"))
        if not _OUTSIDE_A_CHECK & set(case):
            chosen.append(path)
    return chosen


@pytest.mark.slow
def test_validate_answers_what_the_command_line_answers_for_every_rule_case(
        app: App, cli: Any, tmp_path: Path) -> None:
    """``POST /api/validate`` gives ``validate --format json``'s report (and its exit code) for
    every rule case's workbook the app can check (those without a config, a ledger or a
    package of their own)."""
    cases = _cases()
    assert len(cases) > 120
    rules_seen = set()
    for number, path in enumerate(cases):
        case = tomllib.loads(path.read_text(encoding="utf-8"))
        folder = tmp_path / f"{number}"
        folder.mkdir()
        workbook = _workbook(folder / f"{path.parent.name}-{path.stem}", case)
        lang = ("fi", "sv", "en")[number % 3]
        run, expected = _cli_json(cli, folder, [workbook.name], "--lang", lang)
        answer = app.post("/api/validate", files=_upload(workbook), data={"lang": lang})
        assert answer.status_code == 200, (path, answer.text)
        assert answer.json() == expected, path
        assert answer.headers["x-elyclaims-exit-code"] == str(run.code), path
        rules_seen.update(finding["rule"] for finding in expected["findings"])
    assert len(rules_seen) > 40


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_validate_answers_what_the_command_line_answers_for_the_samples(
        app: App, cli: Any, lang: str) -> None:
    """The samples, the Helsinki ERP export's three CSV files among them (several ``file``
    fields), in each language."""
    for folder, names in ((SAMPLES, ["vantaa-kerava-hva-2026-q3.xlsx"]),
                          (SAMPLES, ["osterbotten-valfardsomrade-2026-h1.xlsx"]),
                          (SAMPLES / "helsinki-erp-2026-09",
                           ["hakemus.csv", "asiakkaat.csv", "kulut.csv"])):
        run, expected = _cli_json(cli, folder, names, "--lang", lang)
        files = [("file", (name, (folder / name).read_bytes())) for name in names]
        answer = app.post("/api/validate", files=files, data={"lang": lang})
        assert answer.status_code == 200, answer.text
        assert answer.json() == expected
        assert answer.headers["x-elyclaims-exit-code"] == str(run.code)


def test_a_check_followed_over_the_api_ends_in_the_same_report(app: App, cli: Any) -> None:
    """``POST /api/checks`` starts a check; ``GET /api/checks/{id}`` follows it to the report
    ``validate`` gives."""
    name = "vantaa-kerava-hva-2026-q3.xlsx"
    started = app.post("/api/checks", files=_upload(SAMPLES / name))
    assert started.status_code == 202
    location = started.json()["location"]
    assert location == f"/api/checks/{started.json()['id']}"
    progress = _until_done(app, location + "?lang=sv")
    assert progress["state"] == "done"
    assert progress["report"] == _cli_json(cli, SAMPLES, [name], "--lang", "sv")[1]
    assert app.get("/api/checks/ffffffffffff").status_code == 404
    assert app.get("/api/checks/..%2Fetc").status_code == 404


def _until_done(app: App, location: str) -> dict[str, Any]:
    import time

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        answer = app.get(location)
        assert answer.status_code == 200, answer.text
        progress: dict[str, Any] = answer.json()
        if progress["state"] != "running":
            return progress
        time.sleep(0.05)
    pytest.fail("the check did not finish")


def _finished_page(app: App, location: str) -> requests.Response:
    import time

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page = app.get(location, headers={"Accept": "text/html"})
        assert page.status_code == 200, page.text
        if 'http-equiv="refresh"' not in page.text:
            return page
        time.sleep(0.05)
    pytest.fail("the check did not finish")


@pytest.mark.slow
def test_a_long_check_shows_how_far_it_has_come(app: App, tmp_path: Path) -> None:
    """A 40,000-line workbook: while it is read and checked, the API says the stage and how
    much of it is done (never going back), the page shows a progress bar and refreshes itself,
    and the app answers other pages meanwhile; then the report has every line."""
    import importlib.util
    import time

    from conftest import REPO

    spec = importlib.util.spec_from_file_location("bench_workbooks",
                                                  REPO / "benchmarks" / "workbooks.py")
    assert spec is not None
    assert spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    workbook = generator.write_claim_workbook(tmp_path / "suuri.xlsx", 40_000)
    started = app.post("/api/checks", files=_upload(workbook)).json()
    seen: list[tuple[str, int, int | None]] = []
    page = ""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        progress = app.get(started["location"]).json()
        if progress["state"] != "running":
            break
        seen.append((progress["stage"], progress["done"], progress["total"]))
        if not page and progress["done"]:
            page = app.get(f"/checks/{started['id']}").text
            assert app.get("/").status_code == 200  # the app answers meanwhile
        time.sleep(0.02)
    assert progress["state"] == "done"
    assert progress["report"]["summary"]["lines"] == 40_000
    assert any(done > 0 for _, done, _ in seen), seen[:5]
    for stage in {stage for stage, _, _ in seen}:
        done = [count for named, count, _ in seen if named == stage]
        assert done == sorted(done), stage
    assert 'http-equiv="refresh"' in page
    assert re.search(r'<progress max="100" value="\d+"', page)


# -- the officer's flow ------------------------------------------------------------------------


def test_the_officers_flow_findings_downloads_and_check_again(app: App, cli: Any,
                                                              tmp_path: Path) -> None:
    """A workbook with mistakes opened by its path: the page shows every finding the command
    line reports, on its cell, in the chosen language, filterable; the annotated copy, the
    HTML and JSON reports download; fixed in Excel (here: written again), "check again" reads
    it where it is and finds it clean."""
    sheets = clean_claim()
    net, description = sheets["Kulut"].rows[2][8], sheets["Kulut"].rows[3][3]
    sheets["Kulut"].rows[2][8] = -100  # I3: a credit without the credited invoice (AM-003)
    sheets["Kulut"].rows[3][3] = "Tulkkaus, asiakas 131052-308T"  # D4: an identity code
    workbook = write_xlsx(tmp_path / "kulut syyskuu.xlsx", sheets)
    app.session.cookies.set("elyclaims_lang", "fi")
    try:
        started = app.post("/checks", data={"csrf": app.csrf, "path": str(workbook)},
                           allow_redirects=False)
        assert started.status_code == 303
        location = started.headers["location"]
        page = _finished_page(app, location)
        _, expected = _cli_json(cli, tmp_path, [str(workbook)], "--lang", "fi")
        assert {f["rule"] for f in expected["findings"]} >= {"AM-003", "PR-001"}
        text = _text(page.text)
        assert '<html lang="fi">' in page.text
        for finding in expected["findings"]:
            assert finding["message"] in text, finding["rule"]
            if finding["cell"]:
                assert f"{finding['sheet']}!{finding['cell']}" in text
        assert "131052-308T" not in page.text
        t = translator("fi")
        summary = expected["summary"]
        assert (f'{t.n("{count} expense line", "{count} expense lines", summary["lines"])}, '
                f'{t.n("{count} client", "{count} clients", summary["clients"])}') in text
        rows = re.findall(r'<tr class="(error|warning|info)">', _findings_part(page.text))
        assert len(rows) == len(expected["findings"])
        # Each row with a finding shows its cells, the faulty one marked: I3 holds -100.
        row_three = _findings_part(page.text).split("<h3>", 2)[1]
        assert "Kulut, rivi 3" in row_three
        assert re.search(r'<td class="fault"><mark>\u2212100</mark></td>', row_three)  # fi minus
        assert "I Veroton summa" in _text(row_three)
        row_four = _findings_part(page.text).split("<h3>", 3)[2]
        assert re.search(r'<td class="fault"><mark>Tulkkaus, asiakas 131052-\*{4}</mark></td>',
                         row_four)
        only = app.get(location, params={"rule": "PR-001"})
        assert "PR-001" in only.text
        assert "AM-003" not in _findings_part(only.text)
        errors = app.get(location, params={"severity": "error"})
        assert "AM-003" in _findings_part(errors.text)

        annotated = app.get(location + "/annotated.xlsx")
        assert annotated.status_code == 200
        assert annotated.headers["content-disposition"] == (
            "attachment; filename*=utf-8''kulut%20syyskuu.annotated.xlsx")
        copy = tmp_path / "copy.xlsx"
        copy.write_bytes(annotated.content)
        book = load_workbook(copy)
        assert book.sheetnames[0] != "Kulut"
        assert book["Kulut"]["I3"].comment is not None
        assert b"131052-308T" not in annotated.content
        report = app.get(location + "/report.html")
        assert "131052-308T" not in report.text
        assert "AM-003" in report.text
        assert str(tmp_path) not in report.text
        as_json = app.get(location + "/report.json")
        assert as_json.json() == expected
        assert "attachment" in as_json.headers["content-disposition"]

        sheets["Kulut"].rows[2][8] = net
        sheets["Kulut"].rows[3][3] = description
        write_xlsx(workbook, sheets)
        again = app.post(location + "/again", data={"csrf": app.csrf}, allow_redirects=False)
        assert again.status_code == 303
        assert again.headers["location"] != location
        fixed = _finished_page(app, again.headers["location"])
        assert "AM-003" not in _findings_part(fixed.text)
        assert "PR-001" not in _findings_part(fixed.text)
    finally:
        app.session.cookies.set("elyclaims_lang", "", expires=0)


def _text(page: str) -> str:
    import html

    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _findings_part(page: str) -> str:
    """The list of findings (the filters name every rule that has one)."""
    return page.split('id="finding-list"', 1)[1] if 'id="finding-list"' in page else ""


def test_an_upload_is_checked_again_when_uploaded_again(app: App) -> None:
    """An uploaded file is not remembered by path: "check again" takes the file again."""
    name = "vantaa-kerava-hva-2026-q3.xlsx"
    started = app.post("/checks", files=_upload(SAMPLES / name), data={"csrf": app.csrf},
                       allow_redirects=False)
    location = started.headers["location"]
    page = _finished_page(app, location)
    assert 'name="file"' in page.text.split("/again", 1)[1]
    empty = app.post(location + "/again", data={"csrf": app.csrf}, allow_redirects=False)
    assert empty.status_code == 422
    again = app.post(location + "/again", files=_upload(SAMPLES / name),
                     data={"csrf": app.csrf}, allow_redirects=False)
    assert again.status_code == 303


def test_the_page_speaks_the_browsers_language_until_the_officer_chooses(app: App) -> None:
    """Accept-Language picks the language; the switch on every page keeps the officer's
    choice; a switch never sends the browser to another site."""
    stranger_cookies = dict(app.session.cookies)
    session = requests.Session()
    session.cookies.update(stranger_cookies)
    swedish = session.get(app.base + "/", headers={"Accept-Language": "sv-FI,sv;q=0.9,en;q=0.5"},
                          timeout=30)
    assert '<html lang="sv">' in swedish.text
    assert "Kontrollera" in swedish.text
    english = session.get(app.base + "/", headers={"Accept-Language": "de, en;q=0.8"}, timeout=30)
    assert '<html lang="en">' in english.text
    switch = session.get(app.base + "/language", params={"to": "fi", "back": "//evil.example/"},
                         allow_redirects=False, timeout=30)
    assert switch.headers["location"] == "/"
    session.cookies.update(switch.cookies)
    chosen = session.get(app.base + "/", headers={"Accept-Language": "sv"}, timeout=30)
    assert '<html lang="fi">' in chosen.text


def test_the_blank_template_downloads_in_each_language(app: App, tmp_path: Path) -> None:
    """The template of ``elyclaims template --lang``, as a download."""
    for lang, first_sheet in (("fi", "Hakemus"), ("sv", "Ansökan"), ("en", "Claim")):
        answer = app.get("/template.xlsx", params={"lang": lang})
        assert answer.status_code == 200
        target = tmp_path / f"{lang}.xlsx"
        target.write_bytes(answer.content)
        assert load_workbook(target).sheetnames[0] == first_sheet


def test_the_openapi_document_lists_every_action(app: App) -> None:
    """Each action of the pages has its JSON endpoint or download in the document; the pages
    themselves are not in it."""
    document = app.get("/openapi.json").json()
    exported = json.loads((REPO / "docs" / "app-openapi.json").read_text(encoding="utf-8"))
    assert document == exported, "run: python docs/export_openapi.py"
    assert set(document["paths"]) == {
        "/api/validate", "/api/checks", "/api/checks/{check_id}",
        "/checks/{check_id}/report.json", "/checks/{check_id}/report.html",
        "/checks/{check_id}/annotated.xlsx", "/template.xlsx",
        "/api/checks/{check_id}/package", "/checks/{check_id}/package.zip",
        "/api/checks/{check_id}/send", "/api/ledger", "/api/ledger/claimed",
        "/api/checks/{check_id}/acknowledge", "/api/checks/{check_id}/status"}


def test_refusals_say_why_and_keep_nothing(app: App, tmp_path: Path) -> None:
    """No file, a file without a name, a CSV file to annotate, an unknown check: each a clear
    answer, never a 500."""
    assert app.post("/api/validate", data={"lang": "en"}).status_code == 422
    nameless = app.post("/api/validate", files=[("file", (".", b"x"))])
    assert nameless.status_code == 422
    assert "name" in nameless.json()["error"]
    folder = SAMPLES / "helsinki-erp-2026-09"
    files = [("file", (name, (folder / name).read_bytes()))
             for name in ("hakemus.csv", "asiakkaat.csv", "kulut.csv")]
    started = app.post("/api/checks", files=files).json()
    _until_done(app, started["location"])
    csv = app.get(f"/checks/{started['id']}/annotated.xlsx")
    assert csv.status_code == 422
    assert "--annotate" in csv.json()["error"]
    unknown = app.get("/checks/0123456789ab", headers={"Accept": "text/html"})
    assert unknown.status_code == 404
    assert "<h1>" in unknown.text
    missing = app.post("/checks", data={"csrf": app.csrf, "path": str(tmp_path / "none.xlsx")},
                       allow_redirects=False)
    assert missing.status_code == 422


def test_a_warning_acknowledged_with_a_reason_is_kept_in_the_settings(tmp_path: Path,
                                                                     cli: Any) -> None:
    """A warning is acknowledged on the page with a written reason, kept as an
    ``[[acknowledge]]`` entry in the config file the officer chooses (next to the workbook, or
    where the app was started, when none exists yet; the one the check read, when one does);
    the check runs again and reports it acknowledged, exactly as the command line then does. A
    reason with an identity code is refused and nothing is written."""
    home, claims = tmp_path / "home", tmp_path / "claims"
    home.mkdir()
    claims.mkdir()
    sheets = clean_claim()
    sheets["Kulut"].rows[2][4] = None  # EL-008: a warning on row 3
    workbook = write_xlsx(claims / "kulut.xlsx", sheets)
    app = start_app(home)
    try:
        started = app.post("/checks", data={"csrf": app.csrf, "path": str(workbook)},
                           allow_redirects=False)
        location = started.headers["location"]
        page = _finished_page(app, location)
        assert page.text.count('action="' + location + '/acknowledge"') == 1
        assert str(home / "elyclaims.toml") in page.text
        assert str(claims / "elyclaims.toml") in page.text
        form = {"csrf": app.csrf, "rule": "EL-008", "line": "Kulut:3", "where": "beside"}
        refused = app.post(location + "/acknowledge",
                           data={**form, "reason": "asiakas 131052-308T"},
                           allow_redirects=False)
        assert refused.status_code == 422
        assert not (claims / "elyclaims.toml").exists()
        wrong = app.post(location + "/acknowledge",
                         data={**form, "rule": "AM-003", "reason": "ei ole"},
                         allow_redirects=False)
        assert wrong.status_code == 422
        kept = app.post(location + "/acknowledge",
                        data={**form, "reason": "peruste  kuvauksessa"}, allow_redirects=False)
        assert kept.status_code == 303
        assert "[[acknowledge]]" in (claims / "elyclaims.toml").read_text(encoding="utf-8")
        assert not (home / "elyclaims.toml").exists()
        again = kept.headers["location"].split("#")[0]
        assert again != location
        page = _finished_page(app, again)
        assert "peruste kuvauksessa" in page.text
        assert "/acknowledge" not in page.text  # nothing left to acknowledge
        _, expected = _cli_json(cli, claims, [str(workbook)])
        assert app.get(again + "/report.json").json() == expected
        assert [f["acknowledged"] for f in expected["findings"]] == ["peruste kuvauksessa"]
        # The same over the JSON API, for a check of an upload: kept in the settings where
        # the app was started (the only file it may go to), and the check runs again.
        uploaded = app.post("/api/checks", files=_upload(workbook)).json()
        assert _until_done(app, uploaded["location"])["state"] == "done"
        api = app.post(f"/api/checks/{uploaded['id']}/acknowledge",
                       data={"rule": "EL-008", "line": "Kulut:3", "reason": "sovittu"})
        assert api.status_code == 202, api.text
        assert "[[acknowledge]]" in (home / "elyclaims.toml").read_text(encoding="utf-8")
        report = _until_done(app, api.json()["location"])["report"]
        assert [f["acknowledged"] for f in report["findings"]] == ["sovittu"]
    finally:
        code, err = app.stop()
    assert code == 0, err


# -- package and send -------------------------------------------------------------------------


def test_package_send_receipt_status_and_ledger(tmp_path: Path) -> None:
    """A clean check becomes a package (the invoices uploaded; one missing refuses it, PK-001,
    as 'build' does), the authority's checks pass, sending needs the confirmation, goes to the
    configured endpoint (a real intake service) and shows the receipt; the operator's status
    reaches the page and the ledger, which the app shows as 'elyclaims status' lists it."""
    from conftest import run_elyclaims
    from test_submission import OPERATOR, TOKEN, _start, _stop

    service = _start(tmp_path, "intake")
    home = sending_home(tmp_path / "home", service.url)
    app = start_app(home)
    try:
        name = "vantaa-kerava-hva-2026-q3.xlsx"
        started = app.post("/api/checks", files=_upload(SAMPLES / name)).json()
        assert _until_done(app, started["location"])["state"] == "done"
        package = f"/api/checks/{started['id']}/package"
        invoices = sorted((SAMPLES / "liitteet").glob("*.pdf"))
        assert len(invoices) == 2
        short = app.post(package, files=[("attachment", (invoices[0].name,
                                                          invoices[0].read_bytes()))])
        assert short.status_code == 422
        assert {f["rule"] for f in short.json()["findings"]
                if f["severity"] == "error"} == {"PK-001"}
        built = app.post(package, files=[("attachment", (pdf.name, pdf.read_bytes()))
                                         for pdf in invoices])
        assert built.status_code == 200, built.text
        document = built.json()
        assert document["package"]["claimed"] == "6476.60"
        assert document["package"]["lines"] == 12
        assert {m["path"] for m in document["package"]["members"]} >= {
            f"attachments/{pdf.name}" for pdf in invoices}
        assert document["inspection"]["package"]["valid"] is True
        assert document["inspection"]["summary"]["errors"] == 0
        zipped = app.get(f"/checks/{started['id']}/package.zip")
        assert zipped.status_code == 200
        assert zipped.content[:2] == b"PK"

        send = f"/api/checks/{started['id']}/send"
        assert app.post(send).status_code == 422  # not confirmed
        sent = app.post(send, data={"confirm": "yes"})
        assert sent.status_code == 200, sent.text
        receipt = sent.json()["receipt"]
        assert receipt["status"] == "received"
        assert receipt["package_sha256"] == document["package"]["sha256"]
        page = app.get(f"/checks/{started['id']}/package",
                       headers={"Accept-Language": "en"}).text
        assert receipt["submission_id"] in page
        assert "Uusimaa" in page
        assert "6,476.60" in page

        requests.put(f"{service.url}/v1/claims/{receipt['submission_id']}/status",
                     json={"status": "accepted"},
                     headers={"Authorization": f"Bearer {OPERATOR}"}, timeout=5)
        polled = app.post(f"/checks/{started['id']}/status", data={"csrf": app.csrf},
                          headers={"Accept-Language": "en"})
        assert polled.status_code == 200
        assert "accepted" in polled.text
        asked = app.post(f"/api/checks/{started['id']}/status")
        assert asked.status_code == 200
        assert asked.json()["receipt"]["status"] == "accepted"

        listed = run_elyclaims("status", "--ledger", home / "ledger.sqlite3", "--format",
                               "json")
        assert app.get("/api/ledger").json() == listed.json()
        [entry] = listed.json()["packages"]
        assert entry["status"] == "accepted"
        ledger_page = app.get("/ledger", headers={"Accept-Language": "en"}).text
        assert "6,476.60" in ledger_page
        assert "accepted" in ledger_page
        for query, options in (({}, []), ({"client": "IHK-2026-0107"},
                                           ["--client", "IHK-2026-0107"]),
                               ({"start": "2026-08-01", "end": "2026-08-31"},
                                ["--period", "2026-08-01", "2026-08-31"])):
            claimed = run_elyclaims("ledger", "claimed", "--ledger", home / "ledger.sqlite3",
                                    "--format", "json", *options)
            assert claimed.code == 0, claimed.err
            assert app.get("/api/ledger/claimed", params=query).json() == claimed.json()
        assert "IHK-2026-0107" in app.get("/ledger", params={"client": "IHK-2026-0107"}).text
        assert app.get("/api/ledger/claimed", params={"start": "2026-13-01"}).status_code == 422
        reversed_period = app.get("/api/ledger/claimed",
                                  params={"start": "2026-09-01", "end": "2026-08-01"})
        assert reversed_period.status_code == 422
    finally:
        code, err = app.stop()
        _stop(service)
    assert code == 0, err
    assert TOKEN not in err


# -- starting and stopping ---------------------------------------------------------------------


def test_stopping_leaves_no_file_behind(tmp_path: Path) -> None:
    """Uploads go to a private folder (this user only) that SIGTERM removes with the app."""
    app = start_app(tmp_path)
    try:
        answer = app.post("/api/validate",
                          files=_upload(SAMPLES / "vantaa-kerava-hva-2026-q3.xlsx"))
        assert answer.status_code == 200
        folders = list(app.temp.glob("elyclaims-app-*"))
        assert len(folders) == 1
        assert folders[0].stat().st_mode & 0o077 == 0
        assert list(folders[0].rglob("*.xlsx"))
    finally:
        code, err = app.stop()
    assert code == 0, err
    assert list(app.temp.iterdir()) == []


def test_on_every_address_over_tls(tmp_path: Path) -> None:
    """``--host 0.0.0.0`` with a certificate: the address printed names the machine, HTTPS
    with the county's CA answers (the cookie Secure), plain HTTP does not, and a file on the
    server cannot be opened by its path."""
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    server = ca.issue_cert("localhost", "127.0.0.1")
    (tmp_path / "cert.pem").write_bytes(b"".join(pem.bytes() for pem in server.cert_chain_pems))
    server.private_key_pem.write_to_path(str(tmp_path / "key.pem"))
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith("ELYCLAIMS_")}
    environment.update(TMPDIR=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "xdg-data"))
    process = subprocess.Popen(
        [sys.executable, "-m", "elyclaims", "app", "--no-browser", "--host", "0.0.0.0",
         "--certfile", str(tmp_path / "cert.pem"), "--keyfile", str(tmp_path / "key.pem")],
        cwd=tmp_path, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    address = process.stdout.readline().decode().strip()
    app = App(process, address, "", requests.Session(), tmp_path)
    try:
        found = re.match(r"^https://([^/:]+):(\d+)/\?token=([A-Za-z0-9_-]{40,})$", address)
        assert found, address
        assert found.group(1) not in {"0.0.0.0", "127.0.0.1"}  # the machine's name
        local = f"https://127.0.0.1:{found.group(2)}"
        app.base = local
        app.session.trust_env = False  # else REQUESTS_CA_BUNDLE would win over verify
        app.session.verify = str(tmp_path / "ca.pem")
        first = app.session.get(f"{local}/?token={found.group(3)}", allow_redirects=False,
                                timeout=30)
        assert first.status_code == 303
        assert "; Secure" in first.headers["set-cookie"]
        assert app.get("/").status_code == 200
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(f"http://127.0.0.1:{found.group(2)}/", timeout=10)
        by_path = app.post("/checks", data={"csrf": app.csrf, "path": str(tmp_path / "ca.pem")},
                           allow_redirects=False)
        assert by_path.status_code == 422
    finally:
        code, err = app.stop()
    assert code == 0, err


def test_another_machine_only_over_tls(tmp_path: Path) -> None:
    """``--host`` other than loopback without TLS is refused with the way out (exit 2); a port
    in use is named as such."""
    from conftest import run_elyclaims

    refused = run_elyclaims("app", "--no-browser", "--host", "0.0.0.0", cwd=tmp_path)
    assert refused.code == 2
    assert "--certfile" in refused.err
    assert "Traceback" not in refused.err
    assert refused.out == ""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = run_elyclaims("app", "--no-browser", "--port", str(taken.getsockname()[1]),
                             cwd=tmp_path)
    assert busy.code == 2
    assert "the port is in use by another program" in busy.err
    assert "Traceback" not in busy.err

