"""The commands that check and package: validate, build, inspect, rules."""

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
    add_format,
    add_lang,
    add_ledger,
    add_today,
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
    """Add validate, build, inspect and rules to *commands* (argparse's subparsers)."""
    validate = commands.add_parser(
        "validate", help="read a workbook or CSV files and check every line",
        description="Read a workbook (.xlsx/.xlsm) or CSV files and report every problem with "
        "the cell it sits in. Exit 0: no errors; 1: errors (or warnings with --strict); "
        "2: unreadable input, bad config or usage.",
    )
    validate.add_argument("inputs", nargs="+", metavar="INPUT", help="workbook or CSV files")
    add_common(validate)
    add_format(validate)
    add_ledger(validate)
    validate.add_argument("--strict", action="store_true",
                          help="fail (exit 1) on warnings that are not acknowledged")
    validate.add_argument("--max-findings", type=positive, metavar="N",
                          help="show at most N findings (the summary still counts all)")
    validate.add_argument("--attachments", metavar="DIR",
                          help="also look for the invoice copies named in the Attachment "
                          "column in this folder, as build does (PK-001, PR-004)")
    validate.add_argument("--annotate", metavar="OUT.xlsx",
                          help="also write a copy of the workbook with every finding as a "
                          "comment on its cell and a summary sheet first (the input is not "
                          "changed)")
    _supersedes_option(validate)
    validate.set_defaults(handler=_validate)

    build = commands.add_parser(
        "build", help="check the input and write the claim package",
        description="Validate, then write the claim package (a ZIP with claim.xml, manifest.xml "
        "and the invoice copies) and record it in the ledger. Nothing is written while errors "
        "remain (exit 1). Set SOURCE_DATE_EPOCH for a reproducible package.",
    )
    build.add_argument("inputs", nargs="+", metavar="INPUT", help="workbook or CSV files")
    build.add_argument("-o", "--output", required=True, metavar="PACKAGE.zip",
                       help="the package to write (replaced atomically)")
    build.add_argument("--attachments", metavar="DIR",
                       help="folder of the invoice copies named in the Attachment column")
    build.add_argument("--report", action="store_true",
                       help="carry the HTML summary (as `elyclaims report` writes it) in the "
                       "package as report.html")
    add_common(build)
    add_format(build)
    add_ledger(build)
    build.add_argument("--strict", action="store_true",
                       help="refuse while warnings that are not acknowledged remain")
    _supersedes_option(build)
    build.set_defaults(handler=_build)

    inspect = commands.add_parser(
        "inspect", help="check a claim package and summarise it",
        description="Check a package (sizes, names, digests, XML schemas, totals, rules) and "
        "summarise it. Exit 0: valid; 1: problems found; 2: the file cannot be read.",
    )
    inspect.add_argument("package", metavar="PACKAGE.zip")
    add_format(inspect)
    add_lang(inspect)
    add_today(inspect, "the day the package was built")
    inspect.set_defaults(handler=_inspect)

    rules = commands.add_parser(
        "rules", help="list the rule catalogue",
        description="List every rule: id, severity, slug, message, fix hint and legal source.",
    )
    add_format(rules)
    add_lang(rules)
    rules.add_argument("--config", metavar="FILE", help="config file (severity overrides)")
    rules.set_defaults(handler=_rules)


def _supersedes_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--supersedes", metavar="SUBMISSION_ID",
                         help="this claim corrects and replaces an earlier submission: its lines "
                         "are no duplicates, the package names it, and the authority marks it "
                         "superseded when it receives this one")


def _existing_ledger(args: argparse.Namespace, config: Any) -> Any:
    """The ledger to read DU-002 from: only one that exists (validate never creates one)."""
    path = ledger_path(args, config)
    return path if path.is_file() else None


def _annotatable(args: argparse.Namespace) -> None:
    """--annotate takes one workbook, and never writes over it.

    Raises:
        UsageError: for several inputs, a CSV file, or an output that is the input.
    """
    from pathlib import Path

    from elyclaims.errors import UsageError

    if len(args.inputs) != 1:
        raise UsageError("--annotate: give one workbook to annotate, not {count} inputs",
                         count=len(args.inputs))
    given = Path(args.inputs[0])
    if same_file(given, Path(args.annotate)):
        raise UsageError("{output}: the output would overwrite an input file",
                         output=args.annotate)
    if given.is_file():
        from elyclaims.annotate import check_annotatable

        check_annotatable(given)


def _attachments_folder(args: argparse.Namespace) -> None:
    from elyclaims.errors import UsageError

    if args.attachments is not None and not Path(args.attachments).is_dir():
        raise UsageError("{folder}: the attachments folder does not exist",
                         folder=args.attachments)


def _validate(args: argparse.Namespace) -> int:
    from elyclaims.config import load_config
    from elyclaims.pipeline import read_claim
    from elyclaims.render import report_to_dict, report_to_text, to_json

    config = load_config(args.config)
    lang = language(args.lang, config)
    if args.annotate is not None:
        _annotatable(args)
    _attachments_folder(args)
    with progress_bar(args, lang):
        claim, report = read_claim(args.inputs, config=config, today=today(args),
                                   ledger=_existing_ledger(args, config),
                                   supersedes=args.supersedes)
        if claim is not None and args.attachments is not None:
            from elyclaims.package import with_attachments

            report, _ = with_attachments(report, claim, args.attachments)
    annotated = None
    if args.annotate is not None and report.opened:
        from elyclaims.annotate import annotate_workbook

        annotated = annotate_workbook(args.inputs[0], report, args.annotate, lang=lang)
    if args.format == "json":
        document = report_to_dict(report, lang=lang, max_findings=args.max_findings)
        if annotated is not None:
            document["annotated"] = {"path": str(annotated.path),
                                     "commented_cells": annotated.commented,
                                     "findings": annotated.listed,
                                     "not_kept": list(annotated.not_kept)}
        emit(to_json(document), json=True)
    else:
        emit(report_to_text(report, lang=lang, max_findings=args.max_findings,
                            colour=colour()))
    if annotated is not None:
        t = translator(lang)
        print(t.n("The annotated copy {path} has comments on {count} cell.",
                  "The annotated copy {path} has comments on {count} cells.",
                  annotated.commented, path=annotated.path), file=sys.stderr)
    if not report.opened:
        return EXIT_USAGE
    return EXIT_OK if report.passes(strict=args.strict) else EXIT_FAILED


def _build(args: argparse.Namespace) -> int:
    import datetime as dt
    from pathlib import Path

    from elyclaims.config import load_config
    from elyclaims.errors import UsageError
    from elyclaims.package import BuildRefused, build_package, creation_time
    from elyclaims.pipeline import read_claim
    from elyclaims.render import built_to_json, built_to_text, report_to_json, report_to_text

    config = load_config(args.config)
    created_at = creation_time()
    output = Path(args.output)
    if any(same_file(output, Path(given)) for given in args.inputs):
        raise UsageError("{output}: the output would overwrite an input file", output=output)
    _attachments_folder(args)
    lang = language(args.lang, config)
    day = today(args) or dt.date.today()
    with progress_bar(args, lang):
        claim, report = read_claim(args.inputs, config=config, today=day,
                                   ledger=_existing_ledger(args, config),
                                   supersedes=args.supersedes)
    if claim is None:
        if args.format == "json":
            emit(report_to_json(report, lang=lang), json=True)
        else:
            emit(report_to_text(report, lang=lang, colour=colour()))
        return EXIT_USAGE
    try:
        with progress_bar(args, lang):
            built = build_package(claim, report, output, attachments=args.attachments,
                                  created_at=created_at, strict=args.strict, today=day,
                                  refdata=config.reference_data(),
                                  report_page=_page(claim, args, lang, created_at, config,
                                                    day),
                                  supersedes=args.supersedes,
                                  ledger=ledger_path(args, config))
    except BuildRefused as refused:
        if args.format == "json":
            emit(report_to_json(refused.report, lang=lang), json=True)
        else:
            emit(report_to_text(refused.report, lang=lang, colour=colour()))
            t = translator(lang)
            print(t("The package was not written: fix the errors and run again."),
                  file=sys.stderr)
        return EXIT_FAILED
    render = built_to_json if args.format == "json" else built_to_text
    emit(render(built, lang=lang), json=args.format == "json")
    return EXIT_OK


def _page(claim: Any, args: argparse.Namespace, lang: str, created_at: Any, config: Any,
          day: Any) -> Any:
    """build --report: the function that writes report.html for the package id."""
    if not args.report:
        return None
    from elyclaims.render import report_to_html

    source = args.inputs[0] if len(args.inputs) == 1 else None

    def page(report: Any, package_id: str) -> str:
        return report_to_html(report, claim, lang=lang, source=source, package_id=package_id,
                              created=created_at, refdata=config.reference_data(), today=day)

    return page


def _inspect(args: argparse.Namespace) -> int:
    from elyclaims.package import inspect_package
    from elyclaims.render import inspected_to_json, inspected_to_text

    lang = language(args.lang, None)
    inspected = inspect_package(args.package, today=today(args))
    if args.format == "json":
        emit(inspected_to_json(inspected, lang=lang), json=True)
    else:
        emit(inspected_to_text(inspected, lang=lang, colour=colour()))
    if not inspected.report.opened:
        return EXIT_USAGE
    return EXIT_OK if inspected.ok else EXIT_FAILED


def _rules(args: argparse.Namespace) -> int:
    from elyclaims.config import load_config
    from elyclaims.render import catalogue_to_json, catalogue_to_text

    config = load_config(args.config)
    lang = language(args.lang, config)
    render = catalogue_to_json if args.format == "json" else catalogue_to_text
    emit(render(lang=lang, overrides=config.severity, refdata=config.reference_data()),
         json=args.format == "json")
    return EXIT_OK
