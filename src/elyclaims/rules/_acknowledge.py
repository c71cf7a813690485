"""After the rules: the config's severity overrides, then acknowledged warnings.

An acknowledgement is a written reason for leaving a warning as it is. It comes from the
expenses sheet's Acknowledged / Kuitattu / Kvitterad column (``EL-008, PV-002: reason``, or just
a reason for every warning on that line) or from ``[[acknowledge]]`` in the config. Only
warnings can be acknowledged: an error must be fixed.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from elyclaims.config import Config
from elyclaims.findings import Finding, Severity
from elyclaims.model import Claim

__all__ = ["Acknowledgement", "acknowledgements_from_lines", "override_and_acknowledge"]

_RULE_PREFIX = re.compile(r"^\s*((?:[A-Za-z]{2}-\d{3}\s*[,;]?\s*)+)[:–-]\s*(.*)$", re.DOTALL)
_RULE_ID = re.compile(r"[A-Za-z]{2}-\d{3}")


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """A written reason that covers *rules* (all warnings when None) on *line* (every line when
    None)."""

    reason: str
    rules: frozenset[str] | None = None
    line: str | None = None

    def covers(self, finding: Finding) -> bool:
        """True when this acknowledgement applies to *finding*."""
        if self.rules is not None and finding.rule not in self.rules:
            return False
        return self.line is None or finding.line_id == self.line


def acknowledgements_from_lines(claim: Claim) -> list[Acknowledgement]:
    """The acknowledgements written in the expenses sheet's acknowledgement column."""
    found = []
    for line in claim.expenses:
        text = (line.acknowledged or "").strip()
        if not text:
            continue
        match = _RULE_PREFIX.match(text)
        if match:
            rules = frozenset(r.upper() for r in _RULE_ID.findall(match.group(1)))
            reason = match.group(2).strip()
        else:
            rules, reason = None, text
        if reason:
            found.append(Acknowledgement(reason=reason, rules=rules, line=line.line_id))
    return found


def _line_id(given: str | int | None, line_ids: Sequence[str]) -> str | None:
    """The line id a config acknowledgement means: as written (``Kulut:14``), or the one line
    whose id ends with it (a row ``14``, or ``Kulut:14`` when files are combined and their ids
    read ``kulut.xlsx:Kulut:14``). A short form that fits several lines fits none."""
    if given is None:
        return None
    text = str(given).strip()
    if text in line_ids:
        return text
    fitting = [line_id for line_id in line_ids if line_id.endswith(f":{text}")]
    return fitting[0] if len(fitting) == 1 else text


def _from_config(config: Config, claim: Claim | None) -> list[Acknowledgement]:
    line_ids = [line.line_id for line in claim.expenses] if claim is not None else []
    return [
        Acknowledgement(reason=entry.reason, rules=frozenset({entry.rule.upper()}),
                        line=_line_id(entry.line, line_ids))
        for entry in config.acknowledge
    ]


def override_and_acknowledge(
    findings: Iterable[Finding],
    claim: Claim | None,
    config: Config,
    extra: Iterable[Acknowledgement] = (),
) -> list[Finding]:
    """Apply the config's severity overrides, then mark acknowledged warnings.

    Acknowledgements come from the claim's acknowledgement column, the config, and *extra*
    (those a package carries).
    """
    acknowledgements: Sequence[Acknowledgement] = [
        *(acknowledgements_from_lines(claim) if claim is not None else []),
        *_from_config(config, claim),
        *extra,
    ]
    adjusted = []
    for finding in findings:
        override = config.severity.get(finding.rule)
        if override is not None and override != finding.severity.value:
            finding = dataclasses.replace(finding, severity=Severity(override))
        if finding.severity is Severity.WARNING:
            reason = next((a.reason for a in acknowledgements if a.covers(finding)), None)
            if reason is not None:
                finding = dataclasses.replace(finding, acknowledged=reason)
        adjusted.append(finding)
    return adjusted
