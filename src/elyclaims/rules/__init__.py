"""The rule catalogue's logic: eligibility, amounts, duplicates, providers, privacy.

Each family lives in its own module; importing this package registers every rule in catalogue
order. :func:`run_rules` runs them all, then the config's severity overrides and
acknowledgements are applied by :func:`settle`.
"""

from __future__ import annotations

from elyclaims.catalogue import catalogue
from elyclaims.findings import Finding
from elyclaims.model import Claim
from elyclaims.progress import tick
from elyclaims.rules import (  # noqa: F401  (importing registers the rules)
    amounts,
    claim,
    clients,
    duplicates,
    eligibility,
    privacy,
    providers,
    workbook,
)
from elyclaims.rules._registry import RULES, ClaimedLine, RuleContext, rule
from elyclaims.rules._settle import Acknowledgement, acknowledgements_from_lines, settle

__all__ = ["RULES", "Acknowledgement", "ClaimedLine", "RuleContext",
           "acknowledgements_from_lines", "rule", "run_rules", "settle"]


def run_rules(claim_data: Claim, context: RuleContext) -> list[Finding]:
    """Run every registered rule over the claim and return all their findings."""
    findings: list[Finding] = []
    rules = catalogue()
    for done, rule_id in enumerate(rules, start=1):  # catalogue order: a stable output order
        function = RULES.get(rule_id)
        if function is not None:
            findings.extend(function(claim_data, context))
        tick("check", done, len(rules))
    return findings
