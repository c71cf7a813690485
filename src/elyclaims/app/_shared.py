"""What the app's routes share: its settings, the reader's language, the CSRF check, finding a
check, saving an upload, errors as JSON or as a page, and the pages themselves (Jinja2)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from elyclaims._version import __version__
from elyclaims.app._checks import KEPT, Check, Checks
from elyclaims.app._door import browser_language, csrf_matches
from elyclaims.config import Config
from elyclaims.i18n import LANGUAGES, translator
from elyclaims.privacy import sanitize

__all__ = ["LANGUAGE_COOKIE", "AppSettings", "Failure", "Pages", "answers", "check_csrf",
           "error_answer",
           "finished", "found", "language", "local_path", "save_upload"]

LANGUAGE_COOKIE = "elyclaims_lang"
_ID = re.compile(r"[0-9a-f]{12}")


@dataclass
class AppSettings:
    """What ``elyclaims app`` was started with: the config and where it came from, the day the
    rules treat as today, the ledger DU-002 reads, the language when the browser names none, and
    the app's private folder for uploads."""

    config: Config
    folder: Path
    lang: str = "en"
    today: date | None = None
    ledger: Path | None = None
    #: Files may be opened by their path on this computer (only when the app listens on
    #: loopback: the browser and the files are on the same machine).
    local_files: bool = True
    #: The config file given by --config (or ELYCLAIMS_CONFIG), and the folder the app was
    #: started in (where ./elyclaims.toml is looked for).
    config_given: str | None = None
    home: Path = Path()

    def config_for(self, workbook: Path | None = None) -> Config:
        """The config a check reads now (the file is read again: an acknowledgement or an edit
        counts at once): --config if given; else, for a workbook opened by its path,
        ``elyclaims.toml`` beside it, as the command line run in the workbook's folder reads
        it; else ``elyclaims.toml`` where the app was started.

        Raises:
            ConfigError: as :func:`~elyclaims.config.load_config`.
        """
        from elyclaims.config import CONFIG_FILE_NAME, load_config

        if self.config_given:
            return load_config(self.config_given)
        if workbook is not None and (workbook.parent / CONFIG_FILE_NAME).is_file():
            return load_config(workbook.parent / CONFIG_FILE_NAME)
        return load_config(None, search_dir=self.home)

    def acknowledgement_files(self, check: Check) -> dict[str, Path]:
        """Where an acknowledgement of *check*'s warning may be kept: the config file the check
        read (``settings``); when it read none, a new ``elyclaims.toml`` where the app was
        started (``settings``) or, for a workbook opened by its path, ``beside`` it (either is
        read by the next check, and by the command line run in that folder). A new file is never
        made where it would hide one that exists."""
        from elyclaims.config import CONFIG_FILE_NAME

        read = check.config.path if check.config is not None else None
        if read:
            return {"settings": Path(read)}
        files = {"settings": self.home / CONFIG_FILE_NAME}
        if not check.uploaded and len(check.inputs) == 1:
            beside = check.inputs[0].parent / CONFIG_FILE_NAME
            if beside.resolve() != files["settings"].resolve():
                files["beside"] = beside
        return files


#: What each error answer of the API means. Written out: FastAPI would take HTTP's reason
#: phrases, which Python 3.13 renamed (422 "Unprocessable Content", 413 "Content Too Large"),
#: and the document must not change with the Python that serves it.
_MEANINGS = {404: "No such check (the app keeps the last 20)",
             409: "The check, or its package, is not at that step yet",
             413: "A file is larger than the read limit",
             422: "The request cannot be done as it is: the error says why",
             502: "The endpoint did not take the package, or did not answer"}


def answers(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The API's documented error answers *codes*, each a :class:`Failure`."""
    return {code: {"model": Failure, "description": _MEANINGS[code]} for code in codes}


class Failure(BaseModel):
    """An error: what went wrong, in the reader's language."""

    error: str


def language(request: Request, settings: AppSettings) -> str:
    """The officer's choice (a cookie), else the browser's first language elyclaims speaks,
    else the config's (or the environment's)."""
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return browser_language(request.headers.get("accept-language", "")) or settings.lang


def local_path(path: str) -> bool:
    """True for a path of this app (never another site: ``//host``, ``/\\host``)."""
    return path.startswith("/") and not path.startswith(("//", "/\\"))


def check_csrf(request: Request, settings: AppSettings, sent: str | None) -> None:
    if not csrf_matches(request.scope.get("state"), sent or request.headers.get("x-csrf-token")):
        t = translator(language(request, settings))
        raise StarletteHTTPException(403, t("the form is out of date: reload the page and try "
                                            "again"))


def found(checks: Checks, check_id: str, lang: str) -> Check:
    check = checks.get(check_id) if _ID.fullmatch(check_id) else None
    if check is None:
        t = translator(lang)
        raise StarletteHTTPException(404, t("no such check: the app keeps the last {count}",
                                            count=KEPT))
    return check


def finished(checks: Checks, check_id: str, request: Request, settings: AppSettings) -> Check:
    lang = language(request, settings)
    check = found(checks, check_id, lang)
    if check.state != "done":
        t = translator(lang)
        raise StarletteHTTPException(409, t("the check has not finished"))
    return check


def save_upload(upload: UploadFile, target: Path, limit: int) -> int:
    """Copy *upload* to *target* (readable by this user only); the bytes written, stopping
    one past *limit*."""
    import os

    written = 0
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as output:
        upload.file.seek(0)
        while written <= limit:
            block = upload.file.read(1 << 20)
            if not block:
                break
            output.write(block)
            written += len(block)
    return written


def error_answer(request: Request, settings: AppSettings, status: int, message: str) -> Response:
    """An error as JSON for the API, as a page for a person."""
    wants_page = not request.url.path.startswith("/api/") and "text/html" in request.headers.get(
        "accept", "")
    message = sanitize(message)
    if not wants_page:
        return JSONResponse({"error": message}, status_code=status)
    lang = language(request, settings)
    return Pages(settings).render("error.html", request, lang, message=message,
                                   status_code=status)


class Pages:
    """The app's Jinja2 pages, in one language each, sanitised as every output is."""

    def __init__(self, settings: AppSettings) -> None:
        from jinja2 import Environment, FunctionLoader, StrictUndefined, select_autoescape

        self.settings = settings
        self.environment = Environment(
            loader=FunctionLoader(_template_source),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)

    def render(self, name: str, request: Request, lang: str, *, status_code: int = 200,
               refresh: bool = False, **values: Any) -> Response:
        from decimal import Decimal

        from elyclaims.formatting import iso_day, moment, money
        from elyclaims.render import server_finding, status_word

        t = translator(lang)
        state = request.scope.get("state") or {}
        page = self.environment.get_template(name).render(
            t=t, lang=lang, languages=_LANGUAGE_NAMES, version=__version__,
            here=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            csrf=state.get("csrf", ""), refresh=refresh, quote=quote,
            config_file=self.settings.config.path, local_files=self.settings.local_files,
            status_word=lambda status: status_word(status, t),
            money=lambda amount: money(Decimal(amount), lang),
            moment=lambda value: moment(value, lang), day=lambda iso: iso_day(iso, lang),
            server_finding=lambda finding: server_finding(finding, lang),
            **values)
        return Response(sanitize(page), status_code=status_code,
                        media_type="text/html; charset=utf-8")


#: Each language by its own name, as a language switch shows it.
_LANGUAGE_NAMES = {"fi": "suomi", "sv": "svenska", "en": "English"}


def _template_source(name: str) -> str:
    from importlib import resources

    return resources.files("elyclaims.app").joinpath("templates", name).read_text(
        encoding="utf-8")

