"""The checking pipeline: read -> assemble -> rules -> report.

``read_claim`` is what ``elyclaims validate`` runs and what every later stage (build, report)
starts from.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from elyclaims.assemble import assemble_claim
from elyclaims.config import Config
from elyclaims.model import Claim
from elyclaims.reading import read_input
from elyclaims.report import Report, Summary, summarize
from elyclaims.vocabulary import Role

__all__ = ["read_claim"]


def read_claim(
    inputs: str | Path | Sequence[str | Path],
    *,
    config: Config | None = None,
    today: date | None = None,
) -> tuple[Claim | None, Report]:
    """Read and check a workbook (or CSV files) and return the claim and the report.

    Never raises on bad input: problems are findings in the report. The claim is None only when
    an input could not be opened at all (``report.opened`` is False then).
    """
    config = config or Config()
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
    raw = read_input(paths, sheet_names=sheet_names, clients_given=bool(config.clients))
    if not raw.opened:
        return None, Report(list(raw.findings), Summary(), raw.sources, raw.sheet_order,
                            opened=False)
    claim, findings = assemble_claim(raw, config)
    return claim, Report(
        [*raw.findings, *findings], summarize(claim), raw.sources, raw.sheet_order
    )
