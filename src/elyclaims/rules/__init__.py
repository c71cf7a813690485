"""The rule catalogue's logic: eligibility, amounts, duplicates, providers, privacy.

Each family lives in its own module; importing this package registers every rule in catalogue
order. :func:`run_rules` runs them all, then the config's severity overrides and
acknowledgements are applied by :func:`override_and_acknowledge`.
"""

from __future__ import annotations

from elyclaims._forked import Beside
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
from elyclaims.rules._registry import RULES, ClaimedLine, RuleContext, claimed_by_key, rule

__all__ = [
    "BESIDE_FAMILIES",
    "PARALLEL_LINES",
    "RULES",
    "Acknowledgement",
    "ClaimedLine",
    "RuleContext",
    "acknowledgements_from_lines",
    "claimed_by_key",
    "override_and_acknowledge",
    "rule",
    "run_rules",
]


#: The families a copy of the process checks beside the others (:func:`run_rules`): about
#: half of the rules' time, and none of the clients each line is found with, which the other
#: families share (``RuleContext.derived``).
BESIDE_FAMILIES = ("DU", "PR", "PV")
#: From how many lines the rules are shared with a copy of the process by default.
PARALLEL_LINES = 10_000
#: The most findings the copy sends back: each costs about 14 µs to send and receive (a
#: hundred thousand, 1.4 s, far more than finding them); with more, this process finds them.
_SENT_FINDINGS = 5_000


def run_rules(claim: Claim, context: RuleContext, *, parallel: bool | None = None) -> list[Finding]:
    """Run every registered rule over the claim and return all their findings, in catalogue
    order.

    A claim of :data:`PARALLEL_LINES` lines or more (or any claim, with ``parallel=True``) is
    checked on two cores: a forked copy of this process runs the families in
    :data:`BESIDE_FAMILIES` while this one runs the rest, where that is safe
    (:mod:`elyclaims._forked`: Linux, no other thread, memory to spare). The findings are
    the same either way; ``parallel=False`` runs every rule here.
    """
    ids = [rule_id for rule_id in catalogue() if rule_id in RULES]
    beside = [rule_id for rule_id in ids if rule_id.startswith(BESIDE_FAMILIES)]
    copy = None
    if parallel or (parallel is None and len(claim.expenses) >= PARALLEL_LINES):
        copy = Beside.start(lambda: _few(_findings(beside, claim, context)))
    found: dict[str, list[Finding]] = {}
    try:
        mine = ids if copy is None else [rule_id for rule_id in ids if rule_id not in beside]
        for rule_id in mine:
            found[rule_id] = list(RULES[rule_id](claim, context))
            tick("check", len(found), len(ids))
    except BaseException:
        if copy is not None:
            copy.cancel()
        raise
    if copy is not None:
        given = copy.result()
        sent = given[0] if given is not None else None
        found.update(sent if sent is not None else _findings(beside, claim, context))
        tick("check", len(ids), len(ids))
    return [finding for rule_id in ids for finding in found[rule_id]]


def _findings(rule_ids: list[str], claim: Claim, context: RuleContext) -> dict[str, list[Finding]]:
    return {rule_id: list(RULES[rule_id](claim, context)) for rule_id in rule_ids}


def _few(found: dict[str, list[Finding]]) -> dict[str, list[Finding]] | None:
    """*found*, or None where it holds more findings than are worth sending."""
    return found if sum(map(len, found.values())) <= _SENT_FINDINGS else None
