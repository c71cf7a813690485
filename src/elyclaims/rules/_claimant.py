"""Who the claimant is, as the claim's rules that read it share it."""

from __future__ import annotations

from elyclaims.model import Claim
from elyclaims.rules._registry import RuleContext

__all__ = ["name_and_code_disagree"]


def name_and_code_disagree(claim: Claim, context: RuleContext
                           ) -> tuple[tuple[str, str], tuple[str, str]] | None:
    """The claimant its name names and the one its type and code give, when both are known
    and differ (one mistake: the lines are not judged against either, see EL-006)."""
    refdata = context.refdata
    named = refdata.claimant_named(claim.claimant.name)
    coded = refdata.claimant_identity(claim.claimant.type, claim.claimant.code)
    if named is None or coded is None or named == coded:
        return None
    return named, coded
