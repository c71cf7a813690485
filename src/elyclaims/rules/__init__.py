"""The rule catalogue's logic: eligibility, amounts, duplicates, providers, privacy.

Each family lives in its own module, with a table of its rules by id; ``RULES`` holds them all.
:func:`run_rules` runs them all, then the config's severity overrides and
acknowledgements are applied by :func:`override_and_acknowledge`.
"""

from __future__ import annotations

from elyclaims.catalogue import catalogue
from elyclaims.findings import Finding
from elyclaims.model import Claim
from elyclaims.progress import tick
from elyclaims.rules import (
    amounts,
    clients,
    duplicates,
    eligibility,
    privacy,
    providers,
    workbook,
)
from elyclaims.rules import claim as claim_rules  # the CL rules (`claim` is a name here)
from elyclaims.rules._acknowledge import (
    Acknowledgement,
    acknowledgements_from_lines,
    override_and_acknowledge,
)
from elyclaims.rules._registry import ClaimedLine, RuleContext, RuleFunction, claimed_by_key

__all__ = [
    "FAMILIES",
    "RULES",
    "Acknowledgement",
    "ClaimedLine",
    "RuleContext",
    "acknowledgements_from_lines",
    "claimed_by_key",
    "override_and_acknowledge",
    "run_rules",
]


#: The rule families, each with its table of rules by id.
FAMILIES = (claim_rules, clients, eligibility, amounts, duplicates, providers, privacy, workbook)

#: Every rule's function, by id (that no id is listed by two families is a test's to hold:
#: test_rule_cases.test_every_rule_of_the_claim_has_its_function).
RULES: dict[str, RuleFunction] = {
    rule_id: function for family in FAMILIES for rule_id, function in family.RULES.items()}


def run_rules(claim: Claim, context: RuleContext) -> list[Finding]:
    """Run every registered rule over the claim and return all their findings, in catalogue
    order."""
    ids = [rule_id for rule_id in catalogue() if rule_id in RULES]
    found: list[Finding] = []
    for done, rule_id in enumerate(ids, start=1):
        found.extend(RULES[rule_id](claim, context))
        tick("check", done, len(ids))
    return found


