"""The ``elyclaims`` command: parse arguments, call the library, render, pick the exit code.

Kept light on purpose: nothing heavy (openpyxl, lxml, pydantic, requests) is imported until a
command needs it, so ``elyclaims --help`` answers at once. The commands live by group in
``_officer`` (template, report), ``_checking`` (validate, build, inspect, rules) and
``_sending`` (submit, status, ledger, serve); :func:`main` is the error boundary of the whole program.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import TYPE_CHECKING, NoReturn

from elyclaims._version import __version__
from elyclaims.cli._codes import EXIT_FAILED, EXIT_INTERNAL, EXIT_OK, EXIT_SUBMIT, EXIT_USAGE

if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

__all__ = ["EXIT_FAILED", "EXIT_INTERNAL", "EXIT_OK", "EXIT_SUBMIT", "EXIT_USAGE", "main",
           "run"]


def _parser() -> argparse.ArgumentParser:
    from elyclaims.cli import _checking, _officer, _sending
    from elyclaims.cli._shared import Parser

    parser = Parser(
        prog="elyclaims",
        description="Check, package and submit State reimbursement claims for services to "
        "victims of human trafficking.",
    )
    parser.add_argument("--version", action="version", version=f"elyclaims {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True
    _officer.add_commands(commands)
    _checking.add_commands(commands)
    _sending.add_commands(commands)
    return parser


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
          message: str, lang: str = "en") -> int:
    """Report *error* on standard error in *lang* (and as a JSON document under --format
    json)."""
    from elyclaims.cli._shared import fail

    fail(message, code, lang)
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
    if (sys.argv[1:] if argv is None else list(argv)) == ["--version"]:
        # Answered before anything else is imported: scripts ask this to see what they have.
        print(f"elyclaims {__version__}")
        return EXIT_OK
    from elyclaims._console import guarded_streams
    from elyclaims.cli._shared import language
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
            # line naming the file and the reason, in the reader's language, never a traceback.
            lang = language(getattr(args, "lang", None), None)
            return _stop(args, error, error.kind, error.exit_code, error.render(lang), lang)
        except BrokenPipeError:
            # The reader of our output went away (e.g. `| head`); that is not an error of ours.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return EXIT_OK
        except KeyboardInterrupt:
            return 130
        except Exception as error:
            from elyclaims.i18n import translator

            lang = language(getattr(args, "lang", None), None)
            t = translator(lang)
            return _stop(args, error, "internal", EXIT_INTERNAL, t(
                "internal error ({kind}): this is a bug in elyclaims, not a problem of your "
                "input, which was not changed. Please report it to the elyclaims maintainers "
                "with the command you ran; ELYCLAIMS_DEBUG=1 shows the details.",
                kind=type(error).__name__), lang)
        return code


def run() -> NoReturn:
    """The ``elyclaims`` program: :func:`main`, its exit status the process's. Output that
    can no longer be flushed (its reader went away, as ``| head`` does) is let go of quietly:
    nothing of the user's is lost."""
    code = main()
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
