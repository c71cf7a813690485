"""The configuration: ``elyclaims.toml``, overridden by ``ELYCLAIMS_*`` variables.

Claimant and claim defaults (so an ERP export of only the expenses can be checked), sheet names,
language, rule severity overrides, acknowledged warnings, and the paths later stages need.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from elyclaims.errors import ConfigError
from elyclaims.limits import ReadLimits

__all__ = ["CONFIG_FILE_NAME", "Acknowledgement", "Config", "load_config"]

CONFIG_FILE_NAME = "elyclaims.toml"
_ENV_PREFIX = "ELYCLAIMS_"

RawValue = str | int | float | date | bool | None
# Rules whose errors can never be lowered: an unreadable input, identity codes.
_PROTECTED = frozenset({"WB-001", "PR-001", "PR-003"})


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ClaimantDefaults(_Section):
    """``[claimant]``: who claims, when the workbook has no claim sheet."""

    name: RawValue = None
    type: RawValue = None
    business_id: RawValue = None
    code: RawValue = None
    iban: RawValue = None
    bic: RawValue = None
    contact_person: RawValue = None
    email: RawValue = None
    phone: RawValue = None


class ClaimDefaults(_Section):
    """``[claim]``: the period, purpose, recipient and decision."""

    period_start: RawValue = None
    period_end: RawValue = None
    purpose: RawValue = None
    recipient: RawValue = None
    decision_reference: RawValue = None
    decision_date: RawValue = None


class SheetNames(_Section):
    """``[sheets]``: sheet names to use when the workbook's own are not recognised."""

    claim: str | None = None
    clients: str | None = None
    expenses: str | None = None


class Acknowledgement(_Section):
    """``[[acknowledge]]``: a warning the claimant has looked at, with a written reason.

    ``line`` is a line id (``Kulut:12``) or a row number of the expenses sheet; without it the
    acknowledgement covers every finding of the rule.
    """

    rule: str
    reason: str
    line: str | int | None = None

    @field_validator("reason")
    @classmethod
    def _reason_written(cls, reason: str) -> str:
        if not reason.strip():
            raise ValueError("an acknowledgement needs a written reason")
        return reason.strip()


class Config(_Section):
    """The whole configuration; every field has a default, so an empty file is valid."""

    language: Literal["fi", "sv", "en"] | None = None
    claim_window_months: int = Field(default=24, ge=1, le=120)
    ledger: str | None = None
    endpoint: str | None = None
    token_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    ca_bundle: str | None = None
    claimant: ClaimantDefaults = Field(default_factory=ClaimantDefaults)
    claim: ClaimDefaults = Field(default_factory=ClaimDefaults)
    sheets: SheetNames = Field(default_factory=SheetNames)
    severity: dict[str, Literal["error", "warning", "info"]] = Field(default_factory=dict)
    acknowledge: tuple[Acknowledgement, ...] = ()
    clients: tuple[dict[str, RawValue], ...] = ()
    limits: ReadLimits = Field(default_factory=ReadLimits)
    path: str | None = Field(default=None, exclude=True)

    @field_validator("severity")
    @classmethod
    def _known_rules(cls, overrides: dict[str, str]) -> dict[str, str]:
        from elyclaims.catalogue import catalogue

        rules = catalogue()
        for rule_id, severity in overrides.items():
            if rule_id not in rules:
                raise ValueError(f"{rule_id} is not a rule id (see `elyclaims rules`)")
            if rule_id in _PROTECTED and severity != "error":
                raise ValueError(f"{rule_id} protects the input or personal data and stays an error")
        return overrides


def load_config(
    path: str | Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    search_dir: str | Path | None = None,
) -> Config:
    """Load the config from *path*, else ``elyclaims.toml`` in *search_dir* (the working
    directory) if there is one, then apply ``ELYCLAIMS_*`` overrides from *environ*.

    Raises:
        ConfigError: when the file cannot be read or a value is invalid; the message names the
            file and the key.
    """
    environ = os.environ if environ is None else environ
    data: dict[str, Any] = {}
    source: Path | None = None
    if path is None and environ.get(f"{_ENV_PREFIX}CONFIG"):
        path = environ[f"{_ENV_PREFIX}CONFIG"]
    if path is not None:
        source = Path(path)
        if not source.is_file():
            raise ConfigError(f"{source}: the config file does not exist")
    else:
        candidate = Path(search_dir or Path.cwd()) / CONFIG_FILE_NAME
        source = candidate if candidate.is_file() else None
    if source is not None:
        try:
            data = tomllib.loads(source.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{source}: not valid TOML: {error}") from error
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"{source}: cannot be read: {error}") from error
    _apply_environment(data, environ)
    try:
        config = Config.model_validate(data)
    except ValidationError as error:
        raise ConfigError(_describe(error, source)) from error
    return config.model_copy(update={"path": str(source) if source else None})


def _table_keys(name: str) -> frozenset[str] | None:
    """The keys of config table *name*, or None when *name* is no table (``language``).

    ``severity`` has free keys (rule ids): the empty set stands for "any key".
    """
    from dataclasses import fields, is_dataclass

    annotation = Config.model_fields[name].annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return frozenset(annotation.model_fields)
    if is_dataclass(annotation):
        return frozenset(item.name for item in fields(annotation))
    return frozenset() if name == "severity" else None


def _apply_environment(data: dict[str, Any], environ: Mapping[str, str]) -> None:
    """``ELYCLAIMS_LANGUAGE=sv`` sets ``language``; ``ELYCLAIMS_CLAIMANT__NAME`` sets
    ``claimant.name``; ``ELYCLAIMS_SEVERITY__EL_008`` sets ``severity."EL-008"``.

    A variable that names no config key (``ELYCLAIMS_DEBUG``, ``ELYCLAIMS_TODAY``, a typo) is
    simply not config: it is ignored, never an error. Lists (acknowledgements, clients) are
    set in the file only.
    """
    settable = set(Config.model_fields) - {"path", "acknowledge", "clients"}
    for name, value in environ.items():
        if not name.startswith(_ENV_PREFIX):
            continue
        keys = name[len(_ENV_PREFIX):].lower().split("__")
        if keys[0] not in settable or len(keys) > 2:
            continue
        table = _table_keys(keys[0])
        if (table is None) != (len(keys) == 1):
            continue
        if table is None:
            data[keys[0]] = value
            continue
        key = keys[1].upper().replace("_", "-") if keys[0] == "severity" else keys[1]
        if table and key not in table:
            continue
        section = data.setdefault(keys[0], {})
        if isinstance(section, dict):
            section[key] = value


def _describe(error: ValidationError, source: Path | None) -> str:
    where = str(source) if source else "configuration"
    problems = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"])
        problems.append(f"{key}: {item['msg']}")
    return f"{where}: " + "; ".join(problems)
