"""What every command shares: the parser's pieces, the language and "today", writing output,
and where the ledger is."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import date

    from elyclaims.config import Config

__all__ = ["EXIT_FAILED", "EXIT_INTERNAL", "EXIT_OK", "EXIT_SUBMIT", "EXIT_USAGE", "Parser",
           "add_common", "add_format", "add_lang", "add_ledger", "add_today", "emit", "fail",
           "language", "ledger_path", "positive",
           "same_file", "today"]

from elyclaims.cli._codes import EXIT_FAILED, EXIT_INTERNAL, EXIT_OK, EXIT_SUBMIT, EXIT_USAGE
from elyclaims.i18n import LANGUAGES


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors exit 2, as the exit codes say."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def positive(text: str) -> int:
    """A whole number of 0 or more (an argparse type)."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return number


def _date(text: str) -> date:
    from datetime import date

    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


def add_format(command: argparse.ArgumentParser) -> None:
    """``--format text|json``."""
    command.add_argument("--format", choices=("text", "json"), default="text",
                         help="text for people, json for scripts (default: text)")


def add_lang(command: argparse.ArgumentParser) -> None:
    """``--lang fi|sv|en``."""
    command.add_argument("--lang", choices=LANGUAGES,
                         help="language of messages (default: ELYCLAIMS_LANGUAGE, then the config "
                         "file's language, then LC_ALL/LC_MESSAGES/LANG, then English)")


def add_today(command: argparse.ArgumentParser, default: str = "the system date") -> None:
    """``--today YYYY-MM-DD``."""
    command.add_argument("--today", metavar="YYYY-MM-DD", type=_date,
                         help=f"the date the rules treat as today (default: ELYCLAIMS_TODAY, "
                         f"then {default})")


def add_ledger(command: argparse.ArgumentParser) -> None:
    """``--ledger DB``."""
    command.add_argument("--ledger", metavar="DB",
                         help="the ledger (default: ELYCLAIMS_LEDGER, then the config file's "
                         "ledger, then the user's data folder)")


def add_common(command: argparse.ArgumentParser) -> None:
    """``--config``, ``--lang`` and ``--today``."""
    command.add_argument("--config", metavar="FILE", help="config file (default: ./elyclaims.toml)")
    add_lang(command)
    add_today(command)


def today(args: argparse.Namespace) -> date | None:
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

        raise UsageError('ELYCLAIMS_TODAY: {reason}', reason=error) from None


def language(flag: str | None, config: Config | None) -> str:
    """--lang, else the config's language, else LANG/LC_ALL (fi*, sv*, else en)."""
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


def fail(message: str, code: int = EXIT_USAGE, lang: str = "en") -> int:
    """Say *message* on standard error, after the program's name and "error" in *lang*, and
    return *code*."""
    from elyclaims.i18n import translator

    t = translator(lang)
    print(t("elyclaims: error: {error}", error=message), file=sys.stderr)
    return code


def emit(text: str, *, json: bool = False) -> None:
    """Write *text* to standard output; JSON is escaped to ASCII where the stream needs it."""
    from elyclaims._console import json_for

    sys.stdout.write(json_for(sys.stdout, text) if json else text)


def same_file(one: object, other: object) -> bool:
    """True when the two paths name the same file."""
    first, second = Path(str(one)), Path(str(other))
    try:
        return first.resolve() == second.resolve()
    except OSError:
        return False


def ledger_path(args: argparse.Namespace, config: Config | None) -> Path:
    """--ledger, else the config's ``ledger`` (also set by ELYCLAIMS_LEDGER), else the ledger in
    the user's data folder."""
    from elyclaims.ledger import default_ledger_path

    given = getattr(args, "ledger", None) or (config.ledger if config is not None else None)
    return Path(given) if given else default_ledger_path()
