"""elyclaims: check, package and submit State reimbursement claims for the costs of helping
victims of human trafficking (Finland).

The public API is re-exported here lazily, so that importing :mod:`elyclaims.cli` stays fast::

    import elyclaims
    claim, report = elyclaims.read_claim("kulut-2026-q3.xlsx")
    if report.ok:
        ...
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from elyclaims._version import __version__

if TYPE_CHECKING:
    from elyclaims.config import Config, load_config
    from elyclaims.errors import ConfigError, ElyclaimsError, OutputError, PackageError
    from elyclaims.findings import Finding, Location, Severity
    from elyclaims.model import (
        Category,
        Claim,
        Claimant,
        ClaimantType,
        Client,
        ExpenseLine,
        Purpose,
    )
    from elyclaims.pipeline import check_claim, read_claim
    from elyclaims.render import report_to_json, report_to_text
    from elyclaims.report import Report, Summary

__all__ = [
    "BuildRefused",
    "BuiltPackage",
    "Category",
    "Claim",
    "Claimant",
    "ClaimantType",
    "Client",
    "Config",
    "ConfigError",
    "ElyclaimsError",
    "ExpenseLine",
    "Finding",
    "InspectedPackage",
    "Location",
    "OutputError",
    "PackageError",
    "Purpose",
    "Report",
    "Severity",
    "Summary",
    "__version__",
    "build_package",
    "check_claim",
    "inspect_package",
    "load_config",
    "read_claim",
    "report_to_json",
    "report_to_text",
]

_HOMES = {
    "read_claim": "elyclaims.pipeline",
    "check_claim": "elyclaims.pipeline",
    "Config": "elyclaims.config",
    "load_config": "elyclaims.config",
    "ConfigError": "elyclaims.errors",
    "ElyclaimsError": "elyclaims.errors",
    "OutputError": "elyclaims.errors",
    "PackageError": "elyclaims.errors",
    "Finding": "elyclaims.findings",
    "Location": "elyclaims.findings",
    "Severity": "elyclaims.findings",
    "Category": "elyclaims.model",
    "Claim": "elyclaims.model",
    "Claimant": "elyclaims.model",
    "ClaimantType": "elyclaims.model",
    "Client": "elyclaims.model",
    "ExpenseLine": "elyclaims.model",
    "Purpose": "elyclaims.model",
    "report_to_json": "elyclaims.render",
    "report_to_text": "elyclaims.render",
    "Report": "elyclaims.report",
    "BuildRefused": "elyclaims.package",
    "BuiltPackage": "elyclaims.package",
    "InspectedPackage": "elyclaims.package",
    "build_package": "elyclaims.package",
    "inspect_package": "elyclaims.package",
    "Summary": "elyclaims.report",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'elyclaims' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
