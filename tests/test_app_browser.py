"""The officer's app in a real browser: the distribution's Chromium, driven by Playwright, walks
the whole flow with the keyboard alone (choose a workbook, read the findings, filter them,
download the annotated copy, fix the workbook and check again, build the package with its
invoice, send it to a real intake service on loopback, see the receipt and the ledger);
axe-core checks every page for accessibility (WCAG 2.1 AA: no serious or critical violation),
any console error fails the test, and each page's screenshot is kept in
``test-artefacts/app/``."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from conftest import REPO
from test_app import App, _cli_json, sending_home, start_app
from workbooks import clean_claim, minimal_pdf, write_xlsx

pytestmark = pytest.mark.slow

#: Where the pages' screenshots go: ``test-artefacts/app/`` (CI keeps it), or the folder
#: ELYCLAIMS_SCREENSHOTS names (``docs/images`` refreshes the user guides' pictures).
ARTEFACTS = REPO / (os.environ.get("ELYCLAIMS_SCREENSHOTS") or "test-artefacts/app")


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no Chromium here: .ci/run installs it from the distribution's packages")


@pytest.fixture(params=["fi", "en"])
def browser_page(request: pytest.FixtureRequest) -> Iterator[tuple[Any, list[str], str]]:
    """A page in headless Chromium whose browser asks for Finnish or English, and the console
    errors it has shown."""
    playwright = pytest.importorskip("playwright.sync_api")
    chromium = _chromium()
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium, headless=True,
                                         args=["--no-sandbox"])
        context = browser.new_context(accept_downloads=True,
                                      locale={"fi": "fi-FI", "en": "en-GB"}[request.param],
                                      viewport={"width": 1200, "height": 900})
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text)
                if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page, errors, request.param
        context.close()
        browser.close()


def _accessible(page: Any, name: str) -> None:
    """axe-core over the page: no serious or critical violation; a screenshot kept."""
    from axe_playwright_python.sync_playwright import Axe

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    lang = page.locator("html").get_attribute("lang")
    # The settings file's folder is the test's own: the pictures show a folder of the reader's.
    page.evaluate("""() => { for (const p of document.querySelectorAll("footer p")) {
        p.textContent = p.textContent.replace(/\\/\\S*\\/elyclaims\\.toml/,
                                              "C:\\\\Talous\\\\elyclaims.toml"); } }""")
    page.screenshot(path=str(ARTEFACTS / f"app-{lang}-{name}.png"), full_page=True)
    results = Axe().run(page, options={"runOnly": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                                   "best-practice"]})
    grave = [(violation["id"], violation["impact"], len(violation["nodes"]))
             for violation in results.response["violations"]
             if violation["impact"] in {"serious", "critical"}]
    assert grave == [], name


def _tab_to(page: Any, selector: str, *, limit: int = 40) -> None:
    """Press Tab until *selector* has the focus, as a keyboard user moves through the page."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement === document.querySelector(s)",
                         selector):
            return
    pytest.fail(f"Tab never reaches {selector}")


def _choose_file(page: Any, selector: str, path: Path) -> None:
    """Open the file chooser of *selector* with the keyboard and choose *path*."""
    _tab_to(page, selector)
    for _ in range(3):  # a busy machine may drop the first key press's activation
        try:
            with page.expect_file_chooser(timeout=10_000) as chooser:
                page.keyboard.press("Space")
        except Exception as error:  # Playwright's TimeoutError
            if "Timeout" not in type(error).__name__:
                raise
            continue
        chooser.value.set_files(str(path))
        return
    pytest.fail(f"Space on {selector} opened no file chooser")


def _findings(page: Any) -> list[str]:
    return [row.inner_text() for row in
            page.locator("#finding-list table:not(.row-view) tbody tr").all()]


def test_the_whole_flow_by_keyboard_in_chromium(browser_page: tuple[Any, list[str], str],
                                                cli: Any,
                                                tmp_path: Path) -> None:
    from test_submission import _start, _stop

    page, errors, lang = browser_page
    service = _start(tmp_path, "intake")
    home = sending_home(tmp_path / "app-home", service.url)
    invoice = tmp_path / "T-1.pdf"
    invoice.write_bytes(minimal_pdf("Lasku T-1"))
    sheets = clean_claim()
    sheets["Kulut"].rows[0].append("Liite")
    sheets["Kulut"].rows[1].append(invoice.name)
    net, description = sheets["Kulut"].rows[2][8], sheets["Kulut"].rows[3][3]
    sheets["Kulut"].rows[2][8] = -100  # I3: a credit without the credited invoice (AM-003)
    sheets["Kulut"].rows[3][3] = "Tulkkaus, asiakas 131052-308T"  # D4: an identity code
    workbook = write_xlsx(tmp_path / "kulut.xlsx", sheets)
    _, expected = _cli_json(cli, tmp_path, [workbook.name], "--lang", lang)
    app: App = start_app(home, exchange=False)
    try:
        page.goto(app.address)
        assert page.url == app.base + "/"  # the secret is gone from the address
        assert page.locator("html").get_attribute("lang") == lang  # the browser's language
        _accessible(page, "01-start")

        _choose_file(page, "#file", workbook)
        _tab_to(page, "form[action='/checks'] button")
        page.keyboard.press("Enter")
        page.wait_for_selector("#findings", timeout=60_000)
        assert re.search(r"/checks/[0-9a-f]{12}$", page.url)
        rows = _findings(page)
        assert len(rows) == len(expected["findings"])
        text = page.inner_text("main")
        for finding in expected["findings"]:
            assert finding["message"] in text
        assert "131052-308T" not in page.content()
        _accessible(page, "02-findings")

        _tab_to(page, "#severity")
        page.keyboard.press("ArrowDown")  # all -> errors
        _tab_to(page, "form.filters button")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"severity=error"))
        errors_only = [f for f in expected["findings"] if f["severity"] == "error"]
        assert len(_findings(page)) == len(errors_only) > 0
        _accessible(page, "03-errors-only")

        _tab_to(page, "a[href$='/annotated.xlsx']")
        with page.expect_download() as download:
            page.keyboard.press("Enter")
        copy = tmp_path / "annotated.xlsx"
        download.value.save_as(copy)
        assert load_workbook(copy)["Kulut"]["I3"].comment is not None

        sheets["Kulut"].rows[2][8] = net
        sheets["Kulut"].rows[3][3] = description
        write_xlsx(workbook, sheets)
        _choose_file(page, "#again-file", workbook)
        _tab_to(page, "form[action$='/again'] button")
        page.keyboard.press("Enter")
        page.wait_for_selector("#findings", timeout=60_000)
        remaining = " ".join(_findings(page))
        assert "AM-003" not in remaining
        assert "PR-001" not in remaining
        _accessible(page, "04-checked-again")

        _choose_file(page, "#attachment", invoice)
        _tab_to(page, "form[action$='/package'] button")
        page.keyboard.press("Enter")
        page.wait_for_selector("form[action$='/send']", timeout=60_000)
        assert page.locator(".status.ok").count() == 1  # the authority's checks pass
        _accessible(page, "05-package")
        _tab_to(page, "#confirm")
        page.keyboard.press("Space")
        _tab_to(page, "form[action$='/send'] button")
        page.keyboard.press("Enter")
        page.wait_for_selector("form[action$='/status']", timeout=60_000)
        receipt = page.inner_text("#receipt")
        assert re.search(r"\d{8}-[0-9a-f]{12}", receipt)  # the submission id
        _accessible(page, "06-receipt")
        page.goto(app.base + "/ledger")
        assert page.locator("#packages tbody tr").count() == 1
        assert page.locator("#claimed tbody tr").count() >= 1  # the lines just sent count
        _accessible(page, "07-ledger")

        assert errors == [], "the console showed errors"
        page.goto(app.base + "/checks/0123456789ab")  # the browser logs the 404 itself
        _accessible(page, "08-not-found")
        assert len(errors) == 1
        assert "404" in errors.pop()
        page.goto(app.base + "/language?to=sv&back=/")
        assert page.locator("html").get_attribute("lang") == "sv"
        _accessible(page, "09-start-sv")
    finally:
        code, err = app.stop()
        _stop(service)
    assert code == 0, err
    assert errors == [], "the console showed errors"
