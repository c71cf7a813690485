"""The ``elyclaims`` command: parse arguments, call the library, render, pick the exit code.

Kept light on purpose: nothing heavy (openpyxl, lxml, pydantic) is imported until a command
needs it, so ``elyclaims --help`` answers at once.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from elyclaims._version import __version__

if TYPE_CHECKING:
    from datetime import date

    from elyclaims.config import Config

__all__ = ["EXIT_FAILED", "EXIT_INTERNAL", "EXIT_OK", "EXIT_SUBMIT", "EXIT_USAGE", "main"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_SUBMIT = 3
EXIT_INTERNAL = 70


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return number


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="elyclaims",
        description="Check, package and submit State reimbursement claims for services to "
        "victims of human trafficking.",
    )
    parser.add_argument("--version", action="version", version=f"elyclaims {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    validate = commands.add_parser(
        "validate", help="read a workbook or CSV files and check every line",
        description="Read a workbook (.xlsx/.xlsm) or CSV files and report every problem with "
        "the cell it sits in. Exit 0: no errors; 1: errors (or warnings with --strict); "
        "2: unreadable input, bad config or usage.",
    )
    validate.add_argument("inputs", nargs="+", metavar="INPUT", help="workbook or CSV files")
    _common(validate)
    validate.add_argument("--format", choices=("text", "json"), default="text")
    validate.add_argument("--strict", action="store_true",
                          help="fail (exit 1) on warnings that are not acknowledged")
    validate.add_argument("--max-findings", type=_positive, metavar="N",
                          help="show at most N findings (the summary still counts all)")
    validate.set_defaults(handler=_validate)

    build = commands.add_parser(
        "build", help="check the input and write the claim package",
        description="Validate, then write the claim package (a ZIP with claim.xml, manifest.xml "
        "and the invoice copies). Nothing is written while errors remain (exit 1). Set "
        "SOURCE_DATE_EPOCH for a reproducible package.",
    )
    build.add_argument("inputs", nargs="+", metavar="INPUT", help="workbook or CSV files")
    build.add_argument("-o", "--output", required=True, metavar="PACKAGE.zip",
                       help="the package to write (replaced atomically)")
    build.add_argument("--attachments", metavar="DIR",
                       help="folder of the invoice copies named in the Attachment column")
    _common(build)
    build.add_argument("--format", choices=("text", "json"), default="text")
    build.add_argument("--strict", action="store_true",
                       help="refuse while warnings that are not acknowledged remain")
    build.set_defaults(handler=_build)

    inspect = commands.add_parser(
        "inspect", help="check a claim package and summarise it",
        description="Check a package (sizes, names, digests, XML schemas, totals, rules) and "
        "summarise it. Exit 0: valid; 1: problems found; 2: usage.",
    )
    inspect.add_argument("package", metavar="PACKAGE.zip")
    inspect.add_argument("--format", choices=("text", "json"), default="text")
    inspect.add_argument("--lang", choices=("fi", "sv", "en"),
                         help="language of messages (default: LANG)")
    inspect.add_argument("--today", metavar="YYYY-MM-DD", type=_date,
                         help="the date the rules treat as today (default: ELYCLAIMS_TODAY, "
                         "then the day the package was built)")
    inspect.set_defaults(handler=_inspect)

    rules = commands.add_parser(
        "rules", help="list the rule catalogue",
        description="List every rule: id, severity, slug, message, fix hint and legal source.",
    )
    rules.add_argument("--format", choices=("text", "json"), default="text")
    rules.add_argument("--lang", choices=("fi", "sv", "en"),
                       help="language of messages (default: config, then LANG)")
    rules.add_argument("--config", metavar="FILE", help="config file (severity overrides)")
    rules.set_defaults(handler=_rules)
    return parser


def _common(command: argparse.ArgumentParser) -> None:
    command.add_argument("--config", metavar="FILE", help="config file (default: ./elyclaims.toml)")
    command.add_argument("--lang", choices=("fi", "sv", "en"),
                         help="language of messages (default: config, then LANG)")
    _today_option(command)


def _today_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--today", metavar="YYYY-MM-DD", type=_date,
                         help="the date the rules treat as today (default: ELYCLAIMS_TODAY, "
                         "then the system date)")


def _date(text: str) -> date:
    from datetime import date

    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


def _today(args: argparse.Namespace) -> date | None:
    """--today, else ELYCLAIMS_TODAY, else None (the system date): the same in every command.

    Raises:
        UsageError: when ELYCLAIMS_TODAY is not a date.
    """
    if getattr(args, "today", None) is not None:
        given: date = args.today
        return given
    variable = os.environ.get("ELYCLAIMS_TODAY", "").strip()
    if not variable:
        return None
    try:
        return _date(variable)
    except argparse.ArgumentTypeError as error:
        from elyclaims.errors import UsageError

        raise UsageError(f"ELYCLAIMS_TODAY: {error}") from None


def _language(flag: str | None, config: Config | None) -> str:
    if flag:
        return flag
    if config is not None and config.language:
        return config.language
    for variable in ("ELYCLAIMS_LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value:
            prefix = value[:2].lower()
            return prefix if prefix in {"fi", "sv"} else "en"
    return "en"


def _fail(message: str) -> int:
    print(f"elyclaims: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _emit(text: str, *, json: bool = False) -> None:
    """Write *text* to standard output; JSON is escaped to ASCII where the stream needs it."""
    from elyclaims._console import json_for

    sys.stdout.write(json_for(sys.stdout, text) if json else text)


def _validate(args: argparse.Namespace) -> int:
    from elyclaims.check import read_claim
    from elyclaims.config import load_config
    from elyclaims.render import report_to_json, report_to_text

    config = load_config(args.config)
    lang = _language(args.lang, config)
    _, report = read_claim(args.inputs, config=config, today=_today(args))
    if args.format == "json":
        _emit(report_to_json(report, lang=lang, max_findings=args.max_findings), json=True)
    else:
        _emit(report_to_text(report, lang=lang, max_findings=args.max_findings))
    if not report.opened:
        return EXIT_USAGE
    return EXIT_OK if report.passes(strict=args.strict) else EXIT_FAILED


def _build(args: argparse.Namespace) -> int:
    import datetime as dt
    from pathlib import Path

    from elyclaims.check import read_claim
    from elyclaims.config import load_config
    from elyclaims.package import BuildRefused, build_package, creation_time
    from elyclaims.render import built_to_json, built_to_text, report_to_json, report_to_text

    config = load_config(args.config)
    created_at = creation_time()
    output = Path(args.output)
    if any(_same_file(output, Path(given)) for given in args.inputs):
        return _fail(f"{output}: the output would overwrite an input file")
    if args.attachments is not None and not Path(args.attachments).is_dir():
        return _fail(f"{args.attachments}: the attachments folder does not exist")
    lang = _language(args.lang, config)
    today = _today(args) or dt.date.today()
    claim, report = read_claim(args.inputs, config=config, today=today)
    if claim is None:
        if args.format == "json":
            _emit(report_to_json(report, lang=lang), json=True)
        else:
            _emit(report_to_text(report, lang=lang))
        return EXIT_USAGE
    try:
        built = build_package(claim, report, output, attachments=args.attachments,
                              created_at=created_at, strict=args.strict, today=today)
    except BuildRefused as refused:
        if args.format == "json":
            _emit(report_to_json(refused.report, lang=lang), json=True)
        else:
            _emit(report_to_text(refused.report, lang=lang))
            print(_PACKAGE_NOT_WRITTEN.get(lang, _PACKAGE_NOT_WRITTEN["en"]), file=sys.stderr)
        return EXIT_FAILED
    render = built_to_json if args.format == "json" else built_to_text
    _emit(render(built, lang=lang), json=args.format == "json")
    return EXIT_OK


_PACKAGE_NOT_WRITTEN = {
    "fi": "Pakettia ei kirjoitettu: korjaa virheet ja aja uudelleen.",
    "sv": "Paketet skrevs inte: rätta felen och kör på nytt.",
    "en": "The package was not written: fix the errors and run again.",
}


def _same_file(one: object, other: object) -> bool:
    from pathlib import Path

    first, second = Path(str(one)), Path(str(other))
    try:
        return first.resolve() == second.resolve()
    except OSError:
        return False


def _inspect(args: argparse.Namespace) -> int:
    from elyclaims.package import inspect_package
    from elyclaims.render import inspected_to_json, inspected_to_text

    lang = _language(args.lang, None)
    inspected = inspect_package(args.package, today=_today(args))
    render = inspected_to_json if args.format == "json" else inspected_to_text
    _emit(render(inspected, lang=lang), json=args.format == "json")
    if not inspected.report.opened:
        return EXIT_USAGE
    return EXIT_OK if inspected.ok else EXIT_FAILED


def _rules(args: argparse.Namespace) -> int:
    from elyclaims.config import load_config
    from elyclaims.render import catalogue_to_json, catalogue_to_text

    config = load_config(args.config)
    lang = _language(args.lang, config)
    render = catalogue_to_json if args.format == "json" else catalogue_to_text
    _emit(render(lang=lang, overrides=config.severity), json=args.format == "json")
    return EXIT_OK


_BUG_REPORT = ("this is a bug in elyclaims, not a problem of your input, which was not changed. "
               "Please report it to the elyclaims maintainers with the command you ran; "
               "ELYCLAIMS_DEBUG=1 shows the details.")


def _error_document(error: BaseException, kind: str, code: int, message: str) -> str:
    import json

    from elyclaims._console import json_for

    document = {
        "report_version": 1, "tool": "elyclaims", "tool_version": __version__,
        "error": {"kind": kind, "type": type(error).__name__, "message": message,
                  "exit_code": code},
    }
    return json_for(sys.stdout, json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def _stop(args: argparse.Namespace | None, error: BaseException, kind: str, code: int,
          message: str) -> int:
    """Report *error* on standard error (and as a JSON document under --format json)."""
    print(f"elyclaims: error: {message}", file=sys.stderr)
    if args is not None and getattr(args, "format", None) == "json":
        sys.stdout.write(_error_document(error, kind, code, message))
    if os.environ.get("ELYCLAIMS_DEBUG", "") not in {"", "0"}:
        import traceback

        traceback.print_exception(error, file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    The error boundary of the whole program: an :class:`~elyclaims.errors.ElyclaimsError`
    gives its own exit code and one line; anything else reaching here is a bug and gives exit
    70 with one line (the traceback only with ``ELYCLAIMS_DEBUG=1``). Output passes the
    identity-code sanitiser and survives any console encoding.
    """
    from elyclaims._console import guarded_streams
    from elyclaims.errors import ElyclaimsError

    args: argparse.Namespace | None = None
    with guarded_streams():
        try:
            args = _parser().parse_args(argv)
            code: int = args.handler(args)
        except SystemExit as exit_:  # argparse: --help, --version, a usage error
            return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
        except ElyclaimsError as error:
            # A bad config, an output that cannot be written, a self-check that failed: one
            # line naming the file and the reason, never a traceback.
            return _stop(args, error, error.kind, error.exit_code, str(error))
        except BrokenPipeError:
            # The reader of our output went away (e.g. `| head`); that is not an error of ours.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return EXIT_OK
        except KeyboardInterrupt:
            return 130
        except Exception as error:
            return _stop(args, error, "internal", EXIT_INTERNAL,
                         f"internal error ({type(error).__name__}): {_BUG_REPORT}")
        return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
