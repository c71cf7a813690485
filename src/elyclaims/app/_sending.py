"""The app's package and send: build the package of a clean check (with the invoices as PDF),
see the authority's checks of it (``inspect``'s verdict, DU-002 against the ledger), send it to
the configured endpoint after a confirmation that names the recipient authority and the amount,
then the receipt and its status on request; and the ledger.

All of it is the library's: :func:`elyclaims.package.build_package` (which records in the
ledger, as ``build`` does), :func:`elyclaims.sending.checked_for_sending` and
:func:`~elyclaims.sending.send_checked` (as ``submit``), :func:`elyclaims.submission.status`.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path, PurePath
from typing import Annotated, Any

from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from elyclaims.app._checks import Check, Checks
from elyclaims.app._shared import (
    AppSettings,
    Pages,
    answers,
    check_csrf,
    finished,
    language,
    save_upload,
)
from elyclaims.i18n import translator

__all__ = ["add_routes"]


def add_routes(api: FastAPI, settings: AppSettings, checks: Checks, pages: Pages) -> None:
    """Add the package, send, status and ledger routes to *api*."""

    @api.post("/checks/{check_id}/package", include_in_schema=False)
    async def package_page(request: Request, check_id: str,
                           attachment: Annotated[list[UploadFile] | None, File()] = None,
                           csrf: Annotated[str | None, Form()] = None) -> Response:
        check_csrf(request, settings, csrf)
        check = finished(checks, check_id, request, settings)
        await _build(check, settings, attachment, language(request, settings))
        return RedirectResponse(f"/checks/{check.id}/package", status_code=303)

    @api.get("/checks/{check_id}/package", include_in_schema=False)
    async def package_view(request: Request, check_id: str) -> Response:
        check = finished(checks, check_id, request, settings)
        lang = language(request, settings)
        return pages.render("package.html", request, lang, check=check,
                            **_package_view(check, settings, lang))

    @api.post("/api/checks/{check_id}/package", summary="Build the package of a clean check",
              responses=answers(404, 409, 422))
    async def package_api(request: Request, check_id: str,
                          attachment: Annotated[list[UploadFile] | None, File()] = None,
                          lang: Annotated[str | None, Form()] = None) -> Response:
        """Build the package (the invoices as ``attachment`` files, named as the workbook's
        Attachment column names them) and inspect it as the authority will: the answer is
        ``build --format json``'s report with its ``package``, and ``inspection``, the
        verdict of ``inspect`` (and DU-002 against the ledger). Refused while errors remain
        (422, with the report)."""
        check_csrf(request, settings, None)
        check = finished(checks, check_id, request, settings)
        chosen = lang or language(request, settings)
        await _build(check, settings, attachment, chosen)
        return _package_json(check, chosen)

    @api.get("/checks/{check_id}/package.zip", summary="The package built from a check",
             responses=answers(404, 409))
    async def package_file(request: Request, check_id: str) -> Response:
        check = finished(checks, check_id, request, settings)
        if check.built is None:
            t = translator(language(request, settings))
            raise StarletteHTTPException(409, t("no package has been built from this check"))
        return FileResponse(check.built.path, filename=check.built.path.name,
                            media_type="application/zip")

    @api.post("/checks/{check_id}/send", include_in_schema=False)
    async def send_page(request: Request, check_id: str,
                        confirm: Annotated[str | None, Form()] = None,
                        csrf: Annotated[str | None, Form()] = None) -> Response:
        check_csrf(request, settings, csrf)
        check = finished(checks, check_id, request, settings)
        await _send(check, settings, confirm, language(request, settings))
        return RedirectResponse(f"/checks/{check.id}/package", status_code=303)

    @api.post("/api/checks/{check_id}/send", summary="Send the built package to the endpoint",
              responses=answers(404, 409, 422, 502))
    async def send_api(request: Request, check_id: str,
                       confirm: Annotated[str | None, Form()] = None) -> Response:
        """Send the package built from the check to the config's endpoint, as ``submit``
        does (the form field ``confirm`` must be ``yes``); the answer is the receipt, as
        ``submit --format json`` prints it. Refused by the endpoint: 502 with its reason."""
        check_csrf(request, settings, None)
        check = finished(checks, check_id, request, settings)
        await _send(check, settings, confirm, language(request, settings))
        if check.receipt is None:
            raise StarletteHTTPException(502, check.unsent or "")
        from elyclaims.render import receipt_to_json

        return Response(receipt_to_json(check.receipt), media_type="application/json")

    @api.post("/checks/{check_id}/status", include_in_schema=False)
    async def status_page(request: Request, check_id: str,
                          csrf: Annotated[str | None, Form()] = None) -> Response:
        check_csrf(request, settings, csrf)
        check = finished(checks, check_id, request, settings)
        await run_in_threadpool(_status, check, settings, language(request, settings))
        return RedirectResponse(f"/checks/{check.id}/package", status_code=303)

    @api.post("/api/checks/{check_id}/status", summary="Ask the endpoint for the status",
              responses=answers(404, 409, 502))
    async def status_api(request: Request, check_id: str) -> Response:
        """Ask the endpoint for the status of the package sent from the check, record it in
        the ledger, and answer the receipt, as ``status SUBMISSION_ID --format json``."""
        from elyclaims.render import receipt_to_json

        check_csrf(request, settings, None)
        check = finished(checks, check_id, request, settings)
        if check.receipt is None:
            t = translator(language(request, settings))
            raise StarletteHTTPException(409, t("nothing has been sent from this check"))
        await run_in_threadpool(_status, check, settings, language(request, settings))
        if check.unsent:
            raise StarletteHTTPException(502, check.unsent)
        return Response(receipt_to_json(check.receipt), media_type="application/json")

    @api.get("/ledger", include_in_schema=False)
    async def ledger_page(request: Request, client: str = "", start: str = "",
                          end: str = "") -> Response:
        lang = language(request, settings)
        period = _period(start, end, lang)
        claimed = await run_in_threadpool(_claimed, settings, client.strip() or None, *period)
        return pages.render("ledger.html", request, lang,
                            packages=await run_in_threadpool(_packages, settings),
                            claimed=_claimed_rows(claimed, lang), client=client,
                            start=start, end=end)

    @api.get("/api/ledger/claimed", responses=answers(422),
             summary="What has been claimed per client and category, as "
             "`elyclaims ledger claimed --format json`")
    async def claimed_api(request: Request, client: str = "", start: str = "",
                          end: str = "") -> Response:
        """Lines and net amounts of the submitted packages still counting, per client and
        category; *client*, and a period from *start* to *end* (YYYY-MM-DD, by service date),
        narrow it."""
        from elyclaims.render import claimed_to_json

        period = _period(start, end, language(request, settings))
        totals = await run_in_threadpool(_claimed, settings, client.strip() or None, *period)
        return Response(claimed_to_json(totals, client=client.strip() or None, start=period[0],
                                        end=period[1]), media_type="application/json")

    @api.get("/api/ledger", summary="The ledger's packages, as `elyclaims ledger --format json`")
    async def ledger_api() -> Response:
        from elyclaims.render import ledger_to_json

        packages = await run_in_threadpool(_packages, settings)
        return Response(ledger_to_json(packages), media_type="application/json")


async def _build(check: Check, settings: AppSettings, files: list[UploadFile] | None,
                 lang: str) -> None:
    t = translator(lang)
    if check.report is None or check.claim is None:
        raise StarletteHTTPException(409, t("the check has not finished"))
    folder = settings.folder / f"{check.id}-package"
    # Each build starts afresh: the invoices chosen this time, nothing of an earlier try.
    await run_in_threadpool(shutil.rmtree, folder, True)
    attachments = folder / "attachments"
    attachments.mkdir(parents=True, exist_ok=True, mode=0o700)
    limit = settings.config.limits.file_bytes
    for upload in files or ():
        name = PurePath((upload.filename or "").replace("\\", "/")).name.strip()
        if not name:
            continue
        if name.startswith(".") or (attachments / name).exists():
            raise StarletteHTTPException(422, t("each file needs a name of its own"))
        if await run_in_threadpool(save_upload, upload, attachments / name, limit) > limit:
            raise StarletteHTTPException(413, t("{name}: the file is larger than the limit, "
                                                "{limit} bytes", name=name, limit=limit))
    await run_in_threadpool(_write_package, check, settings, folder, attachments)


def _write_package(check: Check, settings: AppSettings, folder: Path, attachments: Path) -> None:
    from elyclaims.package import BuildRefused, build_package, creation_time
    from elyclaims.sending import checked_for_sending

    check.built = check.refused = check.inspected = check.receipt = None
    check.unsent = None
    target = folder / f"{PurePath(check.names[0]).stem}.elyclaim.zip"
    try:
        # No invoices chosen: built as 'build' without --attachments builds it.
        given = attachments if any(attachments.iterdir()) else None
        check.built = build_package(check.claim, check.report, target,
                                    attachments=given, created_at=creation_time(),
                                    today=settings.today,
                                    refdata=check.config.reference_data(),
                                    ledger=settings.ledger)
    except BuildRefused as refused:
        check.refused = refused.report
        return
    ledger = settings.ledger if settings.ledger is not None else Path()
    check.inspected = checked_for_sending(check.built.path, ledger=ledger, today=settings.today)


async def _send(check: Check, settings: AppSettings, confirm: str | None, lang: str) -> None:
    t = translator(lang)
    if check.inspected is None or not check.inspected.ok:
        raise StarletteHTTPException(409, t("build a valid package first"))
    if confirm != "yes":
        raise StarletteHTTPException(422, t("confirm the recipient and the amount to send"))
    if check.receipt is not None:
        return  # sent already: the receipt stands (sending again would give the same one)
    await run_in_threadpool(_send_now, check, settings, lang)


def _connection(check: Check) -> tuple[str, Any, str | None]:
    """The endpoint, credentials and CA bundle of the config *check* was made with."""
    from elyclaims.errors import UsageError
    from elyclaims.submission import Credentials, check_endpoint

    config = check.config
    if not config.endpoint:
        raise UsageError("no endpoint: give --endpoint or endpoint in elyclaims.toml")
    credentials = Credentials.from_files(token_file=config.token_file,
                                         cert_file=config.cert_file, key_file=config.key_file)
    return check_endpoint(config.endpoint), credentials, config.ca_bundle


def _send_now(check: Check, settings: AppSettings, lang: str) -> None:
    from elyclaims.render import refusal_to_text
    from elyclaims.sending import send_checked
    from elyclaims.submission import SubmissionError

    endpoint, credentials, ca_bundle = _connection(check)
    assert settings.ledger is not None
    try:
        check.receipt = send_checked(check.inspected, endpoint=endpoint,
                                     credentials=credentials, ca_bundle=ca_bundle,
                                     ledger=settings.ledger)
        check.unsent = None
    except SubmissionError as error:
        check.unsent = (error.render(lang) + "\n" + refusal_to_text(error, lang=lang)).strip()


def _status(check: Check, settings: AppSettings, lang: str) -> None:
    from elyclaims.ledger import Ledger
    from elyclaims.submission import SubmissionError, status

    if check.receipt is None:
        return
    endpoint, credentials, ca_bundle = _connection(check)
    try:
        receipt = status(check.receipt.submission_id, endpoint=endpoint,
                         credentials=credentials, ca_bundle=ca_bundle)
    except SubmissionError as error:
        check.unsent = error.render(lang)
        return
    check.receipt, check.unsent = receipt, None
    if settings.ledger is not None and settings.ledger.is_file():
        with Ledger.open(settings.ledger) as ledger:
            ledger.record_status(check.inspected.sha256, receipt.status, note="status")


def _packages(settings: AppSettings) -> list[Any]:
    from elyclaims.ledger import Ledger

    if settings.ledger is None or not settings.ledger.is_file():
        return []
    with Ledger.open(settings.ledger) as ledger:
        return ledger.packages()


def _package_json(check: Check, lang: str) -> Response:
    import json

    from elyclaims.render import built_to_json, inspected_to_json, report_to_json

    if check.refused is not None:
        body = json.loads(report_to_json(check.refused, lang=lang))
        return Response(check.shown(json.dumps(body, ensure_ascii=False, indent=2)),
                        status_code=422, media_type="application/json")
    document = json.loads(built_to_json(check.built, lang=lang))
    document["inspection"] = json.loads(inspected_to_json(check.inspected, lang=lang))
    return Response(check.shown(json.dumps(document, ensure_ascii=False, indent=2) + "\n"),
                    media_type="application/json")


def _package_view(check: Check, settings: AppSettings, lang: str) -> dict[str, Any]:
    """The package page's data, its words in *lang*."""
    from elyclaims.findings import Named
    from elyclaims.formatting import money, param
    from elyclaims.render import report_tables

    view: dict[str, Any] = {"refused": None, "built": None, "inspection": None,
                            "endpoint": check.config.endpoint, "receipt": check.receipt,
                            "unsent": check.unsent}
    if check.refused is not None:
        view["refused"] = report_tables(check.refused, check.claim, lang)["findings"]
        return view
    built = check.built
    if built is None:
        return view
    view["built"] = {
        "name": built.path.name, "id": built.package_id, "sha256": built.sha256,
        "lines": built.lines, "amount": money(built.claimed, lang),
        "recipient": param(Named("authority", built.recipient), lang) if built.recipient
        else "-"}
    if check.inspected is not None:
        view["inspection"] = {"ok": check.inspected.ok, "findings": report_tables(
            check.inspected.report, None, lang)["findings"]}
    return view


def _period(start: str, end: str, lang: str) -> tuple[date | None, date | None]:
    t = translator(lang)
    try:
        first = date.fromisoformat(start) if start else None
        last = date.fromisoformat(end) if end else None
    except ValueError:
        raise StarletteHTTPException(422, t("not a date YYYY-MM-DD: {value}",
                                            value=start if start else end)) from None
    if first and last and first > last:
        raise StarletteHTTPException(422, t("the period's start {start} is after its end {end}",
                                            start=first, end=last))
    return first, last


def _claimed(settings: AppSettings, client: str | None, start: date | None,
             end: date | None) -> list[Any]:
    from elyclaims.ledger import Ledger

    if settings.ledger is None or not settings.ledger.is_file():
        return []
    with Ledger.open(settings.ledger) as ledger:
        return ledger.claimed(client=client, start=start, end=end)


def _claimed_rows(totals: list[Any], lang: str) -> list[dict[str, str]]:
    from elyclaims.findings import Named
    from elyclaims.formatting import iso_day, money, number, param

    return [{"client": total.client, "category": param(Named("category", total.category), lang),
             "lines": number(total.lines, lang), "net": money(total.net, lang),
             "first": iso_day(total.first_date, lang), "last": iso_day(total.last_date, lang)}
            for total in totals]
