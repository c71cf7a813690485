"""Reference data shipped with elyclaims: municipalities, counties, authorities, VAT rates, legal
regimes and rule parameters. Each file under ``data/`` states its source and validity date;
everything is loaded once, on first use.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from elyclaims.vocabulary import match_key, normalize_label

__all__ = [
    "Authority",
    "CategoryNames",
    "County",
    "Municipality",
    "Reference",
    "Regime",
    "reference",
]


@dataclass(frozen=True, slots=True)
class Municipality:
    """A municipality: 3-digit code, names, and the county that organises its health care."""

    code: str
    fi: str
    sv: str
    county: str

    def name(self, lang: str) -> str:
        """The name in *lang* (Swedish for ``sv``, else Finnish)."""
        return self.sv if lang == "sv" else self.fi


@dataclass(frozen=True, slots=True)
class County:
    """A wellbeing services county, the City of Helsinki (``90``) or Åland (``91``)."""

    code: str
    fi: str
    sv: str
    en: str
    helsinki: bool = False
    outside_reform: bool = False

    def name(self, lang: str) -> str:
        """The name in *lang*."""
        return {"fi": self.fi, "sv": self.sv}.get(lang, self.en)


@dataclass(frozen=True, slots=True)
class Authority:
    """A deciding or paying authority and the dates it operates."""

    code: str
    kind: str
    fi: str
    sv: str
    en: str
    valid_from: date | None = None
    valid_until: date | None = None
    successor: str | None = None
    aliases: tuple[str, ...] = ()

    def name(self, lang: str) -> str:
        """The name in *lang*."""
        return {"fi": self.fi, "sv": self.sv}.get(lang, self.en)

    def operates_on(self, day: date) -> bool:
        """True when the authority exists on *day*."""
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )


@dataclass(frozen=True, slots=True)
class CategoryNames:
    """A cost category: its code, its name in each language, and the names officers write."""

    code: str
    fi: str
    sv: str
    en: str
    also: tuple[str, ...] = ()

    def name(self, lang: str) -> str:
        """The name in *lang*."""
        return {"fi": self.fi, "sv": self.sv}.get(lang, self.en)

    @property
    def accepted(self) -> tuple[str, ...]:
        """Every name read as this category: the code, the three names, the officers' ones."""
        return (self.code, self.fi, self.sv, self.en, *self.also)


@dataclass(frozen=True, slots=True)
class Regime:
    """A legal basis, with the service dates it covers."""

    code: str
    valid_from: date
    valid_until: date | None
    text: Mapping[str, str]

    def covers(self, day: date) -> bool:
        """True when a service on *day* falls under this regime."""
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


@dataclass(frozen=True, slots=True)
class VatRate:
    """One VAT rate and the dates it applies to."""

    percent: Decimal
    name: str
    valid_from: date
    valid_until: date | None = None

    def applies_on(self, day: date) -> bool:
        """True when the rate is in force on *day*."""
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


@dataclass(frozen=True)
class Reference:
    """All reference data, with lookups that accept what officers write."""

    municipalities: Mapping[str, Municipality]
    counties: Mapping[str, County]
    categories: Mapping[str, CategoryNames]
    authorities: Mapping[str, Authority]
    vat_rates: tuple[VatRate, ...]
    regimes: tuple[Regime, ...]
    parameters: Mapping[str, Any]
    sources: Mapping[str, str] = field(default_factory=dict)
    # Indexes by folded name, built once from the tables above.
    _municipality_names: dict[str, Municipality] = field(init=False, repr=False)
    _county_names: dict[str, County] = field(init=False, repr=False)
    _authority_names: dict[str, Authority] = field(init=False, repr=False)
    _category_names: dict[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_category_names", {
            match_key(name): category.code
            for category in self.categories.values()
            for name in category.accepted
        })
        object.__setattr__(self, "_municipality_names", {
            normalize_label(name): municipality
            for municipality in self.municipalities.values()
            for name in (municipality.fi, municipality.sv)
        })
        object.__setattr__(self, "_county_names", {
            normalize_label(name): county
            for county in self.counties.values()
            for name in (county.fi, county.sv, county.en)
        })
        object.__setattr__(self, "_authority_names", {
            normalize_label(name): authority
            for authority in self.authorities.values()
            for name in (authority.code, authority.fi, authority.sv, authority.en,
                         *authority.aliases)
        })

    def municipality(self, code_or_name: str | None) -> Municipality | None:
        """The municipality with this code (``91`` or ``091``) or Finnish/Swedish name."""
        if not code_or_name:
            return None
        text = code_or_name.strip()
        if text.isdigit() and len(text) <= 3:
            return self.municipalities.get(text.zfill(3))
        return self._municipality_names.get(normalize_label(text))

    def county(self, code_or_name: str | None) -> County | None:
        """The county with this code (``4``, ``04``, ``HVA04``) or name."""
        if not code_or_name:
            return None
        text = normalize_label(code_or_name).replace(" ", "")
        if text.startswith("hva"):
            text = text[3:]
        if text.isdigit() and len(text) <= 2:
            return self.counties.get(text.zfill(2))
        return self._county_names.get(normalize_label(code_or_name))

    def authority(self, code_or_name: str | None) -> Authority | None:
        """The authority with this code or any of its names."""
        if not code_or_name:
            return None
        return self._authority_names.get(normalize_label(code_or_name))

    def category(self, written: str | None) -> str | None:
        """The category code for a name as an officer writes it (any of the three languages,
        any case, accents and spacing), or None for a name that is no category."""
        return self._category_names.get(match_key(written)) if written else None

    def vat_rates_on(self, day: date) -> list[Decimal]:
        """The VAT rates (percent) in force on *day*."""
        return [rate.percent for rate in self.vat_rates if rate.applies_on(day)]

    def regime_on(self, day: date) -> Regime | None:
        """The legal regime that covers a service on *day*."""
        return next((regime for regime in self.regimes if regime.covers(day)), None)

    def parameter(self, section: str, name: str) -> Any:
        """A rule parameter from ``parameters.toml``."""
        return self.parameters[section][name]


def _load(name: str) -> dict[str, Any]:
    text = resources.files("elyclaims").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return tomllib.loads(text)


@cache
def reference() -> Reference:
    """Load the reference data shipped with elyclaims (once per process)."""
    municipalities_data = _load("municipalities.toml")
    counties_data = _load("counties.toml")
    authorities_data = _load("authorities.toml")
    vat_data = _load("vat.toml")
    categories_data = _load("categories.toml")
    regimes_data = _load("regimes.toml")
    parameters = _load("parameters.toml")
    municipalities = {
        code: Municipality(code=code, fi=entry["fi"], sv=entry["sv"], county=entry["county"])
        for code, entry in municipalities_data["municipality"].items()
    }
    counties = {
        code: County(code=code, fi=entry["fi"], sv=entry["sv"], en=entry["en"],
                     helsinki=entry.get("helsinki", False),
                     outside_reform=entry.get("outside_reform", False))
        for code, entry in counties_data["county"].items()
    }
    authorities = {
        code: Authority(
            code=code, kind=entry["kind"], fi=entry["fi"], sv=entry["sv"], en=entry["en"],
            valid_from=entry.get("valid_from"), valid_until=entry.get("valid_until"),
            successor=entry.get("successor"), aliases=tuple(entry.get("aliases", ())),
        )
        for code, entry in authorities_data["authority"].items()
    }
    categories = {
        code: CategoryNames(code=code, fi=entry["fi"], sv=entry["sv"], en=entry["en"],
                            also=tuple(entry.get("also", ())))
        for code, entry in categories_data["category"].items()
    }
    vat_rates = tuple(
        VatRate(percent=Decimal(entry["percent"]), name=entry["name"],
                valid_from=entry["valid_from"], valid_until=entry.get("valid_until"))
        for entry in vat_data["rate"]
    )
    regimes = tuple(
        Regime(code=code, valid_from=entry["valid_from"], valid_until=entry.get("valid_until"),
               text={lang: entry[lang] for lang in ("fi", "sv", "en")})
        for code, entry in regimes_data["regime"].items()
    )
    sources = {
        name: data["meta"]["source"]
        for name, data in (("municipalities", municipalities_data), ("counties", counties_data),
                           ("categories", categories_data),
                           ("authorities", authorities_data), ("vat", vat_data),
                           ("regimes", regimes_data), ("parameters", parameters))
    }
    return Reference(
        municipalities=municipalities, counties=counties, categories=categories,
        authorities=authorities,
        vat_rates=vat_rates, regimes=regimes, parameters=parameters, sources=sources,
    )
