"""The configuration: ``elyclaims.toml``, then ``ELYCLAIMS_*`` variables, then flags.

Claimant and claim defaults (so an ERP export of only the expenses can be checked), sheet names,
language, rule severity overrides, acknowledged warnings, clients, read limits, and the paths and
credentials later stages need.

The layers, lowest first: the TOML file, the environment (``ELYCLAIMS_LANGUAGE``,
``ELYCLAIMS_CLAIMANT__NAME``: ``__`` nests; a rule id may be written with ``_``:
``ELYCLAIMS_SEVERITY__EL_008``; a key whose value is a table, given whole, is JSON), and the
values the command line passes; each table merged key by key over the one below it. (These
were pydantic-settings' sources: the same merge, read here without importing its machinery,
about 50 ms of a small validate's start.) A key in the
file that is not a config key is an error naming the key and the file; an ``ELYCLAIMS_*``
variable that is not a config key (``ELYCLAIMS_DEBUG``, ``ELYCLAIMS_TODAY``, a typo) is simply not
config. ``Config()`` itself reads nothing: only :func:`load_config` reads the file and the
environment.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from elyclaims.errors import ConfigError
from elyclaims.i18n import N_, Language
from elyclaims.limits import ReadLimits

if TYPE_CHECKING:
    from elyclaims.refdata import ReferenceData

__all__ = ["CONFIG_FILE_NAME", "AcknowledgeEntry", "Citation", "Config", "RuleSettings",
           "add_acknowledgement", "load_config"]

CONFIG_FILE_NAME = "elyclaims.toml"
_ENV_PREFIX = "ELYCLAIMS_"

RawValue = str | int | float | date | bool | None
# Rules whose errors can never be lowered: an unreadable input, identity codes, a cost
# claimed before (a duplicate is never "explained").
_PROTECTED = frozenset({"WB-001", "PR-001", "PR-003", "DU-002"})


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


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

    @field_validator("period_start", "period_end", "decision_date")
    @classmethod
    def _a_date(cls, value: RawValue) -> RawValue:
        # A date of the config is the claim's for every workbook it reads: one that is no
        # date is the config's error, not a finding on a workbook that may give its own.
        from elyclaims.values import CellValueError, parse_date

        try:
            return parse_date(value)
        except CellValueError:
            raise ValueError(f"not a date (write it as 2026-07-01): {value!r}") from None


class SheetNames(_Section):
    """``[sheets]``: sheet names to use when the workbook's own are not recognised."""

    claim: str | None = None
    clients: str | None = None
    expenses: str | None = None


class RuleSettings(_Section):
    """``[rules]``: the rules' parameters that a claimant or an authority may set."""

    #: How many months before the period's end a service date may lie before EL-011 says it
    #: may be past the decision's deadline (no statutory deadline is known to elyclaims; the
    #: authority's decision terms prevail). Unset: ``claim_window_months`` (24).
    claim_age_months: int | None = Field(default=None, ge=1, le=120)


class Citation(_Section):
    """``[legal_basis.CODE]``: the legal basis to cite in packages for the regime *CODE*
    (``INT-2023``…), in place of the reference data's; ``sv`` and ``en`` default to ``fi``."""

    fi: str
    sv: str | None = None
    en: str | None = None

    @field_validator("fi", "sv", "en")
    @classmethod
    def _written(cls, text: str | None) -> str | None:
        if text is not None and not text.strip():
            raise ValueError("a citation cannot be empty")
        return " ".join(text.split()) if text is not None else None


class AcknowledgeEntry(_Section):
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


class Config(BaseModel):
    """The whole configuration; every field has a default, so an empty file is valid."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    language: Language | None = None
    #: What reads the cell values of .xlsx/.xlsm workbooks: python-calamine (the default where
    #: it is installed) or openpyxl (slower; the fallback). Both give the same rows.
    engine: Literal["calamine", "openpyxl"] | None = None
    claim_window_months: int = Field(default=24, ge=1, le=120)
    rules: RuleSettings = Field(default_factory=RuleSettings)
    legal_basis: dict[str, Citation] = Field(default_factory=dict)
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
    acknowledge: tuple[AcknowledgeEntry, ...] = ()
    clients: tuple[dict[str, RawValue], ...] = ()
    limits: ReadLimits = Field(default_factory=ReadLimits)
    path: str | None = Field(default=None, exclude=True)

    @field_validator("clients", mode="before")
    @classmethod
    def _client_headers(cls, entries: Any) -> Any:
        """``[[clients]]`` keys are the clients sheet's headers in any of the three languages
        (``Asiakastunnus``, ``Klientnummer``, ``Client reference``, any alias) or the field
        names; each entry is keyed by field name from here on."""
        if not isinstance(entries, list | tuple):
            return entries
        from elyclaims.vocabulary import CLIENT_FIELDS, Role, label_index, match_key

        headers = label_index(Role.CLIENTS)
        names = {spec.name: spec.name for spec in CLIENT_FIELDS} | {"reference": "client_reference"}
        mapped = []
        for number, entry in enumerate(entries, start=1):
            if not isinstance(entry, dict):
                mapped.append(entry)
                continue
            fields: dict[str, Any] = {}
            for key, value in entry.items():
                spec = headers.get(match_key(str(key)))
                name = names.get(str(key)) or (spec.name if spec else None)
                if name is None:
                    raise _KeyProblem(
                        N_('{file}: clients entry {number}: "{key}" is not a header of the clients sheet '
                           '(the headers are {accepted}, or their Swedish or English names)'),
                        number=number, key=key,
                        accepted=", ".join(spec.labels[0] for spec in CLIENT_FIELDS))
                if name in fields:
                    raise _KeyProblem(
                        N_('{file}: clients entry {number}: "{key}" gives {field} a second time'),
                        number=number, key=key, field=name)
                fields[name] = value
            mapped.append(fields)
        return mapped

    @field_validator("legal_basis")
    @classmethod
    def _known_regimes(cls, citations: dict[str, Citation]) -> dict[str, Citation]:
        from elyclaims.refdata import reference_data

        known = [regime.code for regime in reference_data().regimes]
        for code in citations:
            if code not in known:
                raise ValueError(f"{code} is not a legal regime (the regimes are "
                                 f"{', '.join(known)}; see `elyclaims rules`)")
        return citations

    def reference_data(self) -> ReferenceData:
        """The reference data, with the citations ``[legal_basis]`` sets in place of theirs."""
        from elyclaims.refdata import reference_data

        return reference_data().cited({code: citation.model_dump()
                                       for code, citation in self.legal_basis.items()})

    @property
    def claim_age_months(self) -> int:
        """EL-011's months: ``[rules] claim_age_months``, else ``claim_window_months``."""
        return self.rules.claim_age_months or self.claim_window_months

    @field_validator("severity", "legal_basis", mode="before")
    @classmethod
    def _ids_in_capitals(cls, table: Any) -> Any:
        # Rule ids and regime codes from the environment arrive folded: ELYCLAIMS_SEVERITY__EL_008
        # as "el_008".
        if isinstance(table, dict):
            return {str(key).upper().replace("_", "-"): value for key, value in table.items()}
        return table

    @field_validator("severity")
    @classmethod
    def _known_rules(cls, overrides: dict[str, str]) -> dict[str, str]:
        from elyclaims.catalogue import catalogue

        rules = catalogue()
        for rule_id, severity in overrides.items():
            if rule_id not in rules:
                raise ValueError(f"{rule_id} is not a rule id (see `elyclaims rules`)")
            if rule_id in _PROTECTED and severity != "error":
                raise ValueError(f"{rule_id} protects the input, personal data or the State's money "
                                 "and stays an error")
        return overrides


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


def _is_config_variable(name: str) -> bool:
    """True when the variable *name* sets a config key (``ELYCLAIMS_LANGUAGE``,
    ``ELYCLAIMS_CLAIMANT__NAME``, ``ELYCLAIMS_SEVERITY__EL_008``); lists (acknowledgements,
    clients) are set in the file only."""
    if not name.upper().startswith(_ENV_PREFIX):
        return False
    keys = name[len(_ENV_PREFIX):].lower().split("__")
    if keys[0] not in set(Config.model_fields) - {"path", "acknowledge", "clients"}:
        return False
    if len(keys) > 2:
        return False
    table = _table_keys(keys[0])
    if (table is None) != (len(keys) == 1):
        return False
    return table is None or not table or keys[1] in table


def _from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """The config data the ``ELYCLAIMS_*`` variables of *environ* set, nested as in the file.

    Raises:
        ConfigError: a variable that sets a whole table holds no JSON.
    """
    data: dict[str, Any] = {}
    for name, value in environ.items():
        if not _is_config_variable(name):
            continue
        keys = name[len(_ENV_PREFIX):].lower().split("__")
        if len(keys) == 2:
            table = data.setdefault(keys[0], {})
            table[keys[1]] = value
        elif _is_table_value(keys[0]):
            try:
                data[keys[0]] = json.loads(value)
            except ValueError as error:
                raise ConfigError("{file}: not valid JSON: {reason}", file=name,
                                  reason=error) from error
        else:
            data[keys[0]] = value
    return data


def _is_table_value(name: str) -> bool:
    """Whether config key *name* holds a table given whole (``legal_basis``), not a value."""
    annotation = Config.model_fields[name].annotation
    return getattr(annotation, "__origin__", annotation) is dict


def _merged(lower: dict[str, Any], upper: dict[str, Any]) -> dict[str, Any]:
    """*upper* over *lower*, tables merged key by key."""
    merged = dict(lower)
    for key, value in upper.items():
        below = merged.get(key)
        merged[key] = (_merged(below, value) if isinstance(below, dict)
                       and isinstance(value, dict) else value)
    return merged


def load_config(
    path: str | Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    search_dir: str | Path | None = None,
    **flags: Any,
) -> Config:
    """Load the config: the file *path*, else ``elyclaims.toml`` in *search_dir* (the working
    directory) if there is one; over it the ``ELYCLAIMS_*`` variables of *environ* (by default
    the process's); over both the values in *flags* (what the command line gives, by key).

    Raises:
        ConfigError: when the file cannot be read, holds a key that is no config key, or a value
            is invalid; the message names the file and the key.
    """
    environ = os.environ if environ is None else environ
    data: dict[str, Any] = {}
    source: Path | None = None
    if path is None and environ.get(f"{_ENV_PREFIX}CONFIG"):
        path = environ[f"{_ENV_PREFIX}CONFIG"]
    if path is not None:
        source = Path(path)
        if not source.is_file():
            raise ConfigError("{file}: the config file does not exist", file=source)
    else:
        candidate = Path(search_dir or Path.cwd()) / CONFIG_FILE_NAME
        source = candidate if candidate.is_file() else None
    if source is not None:
        try:
            data = tomllib.loads(source.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise ConfigError("{file}: not valid TOML: {reason}", file=source,
                              reason=error) from error
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError("{file}: cannot be read: {reason}", file=source,
                              reason=error) from error
    given = {key: value for key, value in flags.items() if value is not None}
    try:
        config = Config.model_validate(_merged(_merged(data, _from_environment(environ)), given))
    except ValidationError as error:
        raise _describe(error, source, environ) from error
    return config.model_copy(update={"path": str(source) if source else None})


def add_acknowledgement(path: str | Path, *, rule: str, reason: str,
                        line: str | None = None) -> None:
    """Add an ``[[acknowledge]]`` entry to the config file *path* (created when missing), as an
    officer would write it by hand; the rest of the file is kept as it is.

    Raises:
        ConfigError: when the reason is empty or holds an identity code, or the file would not
            be a valid config afterwards (it is left as it was).
        OutputError: when the file cannot be written (it is left as it was).
    """
    import json

    from elyclaims.files import write_atomically
    from elyclaims.privacy import contains_identity_code

    target = Path(path)
    if not reason.strip():
        raise ConfigError("an acknowledgement needs a written reason")
    if contains_identity_code(reason):
        raise ConfigError("the reason holds an identity code; write it without one")
    try:
        before = target.read_text(encoding="utf-8") if target.is_file() else ""
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError("{file}: cannot be read: {reason}", file=target,
                          reason=error) from error
    def quoted(text: str) -> str:
        # JSON's string escapes are TOML's basic-string escapes; TOML forbids DEL unescaped.
        return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")

    entry = ["[[acknowledge]]", f"rule = {quoted(rule)}"]
    if line:
        entry.append(f"line = {quoted(line)}")
    entry.append(f"reason = {quoted(' '.join(reason.split()))}")
    after = (before.rstrip("\n") + "\n\n" if before.strip() else "") + "\n".join(entry) + "\n"
    try:
        Config.model_validate(tomllib.loads(after))
    except (tomllib.TOMLDecodeError, ValidationError) as error:
        raise ConfigError("{file}: the acknowledgement cannot be added: {reason}", file=target,
                          reason=error) from error
    write_atomically(target, after.encode("utf-8"))


class _KeyProblem(ValueError):
    """A config key that is wrong in a way worth its own message (a template, translated)."""

    def __init__(self, template: str, **values: object) -> None:
        super().__init__(template.format(file="config", **values))
        self.template = template
        self.values = values


def _describe(error: ValidationError, source: Path | None,
              environ: Mapping[str, str]) -> ConfigError:
    """One ConfigError naming where each key at fault was set: the file, or the ``ELYCLAIMS_*``
    variable (which wins over the file)."""
    for item in error.errors():
        problem = (item.get("ctx") or {}).get("error")
        if isinstance(problem, _KeyProblem):
            return ConfigError(problem.template,
                               file=_variable(item, environ) or source or "elyclaims.toml",
                               **problem.values)
    variables = [(_variable(item, environ), item) for item in error.errors()]
    if any(variable for variable, _ in variables):
        return ConfigError("{problems}", problems="; ".join(
            f"{variable or source or 'elyclaims.toml'}: {_problem(item)}"
            for variable, item in variables))
    unknown = [".".join(str(part) for part in item["loc"]) for item in error.errors()
               if item["type"] == "extra_forbidden"]
    if unknown:
        return ConfigError("{file}: {keys} is not a config key (see docs/user-guide.md, "
                           "\"Configuration\")", file=source or "elyclaims.toml",
                           keys=", ".join(unknown))
    problems = "; ".join(_problem(item) for item in error.errors())
    return ConfigError("{file}: {problems}", file=source or "configuration", problems=problems)


def _variable(item: Any, environ: Mapping[str, str]) -> str | None:
    """The ``ELYCLAIMS_*`` variable that set the key of the validation problem *item*, if one
    did (its name as the environment spells it)."""
    keys = [str(part) for part in item["loc"][:2]]
    for depth in (2, 1):
        wanted = (_ENV_PREFIX + "__".join(keys[:depth])).upper().replace("-", "_")
        for name in environ:
            if name.upper() == wanted and _is_config_variable(name):
                return name
    return None


def _problem(item: Any) -> str:
    """One validation problem: the key's dotted path and what is wrong, without pydantic's
    "Value error, " prefix on the messages our validators write."""
    where = ".".join(str(part) for part in item["loc"])
    if item["type"] == "value_error":
        return f"{where}: {item['ctx']['error']}"
    return f"{where}: {item['msg']}"
