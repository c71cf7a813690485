"""The commands that send and keep track: submit, status, ledger, serve."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from elyclaims.cli._shared import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    add_format,
    add_lang,
    add_ledger,
    add_today,
    emit,
    fail,
    language,
    ledger_path,
    positive,
    today,
)
from elyclaims.errors import UsageError

if TYPE_CHECKING:
    from elyclaims.config import Config
    from elyclaims.ledger import Ledger, LedgerPackage
    from elyclaims.submission import Credentials

__all__ = ["add_commands"]


def add_commands(commands: Any) -> None:
    """Add submit, status, ledger and serve to *commands* (argparse's subparsers)."""
    submit = commands.add_parser(
        "submit", help="send a package to the authority's endpoint",
        description="Check the package and its lines against the ledger (DU-002), send it "
        "(POST /v1/claims), print the receipt and record it in the ledger. Sending the same "
        "package again gives the same receipt. Exit 0: received; 1: the package is invalid or "
        "claims lines claimed before, here or at the authority (409): not sent or not "
        "received; 2: usage; 3: the submission failed (network, TLS, authentication, or the "
        "server refused it).",
    )
    submit.add_argument("package", metavar="PACKAGE.zip")
    _connection_options(submit)
    submit.add_argument("--dry-run", action="store_true",
                        help="check the package and show what would be sent; send nothing")
    submit.add_argument("--config", metavar="FILE", help="config file (default: ./elyclaims.toml)")
    add_ledger(submit)
    add_format(submit)
    add_lang(submit)
    add_today(submit, "the day the package was built")
    submit.set_defaults(handler=_submit)

    status = commands.add_parser(
        "status", help="ask the endpoint for a submission's status, or list the ledger",
        description="With a submission id or a package, ask the endpoint for the current "
        "status and record it in the ledger (a package whose sending was stopped before the "
        "answer came is asked for by its SHA-256, and its receipt recorded); without, list "
        "the ledger's packages and submissions.",
    )
    status.add_argument("which", nargs="?", metavar="SUBMISSION_ID | PACKAGE.zip")
    _connection_options(status)
    status.add_argument("--config", metavar="FILE", help="config file (default: ./elyclaims.toml)")
    add_ledger(status)
    add_format(status)
    add_lang(status)
    status.set_defaults(handler=_status)

    withdraw = commands.add_parser(
        "withdraw", help="withdraw a submission the authority has not yet taken up",
        description="Withdraw a submission still 'received' at the authority (POST "
        "/v1/claims/ID/withdraw) and record it in the ledger: its lines no longer count as "
        "claimed, here or there. Exit 0: withdrawn; 1: the authority has taken it up (in "
        "review or decided): send a corrected claim with build --supersedes ID instead; 2: "
        "usage; 3: the call failed.",
    )
    withdraw.add_argument("which", metavar="SUBMISSION_ID | PACKAGE.zip")
    _connection_options(withdraw)
    withdraw.add_argument("--config", metavar="FILE",
                          help="config file (default: ./elyclaims.toml)")
    add_ledger(withdraw)
    add_format(withdraw)
    add_lang(withdraw)
    withdraw.set_defaults(handler=_withdraw)

    ledger = commands.add_parser(
        "ledger", help="the claimant's record of built and submitted packages",
        description="list: every package; show PACKAGE: one, with its submissions and status "
        "history; mark-submitted PACKAGE --reference REF: record a package handed in another "
        "way, so that DU-002 protects it too; supersede PACKAGE [--by NEW]: a corrected claim "
        "replaces it, its lines no longer count as claimed (one sent with submit and still "
        "'received' is withdrawn at the authority first, unless NEW names it); claimed "
        "[--client REF] [--year YYYY | --period START END]: what has been claimed per client "
        "and category, with the packages it went in. Nothing is ever deleted.",
    )
    ledger.add_argument("action", nargs="?", default="list",
                        choices=("list", "show", "mark-submitted", "supersede", "claimed"))
    ledger.add_argument("package", nargs="?", metavar="PACKAGE",
                        help="a package file, its SHA-256 (or its beginning), package id or "
                        "submission id")
    ledger.add_argument("--reference", metavar="REF",
                        help="mark-submitted: the reference the authority gave (or the date)")
    ledger.add_argument("--by", metavar="PACKAGE", help="supersede: the package that replaces it")
    ledger.add_argument("--client", metavar="REF", help="claimed: one client only")
    when = ledger.add_mutually_exclusive_group()
    when.add_argument("--year", type=_year, metavar="YYYY",
                      help="claimed: services of one calendar year")
    when.add_argument("--period", nargs=2, type=_day, metavar=("START", "END"),
                      help="claimed: services from START to END (YYYY-MM-DD, both included)")
    _connection_options(ledger)
    ledger.add_argument("--config", metavar="FILE", help="config file (default: ./elyclaims.toml)")
    add_ledger(ledger)
    add_format(ledger)
    add_lang(ledger)
    ledger.set_defaults(handler=_ledger)

    serve = commands.add_parser(
        "serve", help="run the reference intake service",
        description="Run the receiving side of the submission protocol (v1) on uvicorn: each "
        "token belongs to one claimant (its Business ID) or to an operator, packages are "
        "checked as inspect does, and packages and receipts are kept in SQLite in --data, or "
        "in PostgreSQL (--database postgresql://...) for several instances. Stops gracefully "
        "on SIGTERM or Ctrl+C. 'serve tokens add' makes a token.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=positive, default=8080, help="port (0: any free port)")
    serve.add_argument("--data", metavar="DIR", default="intake-data",
                       help="where packages and receipts are kept (with --database: only "
                            "bodies being received)")
    serve.add_argument("--database", metavar="URL",
                       help="postgresql://... to keep everything in PostgreSQL (default: "
                            "SQLite in --data)")
    serve.add_argument("--token-file", metavar="F",
                       help="the tokens' digests and whose they are ('serve tokens add')")
    serve.add_argument("--operator-token-file", metavar="F",
                       help="more operators' tokens (digests, or tokens one a line as in 0.1)")
    serve.add_argument("--max-body-bytes", type=positive, default=64 * 1024 * 1024,
                       help="the largest package accepted (413 above it)")
    serve.add_argument("--max-connections-per-client", type=positive, default=64, metavar="N",
                       help="connections one client address may hold (0: no bound, behind a "
                            "reverse proxy)")
    serve.add_argument("--header-timeout", type=_seconds, default=10.0, metavar="SECONDS",
                       help="time a connection has to send a whole request head")
    serve.add_argument("--body-timeout", type=_seconds, default=30.0, metavar="SECONDS",
                       help="time a body may pause before it is refused (408)")
    serve.add_argument("--tls-cert", metavar="F",
                       help="serve HTTPS with this certificate chain (PEM)")
    serve.add_argument("--tls-key", metavar="F", help="the certificate's private key (PEM)")
    serve.add_argument("--client-ca", metavar="F",
                       help="ask clients for a certificate of this CA (mutual TLS; see 'serve "
                            "tokens add-certificate')")
    serve.set_defaults(handler=_serve)
    tokens = serve.add_subparsers(dest="tokens_command", metavar="tokens")
    token = tokens.add_parser(
        "tokens", help="add, revoke or list the service's tokens",
        description="The token file keeps each token's SHA-256, whose it is and a label; a "
        "token is shown once, when it is made. The service reads the file again when it "
        "changes.")
    actions = token.add_subparsers(dest="tokens_action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="make a token for a claimant or an operator; print it")
    whose = add.add_mutually_exclusive_group(required=True)
    whose.add_argument("--claimant", metavar="BUSINESS-ID", help="the claimant's Business ID")
    whose.add_argument("--operator", action="store_true", help="an operator's token")
    add.add_argument("--label", default="", help="whose it is, for people (one line)")
    revoke = actions.add_parser("revoke", help="remove a token (read from standard input) or "
                                               "every token with a label")
    which = revoke.add_mutually_exclusive_group(required=True)
    which.add_argument("--token-stdin", action="store_true",
                       help="read the token to revoke from standard input")
    which.add_argument("--label", help="revoke every token with this label")
    certificate = actions.add_parser(
        "add-certificate", help="let a client certificate stand for a claimant or an operator")
    certificate.add_argument("--certificate", metavar="PEM", required=True,
                             help="the client's certificate (PEM)")
    owner = certificate.add_mutually_exclusive_group(required=True)
    owner.add_argument("--claimant", metavar="BUSINESS-ID", help="the claimant's Business ID")
    owner.add_argument("--operator", action="store_true", help="an operator's certificate")
    certificate.add_argument("--label", default="", help="whose it is, for people (one line)")
    listing = actions.add_parser("list", help="whose the tokens are (never the tokens)")
    for action in (add, revoke, certificate, listing):
        action.add_argument("--token-file", metavar="F", required=True, help="the token file")


def _seconds(text: str) -> float:
    """A positive number of seconds (an argparse type)."""
    try:
        number = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < number <= 3600:
        raise argparse.ArgumentTypeError("must be more than 0 and at most 3600")
    return number


def _year(text: str) -> int:
    if not (text.isdigit() and len(text) == 4):
        raise argparse.ArgumentTypeError(f"not a year YYYY: {text!r}")
    return int(text)


def _day(text: str) -> Any:
    from datetime import date

    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


def _connection_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--endpoint", metavar="URL",
                         help="the authority's endpoint (default: the config's endpoint)")
    command.add_argument("--token-file", metavar="F",
                         help="file holding the bearer token (default: the config's token_file)")
    command.add_argument("--cert", metavar="F", help="client certificate (mTLS), PEM")
    command.add_argument("--key", metavar="F", help="the client certificate's private key, PEM")
    command.add_argument("--ca-bundle", metavar="F",
                         help="CA certificates to verify the endpoint with (default: the system's)")


def _connection(args: argparse.Namespace, config: Config,
                fallback: str | None = None) -> tuple[str, Credentials, str | None]:
    from elyclaims.submission import Credentials, check_endpoint

    endpoint = args.endpoint or config.endpoint or fallback
    if not endpoint:
        raise UsageError("no endpoint: give --endpoint or endpoint in elyclaims.toml")
    credentials = Credentials.from_files(
        token_file=args.token_file or config.token_file,
        cert_file=args.cert or config.cert_file, key_file=args.key or config.key_file)
    return check_endpoint(endpoint), credentials, args.ca_bundle or config.ca_bundle


def _submit(args: argparse.Namespace) -> int:
    from elyclaims.config import load_config
    from elyclaims.render import (
        inspected_to_json,
        inspected_to_text,
        receipt_to_json,
        receipt_to_text,
        refusal_to_json,
        refusal_to_text,
    )
    from elyclaims.sending import checked_for_sending, send_checked
    from elyclaims.submission import SubmissionError, describe_request

    config = load_config(args.config)
    lang = language(args.lang, config)
    endpoint, credentials, ca_bundle = _connection(args, config)
    path = ledger_path(args, config)
    inspected = checked_for_sending(args.package, ledger=path, today=today(args))
    if not inspected.ok:
        render = inspected_to_json if args.format == "json" else inspected_to_text
        emit(render(inspected, lang=lang), json=args.format == "json")
        if not inspected.report.opened:
            return EXIT_USAGE
        from elyclaims.i18n import translator

        t = translator(lang)
        return fail(t("the package is not valid; it was not sent"), EXIT_FAILED, lang)
    if args.dry_run:
        request = describe_request(args.package, endpoint=endpoint, credentials=credentials)
        import json

        emit(json.dumps(request, indent=2) + "\n", json=True)
        return EXIT_OK
    try:
        receipt = send_checked(inspected, endpoint=endpoint, credentials=credentials,
                               ca_bundle=ca_bundle, ledger=path)
    except SubmissionError as error:
        render_refusal = refusal_to_json if args.format == "json" else refusal_to_text
        emit(render_refusal(error, lang=lang), json=args.format == "json")
        return fail(error.render(lang), error.exit_code, lang)
    render_receipt = receipt_to_json if args.format == "json" else receipt_to_text
    emit(render_receipt(receipt, lang=lang), json=args.format == "json")
    return EXIT_OK


def _find(ledger: Ledger, which: str) -> LedgerPackage:
    from elyclaims.files import file_sha256

    path = Path(which)
    found = ledger.find(file_sha256(path) if path.is_file() else which)
    if found is None:
        raise UsageError('{which}: not in the ledger {ledger_path}', which=which, ledger_path=ledger.path)
    return found


def _status(args: argparse.Namespace) -> int:
    from elyclaims.config import load_config
    from elyclaims.ledger import SENDING, Ledger
    from elyclaims.render import ledger_to_json, ledger_to_text, receipt_to_json, receipt_to_text
    from elyclaims.submission import status

    config = load_config(args.config)
    lang = language(args.lang, config)
    path = ledger_path(args, config)
    if not path.is_file():
        raise UsageError("{path}: no ledger there yet (build or submit a package first)",
                         path=path)
    with Ledger.open(path) as ledger:
        if args.which is None:
            render = ledger_to_json if args.format == "json" else ledger_to_text
            emit(render(ledger.packages(), lang=lang), json=args.format == "json")
            return EXIT_OK
        package = _find(ledger, args.which)
        sent = [s for s in package.submissions if s.submission_id]
        if not sent and package.status == SENDING:
            return _settle(args, config, ledger, package, lang)
        if not sent:
            render = ledger_to_json if args.format == "json" else ledger_to_text
            emit(render([package], lang=lang), json=args.format == "json")
            return EXIT_OK
        endpoint, credentials, ca_bundle = _connection(args, config)
        receipt = status(sent[-1].submission_id or "", endpoint=endpoint,
                         credentials=credentials, ca_bundle=ca_bundle)
        ledger.record_status(package.sha256, receipt.status, note="status")
    render_receipt = receipt_to_json if args.format == "json" else receipt_to_text
    emit(render_receipt(receipt, lang=lang), json=args.format == "json")
    return EXIT_OK


def _settle(args: argparse.Namespace, config: Config, ledger: Ledger, package: LedgerPackage,
            lang: str) -> int:
    """A package whose sending stopped before the answer was recorded: ask the authority for
    it by its SHA-256 and record what it says (received: the receipt; unknown: not received,
    its lines free again)."""
    from elyclaims.render import ledger_to_json, ledger_to_text, receipt_to_json, receipt_to_text
    from elyclaims.submission import SubmissionError, status

    last = package.statuses[-1]
    endpoint, credentials, ca_bundle = _connection(args, config, fallback=last[2])
    try:
        receipt = status(package.sha256, endpoint=endpoint, credentials=credentials,
                         ca_bundle=ca_bundle)
    except SubmissionError as error:
        if error.status_code == 404:
            ledger.record_status(package.sha256, "not-received", note="status")
            render = ledger_to_json if args.format == "json" else ledger_to_text
            emit(render([_find(ledger, package.sha256)], lang=lang), json=args.format == "json")
            return EXIT_OK
        raise
    ledger.record_submission(package.sha256, reference=receipt.submission_id, how="submit",
                             submission_id=receipt.submission_id, endpoint=endpoint,
                             receipt=receipt.to_json())
    render_receipt = receipt_to_json if args.format == "json" else receipt_to_text
    emit(render_receipt(receipt, lang=lang), json=args.format == "json")
    return EXIT_OK


def _ledger(args: argparse.Namespace) -> int:
    from elyclaims.config import load_config
    from elyclaims.ledger import Ledger
    from elyclaims.render import ledger_to_json, ledger_to_text

    config = load_config(args.config)
    lang = language(args.lang, config)
    path = ledger_path(args, config)
    render = ledger_to_json if args.format == "json" else ledger_to_text
    if args.action == "list":
        if not path.is_file():
            emit(render([], lang=lang), json=args.format == "json")
            return EXIT_OK
        with Ledger.open(path) as ledger:
            emit(render(ledger.packages(), lang=lang), json=args.format == "json")
        return EXIT_OK
    if args.action == "claimed":
        return _claimed(args, path, lang)
    if args.package is None:
        raise UsageError("ledger {action} needs a PACKAGE", action=args.action)
    if args.action == "show":
        if not path.is_file():
            raise UsageError("{path}: no ledger there yet (build or submit a package first)",
                             path=path)
        with Ledger.open(path) as ledger:
            emit(render([_find(ledger, args.package)], lang=lang), json=args.format == "json")
        return EXIT_OK
    with Ledger.open(path, create=True) as ledger:
        if args.action == "mark-submitted":
            return _mark_submitted(args, ledger, render, lang)
        replaced = _find(ledger, args.package)
        replacing = _find(ledger, args.by) if args.by else None
        _withdraw_replaced(args, config, ledger, replaced, replacing)
        ledger.supersede(replaced.sha256,
                         by=replacing.package_id if replacing is not None else None)
        emit(render([_find(ledger, args.package)], lang=lang), json=args.format == "json")
    return EXIT_OK


def _sent(package: LedgerPackage) -> tuple[str, str | None] | None:
    """The submission id and endpoint of *package*'s last submission by ``submit``."""
    sent = [s for s in package.submissions if s.submission_id and s.how == "submit"]
    return (sent[-1].submission_id or "", sent[-1].endpoint) if sent else None


def _withdraw_replaced(args: argparse.Namespace, config: Config, ledger: Ledger,
                       replaced: LedgerPackage, replacing: LedgerPackage | None) -> None:
    """Before a package sent with ``submit`` is marked superseded here, the authority must
    stop counting it too: unless the replacing package names its submission (the authority
    marks it when that one is received), it is withdrawn there.

    Raises:
        SubmissionConflict: the authority has taken it up (a corrected claim must name it).
    """
    from elyclaims.submission import withdraw

    sent = _sent(replaced)
    if sent is None or replaced.status in {"withdrawn", "superseded", "rejected"}:
        return
    submission_id, endpoint = sent
    if replacing is not None and replacing.supersedes == submission_id:
        return
    endpoint, credentials, ca_bundle = _connection(args, config, fallback=endpoint)
    receipt = withdraw(submission_id, endpoint=endpoint, credentials=credentials,
                       ca_bundle=ca_bundle)
    ledger.record_status(replaced.sha256, receipt.status, note="withdrawn to be superseded")


def _withdraw(args: argparse.Namespace) -> int:
    from elyclaims.config import load_config
    from elyclaims.ledger import Ledger
    from elyclaims.render import receipt_to_json, receipt_to_text
    from elyclaims.submission import withdraw

    config = load_config(args.config)
    lang = language(args.lang, config)
    path = ledger_path(args, config)
    with Ledger.open(path, create=True) as ledger:
        package = (_find(ledger, args.which) if Path(args.which).is_file()
                   else ledger.find(args.which))
        sent = _sent(package) if package is not None else None
        submission_id = sent[0] if sent is not None else args.which
        if package is not None and sent is None:
            raise UsageError("{which}: the ledger has no submission of it by submit (one "
                             "handed in another way is withdrawn there)", which=args.which)
        endpoint, credentials, ca_bundle = _connection(
            args, config, fallback=sent[1] if sent is not None else None)
        receipt = withdraw(submission_id, endpoint=endpoint, credentials=credentials,
                           ca_bundle=ca_bundle)
        if package is not None:
            ledger.record_status(package.sha256, receipt.status, note="withdraw")
    render_receipt = receipt_to_json if args.format == "json" else receipt_to_text
    emit(render_receipt(receipt, lang=lang), json=args.format == "json")
    return EXIT_OK


def _claimed(args: argparse.Namespace, path: Path, lang: str) -> int:
    from datetime import date

    from elyclaims.ledger import Ledger
    from elyclaims.render import claimed_to_json, claimed_to_text

    start, end = (args.period if args.period else
                  (date(args.year, 1, 1), date(args.year, 12, 31)) if args.year else
                  (None, None))
    if start is not None and end is not None and start > end:
        raise UsageError("--period: {start} is after {end}", start=start, end=end)
    totals = []
    if path.is_file():
        with Ledger.open(path) as ledger:
            totals = ledger.claimed(client=args.client, start=start, end=end)
    render = claimed_to_json if args.format == "json" else claimed_to_text
    emit(render(totals, lang=lang, client=args.client, start=start, end=end),
         json=args.format == "json")
    return EXIT_OK


def _mark_submitted(args: argparse.Namespace, ledger: Ledger, render: Any, lang: str) -> int:
    from elyclaims.package import inspect_package

    if not args.reference:
        raise UsageError("ledger mark-submitted needs --reference (the authority's reference)")
    if not Path(args.package).is_file():
        raise UsageError("{package}: give the package file itself", package=args.package)
    inspected = inspect_package(args.package)
    if inspected.packaged is None or inspected.sha256 is None:
        raise UsageError("{package}: not a readable claim package", package=args.package)
    from elyclaims.sending import record_package

    record_package(ledger, inspected)
    ledger.record_submission(inspected.sha256, reference=args.reference, how="marked")
    emit(render([_find(ledger, args.package)], lang=lang), json=args.format == "json")
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    if getattr(args, "tokens_command", None):
        return _tokens(args)
    from elyclaims.intake import (
        Guard,
        IntakeSettings,
        StorageFault,
        Tls,
        TokenFileError,
        Tokens,
        serve,
    )

    if not args.token_file:
        raise UsageError("serve needs --token-file (make one with 'elyclaims serve tokens add "
                         "--token-file F --claimant BUSINESS-ID')")
    try:
        tokens = Tokens([Path(args.token_file)],
                        [Path(args.operator_token_file)] if args.operator_token_file else [])
    except (OSError, TokenFileError) as error:
        raise UsageError('a token file cannot be used: {reason}', reason=error) from error
    if not tokens.claimants:
        raise UsageError("serve needs --token-file with at least one claimant's token")
    if (args.tls_key or args.client_ca) and not args.tls_cert:
        raise UsageError("--tls-key and --client-ca need --tls-cert (the service's certificate)")
    for given in (args.tls_cert, args.tls_key, args.client_ca):
        if given and not Path(given).is_file():
            raise UsageError("{path}: no such file", path=given)
    tls = Tls(args.tls_cert, args.tls_key, args.client_ca) if args.tls_cert else None
    settings = IntakeSettings(data=Path(args.data), tokens=tokens, database=args.database,
                              max_body_bytes=args.max_body_bytes, body_timeout=args.body_timeout)
    try:
        return serve(settings, host=args.host, port=args.port,
                     guard=Guard(header_timeout=args.header_timeout,
                                 per_client=args.max_connections_per_client), tls=tls)
    except ValueError as error:
        raise UsageError("--database: {reason}", reason=error) from error
    except StorageFault as error:
        raise UsageError("the database cannot be used: {reason}", reason=error) from error


def _tokens(args: argparse.Namespace) -> int:
    """serve tokens add / revoke / list."""
    from elyclaims.intake import (
        OPERATOR,
        TokenFileError,
        add_certificate,
        add_token,
        list_tokens,
        revoke_tokens,
    )

    try:
        if args.tokens_action == "add":
            token = add_token(args.token_file, OPERATOR if args.operator else args.claimant,
                              args.label)
            print(token)
            print("the token is shown only now: give it to its owner; the file keeps its digest",
                  file=sys.stderr)
            return EXIT_OK
        if args.tokens_action == "add-certificate":
            fingerprint = add_certificate(args.token_file, args.certificate,
                                          OPERATOR if args.operator else args.claimant,
                                          args.label)
            print(f"cert:{fingerprint}")
            return EXIT_OK
        if args.tokens_action == "revoke":
            given = sys.stdin.readline().strip() if args.token_stdin else None
            if args.token_stdin and not given:
                raise UsageError("no token on standard input")
            removed = revoke_tokens(args.token_file, token=given, label=args.label)
            print(f"{removed} token(s) revoked", file=sys.stderr)
            return EXIT_OK if removed else 1
        for digest, who, label in list_tokens(args.token_file):
            print(f"{digest[:12]}  {who}  {label}".rstrip())
        return EXIT_OK
    except TokenFileError as error:
        raise UsageError("a token file cannot be used: {reason}", reason=error) from error
    except OSError as error:
        raise UsageError('{token_file}: cannot be used: {reason}', token_file=args.token_file,
                         reason=error.strerror or error) from error
