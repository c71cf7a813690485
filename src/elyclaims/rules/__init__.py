"""The rule catalogue's logic: eligibility, amounts, duplicates, providers, privacy.

Each family lives in its own module; importing this package registers every rule in catalogue
order. :func:`run_rules` runs them all, then the config's severity overrides and
acknowledgements are applied by :func:`override_and_acknowledge`.
"""

from __future__ import annotations

from elyclaims.catalogue import catalogue
from elyclaims.findings import Finding
from elyclaims.model import Claim
from elyclaims.progress import tick
from elyclaims.rules import (  # noqa: F401  (importing registers the rules)
    amounts,
    clients,
    duplicates,
    eligibility,
    privacy,
    providers,
    workbook,
)
from elyclaims.rules import claim as claim_rules  # noqa: F401  (the CL rules; `claim` is a name)
from elyclaims.rules._acknowledge import (
    Acknowledgement,
    acknowledgements_from_lines,
    override_and_acknowledge,
)
from elyclaims.rules._registry import RULES, ClaimedLine, RuleContext, rule

__all__ = [
    "RULES",
    "Acknowledgement",
    "ClaimedLine",
    "RuleContext",
    "acknowledgements_from_lines",
    "override_and_acknowledge",
    "rule",
    "run_rules",
]


def run_rules(claim: Claim, context: RuleContext) -> list[Finding]:
    """Run every registered rule over the claim and return all their findings."""
    findings: list[Finding] = []
    rules = catalogue()
    for done, rule_id in enumerate(rules, start=1):  # catalogue order: a stable output order
        function = RULES.get(rule_id)
        if function is not None:
            findings.extend(function(claim, context))
        tick("check", done, len(rules))
    return findings
