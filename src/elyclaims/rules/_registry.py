"""What every rule is given and how it reports: a rule is a function ``(claim, context) ->
findings``; each family module lists its rules by id in its ``RULES`` table, and the package
runs them in the catalogue's order (a table, not a decorator: the functions stay plain, which
mutation testing needs, see docs/testing.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar, cast

from elyclaims.config import Config
from elyclaims.findings import Finding, Location
from elyclaims.model import Claim, ClaimedLine, ExpenseLine, claimed_by_key
from elyclaims.refdata import ReferenceData, reference_data

__all__ = ["ClaimedLine", "RuleContext", "RuleFunction", "at_line", "claimed_by_key"]

T = TypeVar("T")


@dataclass(frozen=True)
class RuleContext:
    """What rules may consult besides the claim.

    ``today`` is the date the check (or build) runs; ``clients_given`` is False when no clients
    table was found at all, so that EL-001 does not repeat the WB-002 on every line;
    ``labels`` are the texts of the input that are no claim data but reach reports and
    packages: sheet names and header cells, with their locations. ``claimed`` are the lines of
    packages already submitted, by duplicate key (from the ledger; empty without one).
    """

    today: date
    config: Config = field(default_factory=Config)
    refdata: ReferenceData = field(default_factory=reference_data)
    clients_given: bool = True
    labels: tuple[tuple[str, Location], ...] = ()
    claimed: Mapping[str, ClaimedLine] = field(default_factory=dict)
    #: What several rules derive from one claim, made once (see :meth:`derived`).
    _derived: dict[str, tuple[Claim, Any]] = field(default_factory=dict, compare=False,
                                                   repr=False)

    def derived(self, name: str, claim: Claim, make: Callable[[Claim], T]) -> T:
        """``make(claim)``, made once for *claim* under *name* and kept while this context
        checks it (several rules go through the lines with their clients)."""
        kept = self._derived.get(name)
        if kept is None or kept[0] is not claim:
            kept = self._derived[name] = (claim, make(claim))
        return cast("T", kept[1])

    def parameter(self, section: str, name: str) -> Any:
        """A rule parameter, from the config where it may be set there, else the shipped data."""
        if section == "rules" and name == "claim_window_months":
            return self.config.claim_age_months
        return self.refdata.parameter(section, name)


RuleFunction = Callable[[Claim, RuleContext], Iterable[Finding]]

def at_line(
    line: ExpenseLine,
    field: str,
    rule_id: str,
    *,
    variant: str | None = None,
    value: object = None,
    **params: Any,
) -> Finding:
    """A finding of *rule_id* on *field*'s cell of an expense line, with its line id."""
    return Finding.make(rule_id, line.source.location(field), line_id=line.line_id, value=value,
                        variant=variant, **params)
