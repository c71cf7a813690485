"""The checking pipeline: read -> assemble -> rules -> report.

``read_claim`` is what ``elyclaims validate`` runs and what every later stage (build, report)
starts from.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from elyclaims._memory import cycle_collector_paused
from elyclaims.assemble import assemble_claim, naming_their_lines
from elyclaims.config import Config, load_config
from elyclaims.ledger import DEFAULT_LEDGER, DefaultLedger, Ledger, chosen_ledger
from elyclaims.limits import ReadLimits
from elyclaims.model import Claim
from elyclaims.reading import RawInput, SheetRef, read_input
from elyclaims.report import Report, Summary, summarize
from elyclaims.rules import ClaimedLine, RuleContext, override_and_acknowledge, run_rules
from elyclaims.rules.workbook import unread_cells
from elyclaims.vocabulary import Role

__all__ = ["check_claim", "read_claim", "read_raw"]


def read_claim(
    inputs: str | Path | Sequence[str | Path],
    *,
    config: Config | str | Path | None = None,
    today: date | None = None,
    limits: ReadLimits | None = None,
    ledger: Ledger | str | Path | DefaultLedger | None = DEFAULT_LEDGER,
    supersedes: str | None = None,
) -> tuple[Claim | None, Report]:
    """Read and check a workbook (or CSV files) and return the claim and the report.

    Runs the reader, the model, every rule of the catalogue, then the config's severity
    overrides and acknowledgements. *config* is a :class:`Config` or the path of a config
    file; ``today`` is the date the rules treat as today (future costs, authorities in
    operation), by default the system date; *limits* (by default the config's) bound what is
    read; *ledger* (an open :class:`~elyclaims.ledger.Ledger` or the path of one) gives the
    lines of packages already submitted, for DU-002: by default the ledger the command line
    would use (the config's ``ledger``, ``ELYCLAIMS_LEDGER``, the user's data folder) when it
    exists; ``ledger=None`` checks without one. *supersedes* names the submission this claim
    replaces: its lines are no duplicates.

    Never raises on bad input: problems are findings in the report. The claim is None only when
    an input could not be opened at all (``report.opened`` is False then).

    Raises:
        ConfigError: when *config* names a config file that cannot be read or is invalid.
        LedgerError: when *ledger* names a ledger that cannot be opened.
    """
    if not isinstance(config, Config):
        config = load_config(config) if config is not None else Config()
    with cycle_collector_paused():
        return _read_and_check(inputs, config, today, limits, ledger, supersedes)


def _read_and_check(
    inputs: str | Path | Sequence[str | Path], config: Config, today: date | None,
    limits: ReadLimits | None, ledger: Ledger | str | Path | DefaultLedger | None,
    supersedes: str | None,
) -> tuple[Claim | None, Report]:
    raw = read_raw(inputs, config=config, limits=limits)
    if not raw.opened:
        return None, Report(override_and_acknowledge(raw.findings, None, config), Summary(), raw.sources,
                            raw.sheet_order, opened=False)
    claim, findings = assemble_claim(raw, config)
    context = RuleContext(
        today=today or date.today(),
        config=config,
        clients_given=raw.clients_sheet is not None or bool(config.clients),
        labels=tuple(raw.labels),
        claimed=_claimed(ledger, config, supersedes),
    )
    findings = override_and_acknowledge(
        [*naming_their_lines(raw.findings, claim), *findings, *run_rules(claim, context)], claim,
        config)
    return claim, Report(findings, summarize(claim), raw.sources, raw.sheet_order, claim=claim)


def read_raw(inputs: str | Path | Sequence[str | Path], *, config: Config,
             limits: ReadLimits | None = None) -> RawInput:
    """The input's cells as :func:`read_claim` reads them (the config's sheet names, limits
    and engine), before any typing or checking: what the officer's app shows of a row."""
    paths = [inputs] if isinstance(inputs, (str, Path)) else list(inputs)
    sheet_names = {
        role: name
        for role, name in (
            (Role.CLAIM, config.sheets.claim),
            (Role.CLIENTS, config.sheets.clients),
            (Role.EXPENSES, config.sheets.expenses),
        )
        if name
    }
    return read_input(paths, sheet_names=sheet_names, clients_given=bool(config.clients),
                      limits=limits or config.limits, engine=config.engine)


def _claimed(ledger: Ledger | str | Path | DefaultLedger | None, config: Config,
             supersedes: str | None) -> dict[str, ClaimedLine]:
    with chosen_ledger(ledger, configured=config.ledger) as opened:
        return opened.claimed_lines(superseding=supersedes) if opened is not None else {}


def check_claim(
    claim: Claim, *, config: Config | None = None, today: date | None = None,
    ledger: Ledger | str | Path | DefaultLedger | None = DEFAULT_LEDGER,
    supersedes: str | None = None,
) -> Report:
    """Check a claim model on its own, without the workbook it came from.

    For a claim that was not read by :func:`read_claim`, or was changed since: every rule runs
    again, and every value the claim records as unreadable is an error (WB-004), so that
    nothing the workbook's check refused can pass here. Never raises on bad data. *ledger*
    and *supersedes* as for :func:`read_claim`.
    """
    config = config or Config()
    context = RuleContext(today=today or date.today(), config=config,
                          clients_given=bool(claim.clients),
                          claimed=_claimed(ledger, config, supersedes))
    with cycle_collector_paused():
        findings = override_and_acknowledge([*unread_cells(claim), *run_rules(claim, context)],
                                            claim, config)
        return Report(findings, summarize(claim), sheet_order=_sheets_of(claim), claim=claim)


def _sheets_of(claim: Claim) -> list[SheetRef]:
    """The sheets the claim came from, in the workbook's reading order (the claim sheet, the
    clients, the lines), for a report without the workbook: its findings then read sheet by
    sheet, as a read's do, rather than row by row across the sheets."""
    places = [*((where.file, where.sheet) for where in (claim.origin, *claim.locations.values())),
              *((client.source.file, client.source.sheet) for client in claim.clients),
              *((line.source.file, line.source.sheet) for line in claim.expenses)]
    return list(dict.fromkeys((file or "", sheet) for file, sheet in places if sheet is not None))
