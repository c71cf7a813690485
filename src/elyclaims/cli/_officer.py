"""The commands for the finance officer: template, report, and the app in a browser."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from elyclaims.cli._shared import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    add_common,
    add_lang,
    add_ledger,
    emit,
    language,
    ledger_path,
    positive,
    same_file,
    today,
)
from elyclaims.cli._terminal import colour, progress_bar
from elyclaims.i18n import translator

__all__ = ["add_commands"]


def add_commands(commands: Any) -> None:
    """Add template, report and app to *commands* (argparse's subparsers)."""
    template = commands.add_parser(
        "template", help="write a blank claim workbook to fill in",
        description="Write a blank claim workbook: the claim, clients and expenses sheets with "
        "headers in the chosen language, dropdowns, input prompts, date and money formats and "
        "frozen header rows.",
    )
    template.add_argument("output", metavar="OUT.xlsx", help="the workbook to write")
    add_lang(template)
    template.add_argument("--force", action="store_true",
                          help="replace OUT.xlsx if it exists (by default an existing file is "
                          "never replaced)")
    template.set_defaults(handler=_template)

    report = commands.add_parser(
        "report", help="write an HTML summary of a claim to print and sign",
        description="Check a workbook, CSV files or a claim package and write one "
        "self-contained HTML page (or, with --format pdf, the same page as a PDF/A-3b "
        "document): the claim's header data, the recipient, the amount claimed in figures and "
        "words, the legal basis, totals per category, month and client, a chart of costs by "
        "month and category, every line with its cell, and every finding; it prints on A4 "
        "with the claim's id and page numbers on each page, marked as a draft while errors "
        "remain. Exit 0: no errors; 1: errors (the page lists them); 2: unreadable input.",
    )
    report.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="workbook, CSV files, or a claim package (.zip)")
    report.add_argument("-o", "--output", required=True, metavar="report.html",
                        help="the page to write (replaced atomically)")
    report.add_argument("--format", choices=("html", "pdf"), default="html",
                        help="html (default), or pdf: a PDF/A-3b document to file, made with "
                        "WeasyPrint (pip install 'elyclaims[pdf]')")
    add_common(report)
    report.set_defaults(handler=_report)

    app = commands.add_parser(
        "app", help="check, package and send a claim in the browser",
        description="Start the officer's app on this computer and open it in the browser: "
        "choose a workbook, see every finding on its cell, download the annotated copy and the "
        "reports. The first line of standard output is the app's address with a one-time "
        "secret (it becomes a session cookie). It serves until Ctrl+C or SIGTERM, then removes "
        "its uploaded files.",
    )
    app.add_argument("--no-browser", action="store_true",
                     help="do not open a browser; only print the address")
    app.add_argument("--host", default="127.0.0.1",
                     help="address to listen on (default 127.0.0.1: this computer only; any "
                     "other needs --certfile and --keyfile)")
    app.add_argument("--port", type=positive, default=0, help="port (default 0: a free port)")
    app.add_argument("--certfile", metavar="PEM", help="TLS certificate chain (HTTPS)")
    app.add_argument("--keyfile", metavar="PEM", help="TLS private key")
    add_common(app)
    add_ledger(app)
    app.set_defaults(handler=_app)


def _template(args: argparse.Namespace) -> int:
    from elyclaims.template import write_template

    lang = language(args.lang, None)
    written = write_template(args.output, lang, overwrite=args.force)
    t = translator(lang)
    print(t("Wrote the claim workbook {path}.", path=written), file=sys.stderr)
    return EXIT_OK


def _is_package(path: Path) -> bool:
    import zipfile

    from elyclaims.archives import ZIP_ERRORS

    if path.suffix.lower() == ".zip":
        return True
    try:
        with zipfile.ZipFile(path) as archive:
            return "claim.xml" in archive.namelist() and "manifest.xml" in archive.namelist()
    except ZIP_ERRORS:  # OSError among them
        return False


def _report(args: argparse.Namespace) -> int:
    from elyclaims.config import load_config
    from elyclaims.errors import UsageError
    from elyclaims.files import write_atomically
    from elyclaims.render import report_to_html, report_to_text

    config = load_config(args.config)
    lang = language(args.lang, config)
    output = Path(args.output)
    if any(same_file(output, Path(given)) for given in args.inputs):
        raise UsageError("{output}: the output would overwrite an input file", output=output)
    first = Path(args.inputs[0])
    package_id = None
    if len(args.inputs) == 1 and _is_package(first):
        from elyclaims.package import inspect_package

        with progress_bar(args, lang):
            inspected = inspect_package(first, today=today(args))
        report = inspected.report
        claim = inspected.packaged.claim if inspected.packaged else None
        package_id = inspected.packaged.package_id if inspected.packaged else None
    else:
        from elyclaims.pipeline import read_claim

        with progress_bar(args, lang):
            claim, report = read_claim(args.inputs, config=config, today=today(args))
    if not report.opened:
        emit(report_to_text(report, lang=lang, colour=colour()))
        return EXIT_USAGE
    page = report_to_html(report, claim, lang=lang,
                          source=str(first) if len(args.inputs) == 1 else None,
                          package_id=package_id, refdata=config.reference_data(),
                          today=today(args))
    if args.format == "pdf":
        from elyclaims.render import html_to_pdf

        write_atomically(output, html_to_pdf(page))
    else:
        write_atomically(output, page.encode("utf-8"))
    t = translator(lang)
    print(t("Wrote the report {path}.", path=output), file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_FAILED


def _app(args: argparse.Namespace) -> int:
    from elyclaims.config import load_config
    from elyclaims.errors import UsageError

    config = load_config(args.config)
    lang = language(args.lang, config)
    if bool(args.certfile) != bool(args.keyfile):
        raise UsageError("--certfile and --keyfile go together")
    for option, given in (("--certfile", args.certfile), ("--keyfile", args.keyfile)):
        if given and not Path(given).is_file():
            raise UsageError("{option} {path}: no such file", option=option, path=given)
    import os

    from elyclaims.app import AppSettings, serve_app
    from elyclaims.web import Tls

    settings = AppSettings(config=config, folder=Path(), lang=lang, today=today(args),
                           ledger=ledger_path(args, config),
                           config_given=args.config or os.environ.get("ELYCLAIMS_CONFIG") or None,
                           home=Path.cwd())
    tls = Tls(args.certfile, args.keyfile) if args.certfile else None
    try:
        return serve_app(settings, host=args.host, port=args.port, browser=not args.no_browser,
                         tls=tls)
    except OSError as error:
        raise UsageError("--host {host} --port {port}: cannot listen there: {reason}",
                         host=args.host, port=args.port, reason=error.strerror or error) from None
