"""The rule catalogue: ids, severities, slugs, legal sources, and messages in three languages.

The catalogue is data (``data/rules.toml``), loaded once. Rule *logic* lives in
:mod:`elyclaims.rules`; this module only knows what each rule is called and how it speaks.
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache

from elyclaims.datafiles import load_data
from elyclaims.i18n import LANGUAGES
from elyclaims.vocabulary import Severity

__all__ = ["LANGUAGES", "Catalogue", "RuleInfo", "catalogue"]



@dataclass(frozen=True, slots=True)
class Text:
    """A message and its fix hint, each in every language."""

    message: Mapping[str, str]
    hint: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What the catalogue says of one rule."""

    id: str
    slug: str
    severity: Severity
    source: Mapping[str, str] | None
    text: Text
    variants: Mapping[str, Text] = field(default_factory=dict)

    def source_in(self, lang: str) -> str | None:
        """The legal (or other) source in *lang*, or None for a rule without one."""
        if not self.source:
            return None
        return self.source.get(lang) or self.source.get("en")

    @property
    def family(self) -> str:
        """The rule family, e.g. ``WB`` for ``WB-004``."""
        return self.id.split("-", 1)[0]


class _KeepMissing(dict[str, str]):
    # A placeholder the finding did not fill stays visible instead of raising.
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Catalogue(Mapping[str, RuleInfo]):
    """Every rule by id, in catalogue order."""

    def __init__(self, ruleset: str, rules: Mapping[str, RuleInfo]) -> None:
        self.ruleset = ruleset
        self._rules = dict(rules)

    def __getitem__(self, rule_id: str) -> RuleInfo:
        return self._rules[rule_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def text(self, key: str) -> Text:
        """The texts of message *key* (``RULE`` or ``RULE/variant``); KeyError when unknown."""
        rule_id, _, variant = key.partition("/")
        info = self._rules[rule_id]
        return info.variants.get(variant, info.text) if variant else info.text

    def message(self, key: str, lang: str, words: Mapping[str, str]) -> str:
        """The message of *key* in *lang* with its placeholders filled from *words*."""
        return _fill(self.text(key).message, lang, words)

    def hint(self, key: str, lang: str, words: Mapping[str, str]) -> str:
        """The fix hint of *key* in *lang* with its placeholders filled from *words*."""
        return _fill(self.text(key).hint, lang, words)


def _fill(texts: Mapping[str, str], lang: str, words: Mapping[str, str]) -> str:
    template = texts.get(lang) or texts["en"]
    return string.Formatter().vformat(template, (), _KeepMissing(words))


def _text(table: Mapping[str, object], rule_id: str) -> Text:
    message = table.get("message")
    hint = table.get("hint", {})
    if not isinstance(message, dict) or not isinstance(hint, dict):
        raise ValueError(f"rule {rule_id}: message and hint must be tables of languages")
    missing = [lang for lang in LANGUAGES if lang not in message]
    if missing:
        raise ValueError(f"rule {rule_id}: message missing in {', '.join(missing)}")
    return Text(message=message, hint=hint)


@cache
def catalogue() -> Catalogue:
    """Load the catalogue shipped with elyclaims (once per process)."""
    raw = load_data("rules.toml")
    rules: dict[str, RuleInfo] = {}
    for rule_id, table in raw["rule"].items():
        variants = {
            name: _text(variant, f"{rule_id}/{name}")
            for name, variant in table.get("variant", {}).items()
        }
        rules[rule_id] = RuleInfo(
            id=rule_id,
            slug=table["slug"],
            severity=Severity(table["severity"]),
            source=table.get("source"),
            text=_text(table, rule_id),
            variants=variants,
        )
    return Catalogue(raw["ruleset"], rules)
