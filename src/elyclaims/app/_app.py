"""The officer's app (FastAPI): pages for people, and beside each of their actions the JSON
endpoint a script uses (``/openapi.json`` lists them).

Every number and finding comes from the library as ``elyclaims validate`` gets it: the JSON of
``POST /api/validate`` is ``validate --format json``'s report, byte for byte, but for the
input's path (an upload is named by its own file name). Pages are server-rendered (Jinja2) and
work without JavaScript; their words are the interface's (:mod:`elyclaims.i18n`), in the
language the browser asks for unless the officer chose another.
"""

from __future__ import annotations

from pathlib import Path, PurePath
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import FastAPI, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from elyclaims.app._checks import Check, Checks
from elyclaims.app._door import Door, Keys
from elyclaims.app._shared import (
    LANGUAGE_COOKIE,
    AppSettings,
    Pages,
    answers,
    check_csrf,
    error_answer,
    finished,
    found,
    language,
    local_path,
    save_upload,
)
from elyclaims.errors import ElyclaimsError, UsageError
from elyclaims.i18n import LANGUAGES, translator
from elyclaims.web import Observed

__all__ = ["AppSettings", "make_app", "openapi_document"]

#: The app's pages: no script but its own, no style but its own, nothing from elsewhere, no
#: frame around it, no form sent anywhere else.
_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
           "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
#: The HTML report carries its styles inline (it is one self-contained file to print or file).
_REPORT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; " \
                 "frame-ancestors 'none'"
_STATIC = {"app.css": "text/css; charset=utf-8"}


class Started(BaseModel):
    """A check under way: its id, and where to ask how far it has come."""

    id: str
    state: str
    location: str


class Progress(BaseModel):
    """How far a check has come: *state* running, done or failed; the stage (``read``,
    ``check``) and its units done of *total*; when done, the report (as ``validate --format
    json``); when failed, the error."""

    id: str
    state: str
    stage: str
    done: int
    total: int | None
    report: dict[str, Any] | None = None
    error: str | None = None


def make_app(settings: AppSettings, keys: Keys, hosts: frozenset[str] | None, *,
             secure: bool = False) -> Any:
    """The app for *settings*, behind its door (:class:`~elyclaims.app._door.Door`) and the
    web stack's request log and last guard."""
    return Observed(_Headers(Door(_api(settings), keys, hosts, secure=secure)),
                    name="elyclaims.app")


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of the app's JSON endpoints, as the app serves it at
    ``/openapi.json`` (``docs/app-openapi.json`` is its export)."""
    from elyclaims.config import Config

    document: dict[str, Any] = _api(AppSettings(config=Config(), folder=Path())).openapi()
    return document


def _api(settings: AppSettings) -> FastAPI:
    checks = Checks(settings.folder, today=settings.today, ledger=settings.ledger)
    api = FastAPI(title="elyclaims app", version="1", docs_url=None, redoc_url=None,
                  description="The officer's app: each page's action as a JSON endpoint. "
                  "Open the address `elyclaims app` prints first (it sets the session "
                  "cookie); send the `elyclaims_csrf` cookie's value as `X-CSRF-Token` with "
                  "every POST.")
    pages = Pages(settings)
    api.state.checks = checks
    from elyclaims.app import _sending

    _sending.add_routes(api, settings, checks, pages)

    @api.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        return error_answer(request, settings, error.status_code, str(error.detail))

    @api.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        t = translator(language(request, settings))
        return error_answer(request, settings, 422, t("the request is incomplete: choose a file"))

    @api.exception_handler(ElyclaimsError)
    async def refused(request: Request, error: ElyclaimsError) -> Response:
        return error_answer(request, settings, 422, error.render(language(request, settings)))

    # -- pages -----------------------------------------------------------------------------

    @api.get("/", include_in_schema=False)
    async def start(request: Request) -> Response:
        lang = language(request, settings)
        return pages.render("start.html", request, lang, recent=checks.recent())

    @api.get("/language", include_in_schema=False)
    async def switch_language(to: str, back: str = "/") -> Response:
        answer = RedirectResponse(back if local_path(back) else "/", status_code=303)
        if to in LANGUAGES:
            answer.set_cookie(LANGUAGE_COOKIE, to, samesite="strict", httponly=True)
        return answer

    @api.post("/checks", include_in_schema=False)
    async def check_page(request: Request, file: Annotated[list[UploadFile] | None, File()] = None,
                         path: Annotated[str | None, Form()] = None,
                         csrf: Annotated[str | None, Form()] = None) -> Response:
        check_csrf(request, settings, csrf)
        check = await _begin(request, settings, checks, file, path)
        return RedirectResponse(f"/checks/{check.id}", status_code=303)

    @api.get("/checks/{check_id}", include_in_schema=False)
    async def check_view(request: Request, check_id: str, severity: str = "",
                         rule: str = "") -> Response:
        check = found(checks, check_id, language(request, settings))
        lang = language(request, settings)
        if check.state == "running":
            return pages.render("running.html", request, lang, check=check,
                                percent=_percent(check), refresh=True)
        return pages.render("check.html", request, lang, check=check,
                            **_findings_view(check, lang, severity, rule, settings))

    @api.post("/checks/{check_id}/again", include_in_schema=False)
    async def again(request: Request, check_id: str,
                    file: Annotated[list[UploadFile] | None, File()] = None,
                    csrf: Annotated[str | None, Form()] = None) -> Response:
        check_csrf(request, settings, csrf)
        check = found(checks, check_id, language(request, settings))
        if check.uploaded:
            renewed = await _begin(request, settings, checks, file, None)
        else:
            renewed = checks.again(check, settings.config_for(check.inputs[0]))
        return RedirectResponse(f"/checks/{renewed.id}", status_code=303)

    @api.post("/checks/{check_id}/acknowledge", include_in_schema=False)
    async def acknowledge(request: Request, check_id: str,
                          rule: Annotated[str, Form()], reason: Annotated[str, Form()],
                          line: Annotated[str, Form()] = "",
                          where: Annotated[str, Form()] = "settings",
                          csrf: Annotated[str | None, Form()] = None) -> Response:
        check_csrf(request, settings, csrf)
        check = finished(checks, check_id, request, settings)
        renewed = await run_in_threadpool(_acknowledge, check, checks, settings, rule, line,
                                          reason, where, language(request, settings))
        return RedirectResponse(f"/checks/{renewed.id}#findings", status_code=303)

    @api.post("/api/checks/{check_id}/acknowledge", status_code=202, response_model=Started,
              responses=answers(404, 409, 422),
              summary="Acknowledge a warning with a reason; the check runs again")
    async def acknowledge_api(request: Request, check_id: str,
                              rule: Annotated[str, Form()], reason: Annotated[str, Form()],
                              line: Annotated[str, Form()] = "",
                              where: Annotated[str, Form()] = "settings") -> Started:
        """Keep the acknowledgement of the check's open warning of *rule* on *line* (its line
        id, ``Kulut:12``; empty for a warning of no line) as an ``[[acknowledge]]`` entry of
        the config file *where* names (``settings``, or ``beside`` the workbook where the page
        offers it), and start the same check again; the answer names where to follow it."""
        check_csrf(request, settings, None)
        check = finished(checks, check_id, request, settings)
        renewed = await run_in_threadpool(_acknowledge, check, checks, settings, rule, line,
                                          reason, where, language(request, settings))
        return Started(id=renewed.id, state=renewed.state,
                       location=f"/api/checks/{renewed.id}")

    # -- the JSON API and the downloads ----------------------------------------------------

    @api.post("/api/validate", responses=answers(422, 413),
              summary="Check a workbook: the report of `elyclaims validate --format json`")
    async def validate(request: Request, file: Annotated[list[UploadFile], File()],
                       lang: Annotated[str | None, Form()] = None) -> Response:
        """Read and check the uploaded workbook (or the CSV files of one export: several
        ``file`` fields) and answer the JSON report ``elyclaims validate --format json`` gives
        for it. The header ``X-Elyclaims-Exit-Code`` carries the exit code the command would
        have (0: no errors, 1: errors, 2: the input could not be read)."""
        check_csrf(request, settings, None)
        chosen = lang if lang in LANGUAGES else language(request, settings)
        check = await _begin(request, settings, checks, file, None, wait=True)
        if check.failure is not None:
            return error_answer(request, settings, 422, check.failure.render(chosen))
        return _report_answer(check, chosen, attachment=False)

    @api.post("/api/checks", status_code=202, response_model=Started,
              responses=answers(422, 413),
              summary="Start checking a workbook; follow it at /api/checks/{id}")
    async def start_check(request: Request,
                          file: Annotated[list[UploadFile] | None, File()] = None,
                          path: Annotated[str | None, Form()] = None) -> Started:
        """Start a check of the uploaded file(s), or of the file at *path* on this computer;
        the answer names where to follow it."""
        check_csrf(request, settings, None)
        check = await _begin(request, settings, checks, file, path)
        return Started(id=check.id, state=check.state, location=f"/api/checks/{check.id}")

    @api.get("/api/checks/{check_id}", response_model=Progress,
             responses=answers(404), summary="How far a check has come")
    async def progress(request: Request, check_id: str,
                       lang: Annotated[str | None, Query()] = None) -> Progress:
        check = found(checks, check_id, language(request, settings))
        chosen = lang if lang in LANGUAGES else language(request, settings)
        answer = Progress(id=check.id, state=check.state, stage=check.stage, done=check.done,
                          total=check.total)
        if check.state == "done":
            answer.report = _report_document(check, chosen)
        elif check.state == "failed":
            t = translator(chosen)
            answer.error = (check.failure.render(chosen) if check.failure is not None
                            else t("the check failed; nothing was changed"))
        return answer

    @api.get("/checks/{check_id}/report.json", summary="The JSON report of a check",
             responses=answers(404, 409))
    async def report_json(request: Request, check_id: str,
                          lang: Annotated[str | None, Query()] = None) -> Response:
        check = finished(checks, check_id, request, settings)
        return _report_answer(check, lang if lang in LANGUAGES else
                              language(request, settings), attachment=True)

    @api.get("/checks/{check_id}/report.html", summary="The HTML report of a check, to print",
             responses=answers(404, 409))
    async def report_html(request: Request, check_id: str) -> Response:
        from elyclaims.render import report_to_html

        check = finished(checks, check_id, request, settings)
        lang = language(request, settings)
        page = await run_in_threadpool(report_to_html, check.report, check.claim, lang=lang,
                                       source=check.names[0] if len(check.names) == 1 else None,
                                       refdata=check.config.reference_data(),
                                       today=checks.today)
        return Response(check.shown(page), media_type="text/html; charset=utf-8",
                        headers={"content-security-policy": _REPORT_POLICY})

    @api.get("/checks/{check_id}/annotated.xlsx",
             summary="A copy of the workbook with every finding on its cell",
             responses=answers(404, 409, 422))
    async def annotated(request: Request, check_id: str) -> Response:
        from elyclaims.annotate import annotate_workbook

        check = finished(checks, check_id, request, settings)
        lang = language(request, settings)
        if len(check.inputs) != 1:
            raise UsageError("--annotate: give one workbook to annotate, not {count} inputs",
                             count=len(check.inputs))
        name = PurePath(check.names[0]).stem + ".annotated" + (
            PurePath(check.names[0]).suffix.lower() if check.names[0].lower().endswith(".xlsm")
            else ".xlsx")
        target = settings.folder / f"{check.id}-{name}"
        await run_in_threadpool(annotate_workbook, check.inputs[0], check.report, target,
                                lang=lang)
        return FileResponse(target, filename=name, media_type="application/vnd.openxmlformats-"
                            "officedocument.spreadsheetml.sheet")

    @api.get("/template.xlsx", summary="The blank claim workbook in fi, sv or en")
    async def template(request: Request,
                       lang: Annotated[str | None, Query()] = None) -> Response:
        from elyclaims.template import write_template

        chosen = lang if lang in LANGUAGES else language(request, settings)
        target = settings.folder / f"template-{chosen}.xlsx"
        if not target.exists():
            await run_in_threadpool(write_template, target, chosen)
        t = translator(chosen)
        return FileResponse(target, filename=f"{t('claim')}.xlsx",
                            media_type="application/vnd.openxmlformats-officedocument."
                            "spreadsheetml.sheet")

    @api.get("/static/{name}", include_in_schema=False)
    async def static(name: str) -> Response:
        from importlib import resources

        if name not in _STATIC:
            raise StarletteHTTPException(404, "no such file")
        body = resources.files("elyclaims.app").joinpath("static", name).read_bytes()
        return Response(body, media_type=_STATIC[name],
                        headers={"cache-control": "private, max-age=3600"})

    return api


# -- what the routes share ---------------------------------------------------------------------


class _Headers:
    """Every answer: the pages' Content-Security-Policy (unless the route set its own), no
    sniffing, no referrer, no caching, no framing."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", ())}
                extra = [(b"content-security-policy", _POLICY.encode()),
                         (b"x-content-type-options", b"nosniff"),
                         (b"referrer-policy", b"same-origin"), (b"cache-control", b"no-store"),
                         (b"x-frame-options", b"DENY")]
                message["headers"] = [*message.get("headers", ()),
                                      *((name, value) for name, value in extra
                                        if name not in present)]
            await send(message)

        await self.app(scope, receive, sending)


async def _begin(request: Request, settings: AppSettings, checks: Checks,
                 files: list[UploadFile] | None, path: str | None, *,
                 wait: bool = False) -> Check:
    """A check of the uploaded *files*, or of the file at *path*."""
    t = translator(language(request, settings))
    files = [upload for upload in files or () if upload.filename]
    if files:
        check_id, folder = checks.folder_for_upload()
        inputs, names = [], []
        limit = settings.config.limits.file_bytes
        for upload in files:
            name = PurePath((upload.filename or "").replace("\\", "/")).name.strip()
            if not name or name.startswith(".") or name in names:
                raise StarletteHTTPException(422, t("each file needs a name of its own"))
            target = folder / name
            written = await run_in_threadpool(save_upload, upload, target, limit)
            if written > limit:
                raise StarletteHTTPException(413, t("{name}: the file is larger than the "
                                                    "limit, {limit} bytes", name=name,
                                                    limit=limit))
            inputs.append(target)
            names.append(name)
        return await _started(checks, check_id, inputs, names, uploaded=True, folder=folder,
                              config=settings.config_for(), wait=wait)
    if path and path.strip():
        if not settings.local_files:
            raise StarletteHTTPException(422, t("files on the server cannot be opened by "
                                                "their path; upload the file"))
        given = Path(path.strip().strip('"')).expanduser()
        if not given.is_file():
            raise StarletteHTTPException(422, t("{path}: no such file", path=str(given)))
        check_id = checks.folder_for_upload()[0]
        return await _started(checks, check_id, [given], [str(given)], uploaded=False,
                              folder=None, config=settings.config_for(given), wait=wait)
    raise StarletteHTTPException(422, t("the request is incomplete: choose a file"))


async def _started(checks: Checks, check_id: str, inputs: list[Path], names: list[str],
                   **options: Any) -> Check:
    if options.pop("wait"):
        return await run_in_threadpool(checks.start, check_id, inputs, names, wait=True,
                                       **options)
    return checks.start(check_id, inputs, names, **options)


def _report_document(check: Check, lang: str) -> dict[str, Any]:
    import json

    return dict(json.loads(_report_text(check, lang)))


def _report_text(check: Check, lang: str) -> str:
    from elyclaims.render import report_to_json

    return check.shown(report_to_json(check.report, lang=lang))


def _report_answer(check: Check, lang: str, *, attachment: bool) -> Response:
    report = check.report
    code = 2 if not report.opened else 0 if report.passes(strict=False) else 1
    headers = {"x-elyclaims-exit-code": str(code)}
    if attachment:
        stem = PurePath(check.names[0]).stem
        headers["content-disposition"] = f"attachment; filename*=UTF-8''{quote(stem)}.json"
    return Response(_report_text(check, lang), media_type="application/json",
                    headers=headers)


def _percent(check: Check) -> int:
    if not check.total:
        return 0
    return max(0, min(100, round(100 * check.done / check.total)))


#: The rows with findings one page shows (the filters, the annotated copy and the JSON report
#: show the rest).
SHOWN_ROWS = 500


def _originals(check: Check, severity: str, rule: str) -> list[Any]:
    return [f for f in check.report.findings if (not severity or f.severity.value == severity)
            and (not rule or f.rule == rule)]


def _rows(check: Check) -> dict[tuple[str, int], list[tuple[str, str, object]]]:
    """The input's table rows (and the claim sheet's cells) as (column, header, value), by
    (sheet, row): read again, as the check read them, the first time a page needs one."""
    if check.rows is None:
        from elyclaims.pipeline import read_raw

        raw = read_raw([str(path) for path in check.inputs], config=check.config)
        rows: dict[tuple[str, int], list[tuple[str, str, object]]] = {}
        for table in (raw.clients, raw.expenses):
            for line in table:
                rows[(line.sheet, line.row)] = [
                    (column.letter, column.header, value)
                    for column, value in zip((line.columns[name] for name in line.names),
                                             line.values, strict=True)]
        for key, cell in raw.claim.items():
            where = cell.location
            if where.sheet and where.row:
                rows[(where.sheet, where.row)] = [("A", "", key),
                                                  (where.column or "B", "", cell.value)]
        check.rows = rows
    return check.rows


def _row_view(cells: list[tuple[str, str, object]] | None, faults: set[str],
              lang: str) -> list[dict[str, Any]]:
    """The row's cells to show: column, header, the value as text, at fault or not."""
    from elyclaims.formatting import shown_value

    return [{"column": column, "header": header, "value": shown_value(value, lang),
             "fault": column in faults} for column, header, value in cells or ()]


def _acknowledge(check: Check, checks: Checks, settings: AppSettings, rule: str, line: str,
                 reason: str, where: str, lang: str) -> Check:
    """Keep the acknowledgement of *check*'s warning of *rule* on *line* in the config file
    *where* names, then check the same files again (the acknowledgement counts at once)."""
    from elyclaims.config import add_acknowledgement
    from elyclaims.findings import Severity

    t = translator(lang)
    open_warning = any(f.rule == rule and (f.line_id or "") == line
                       and f.severity is Severity.WARNING and f.acknowledged is None
                       for f in check.report.findings)
    files = settings.acknowledgement_files(check)
    if not open_warning or where not in files:
        raise StarletteHTTPException(422, t("the form is out of date: reload the page and try "
                                            "again"))
    add_acknowledgement(files[where], rule=rule, reason=reason, line=line or None)
    workbook = None if check.uploaded else check.inputs[0]
    return checks.again(check, settings.config_for(workbook))


def _findings_view(check: Check, lang: str, severity: str, rule: str,
                   check_settings: AppSettings) -> dict[str, Any]:
    """The check page's data: the report's tables and its findings grouped by sheet and row,
    filtered by *severity* and *rule*."""
    from elyclaims.render import report_tables

    if check.state == "failed":
        t = translator(lang)
        return {"failure": check.failure.render(lang) if check.failure is not None
                else t("the check failed; nothing was changed")}
    tables = report_tables(check.report, check.claim, lang)
    every = tables.pop("findings")
    shown = [f for f in every if (not severity or f["kind"] == severity)
             and (not rule or f["rule"] == rule)]
    groups: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for finding, original in zip(shown, _originals(check, severity, rule), strict=True):
        finding["column"] = original.location.column or ""
        finding["line"] = original.line_id or ""
        groups.setdefault((finding["sheet"], finding["row"]), []).append(finding)
        if len(groups) > SHOWN_ROWS:
            groups.popitem()
            break
    rows = _rows(check) if groups else {}
    views = {key: _row_view(rows.get(key), {f["column"] for f in found}, lang)
             for key, found in groups.items()}
    return {"failure": None, "tables": tables, "groups": list(groups.items()), "views": views,
            "lines": check.report.summary.lines, "clients": check.report.summary.clients,
            "cut": len(groups) >= SHOWN_ROWS,
            "rules": sorted({f["rule"] for f in every}), "severity": severity, "rule": rule,
            "counted": len(every), "shown": len(shown),
            "annotatable": len(check.inputs) == 1 and check.report.opened,
            "package_ready": check.claim is not None and check.report.passes(strict=False),
            "keep_in": {where: str(path) for where, path in
                        check_settings.acknowledgement_files(check).items()}}


