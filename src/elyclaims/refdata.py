"""Reference data shipped with elyclaims: municipalities, counties, authorities, cost categories,
VAT rates, legal regimes and rule parameters, each dated, each file stating its source.

Everything is loaded once, on first use, and looked up by the date that matters: a client's
home municipality on the service date, an authority on the claim date, a VAT rate on the
service (or invoice) date. Who organises a client's services and which authority a claimant's
claim goes to are answered here too, so that rules, packages and reports ask one place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from elyclaims.datafiles import load_data
from elyclaims.i18n import LANGUAGES
from elyclaims.vocabulary import Category, ClaimantType, Purpose, match_key, normalize_label

__all__ = [
    "Authority",
    "CategoryNames",
    "County",
    "Identity",
    "Municipality",
    "ReferenceData",
    "Regime",
    "SupplyType",
    "VatRate",
    "reference_data",
]

#: Who an organiser is: ``("county", "04")``, ``("municipality", "092")``.
Identity = tuple[str, str]

HELSINKI = "091"
HELSINKI_COUNTY = "90"
ALAND_COUNTY = "91"
#: The identity kind of Åland's municipalities' joint social services (KST): its code is
#: Åland's county code.
ALAND_SOCIAL = "aland-social-services"


def _in_force(valid_from: date | None, valid_until: date | None, day: date) -> bool:
    return (valid_from is None or valid_from <= day) and (valid_until is None or day <= valid_until)


@dataclass(frozen=True, slots=True)
class Municipality:
    """A municipality: 3-digit code, names, its county, and the dates it existed."""

    code: str
    fi: str
    sv: str
    county: str
    valid_from: date | None = None
    valid_until: date | None = None
    successor: str | None = None
    also: tuple[str, ...] = ()

    def name(self, lang: str) -> str:
        """The name in *lang* (Swedish for ``sv``, else Finnish)."""
        return self.sv if lang == "sv" else self.fi

    def exists_on(self, day: date) -> bool:
        """True when the municipality existed on *day*."""
        return _in_force(self.valid_from, self.valid_until, day)


@dataclass(frozen=True, slots=True)
class County:
    """A wellbeing services county, the City of Helsinki (``90``) or Åland (``91``), with its
    regional authorities: the ELY Centre (until 2025) and the elinvoimakeskus (from 2026)."""

    code: str
    fi: str
    sv: str
    en: str
    ely_centre: str
    elinvoimakeskus: str
    helsinki: bool = False
    outside_reform: bool = False

    def name(self, lang: str) -> str:
        """The name in *lang*."""
        return {"fi": self.fi, "sv": self.sv}.get(lang, self.en)


@dataclass(frozen=True, slots=True)
class Authority:
    """A deciding or paying authority, the dates it operates, and who took over its tasks
    (``successors`` by county where its tasks were split, else ``successor``)."""

    code: str
    kind: str
    fi: str
    sv: str
    en: str
    valid_from: date | None = None
    valid_until: date | None = None
    successor: str | None = None
    successors: Mapping[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    short: str | None = None

    def name(self, lang: str) -> str:
        """The name in *lang*."""
        return {"fi": self.fi, "sv": self.sv}.get(lang, self.en)

    def operates_on(self, day: date) -> bool:
        """True when the authority exists on *day*."""
        return _in_force(self.valid_from, self.valid_until, day)

    def successor_for(self, county: str | None) -> str | None:
        """The authority that took over this one's tasks for *county* (or in general)."""
        if county is not None and county in self.successors:
            return self.successors[county]
        return self.successor


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
    #: The citation in each language.
    text: Mapping[str, str]
    short: str = ""
    #: The official text the citation comes from (a URL).
    source: str = ""
    #: Whether the section the citation names was verified against that text; a citation
    #: whose section is not verified names none.
    section_verified: bool = False
    #: Whether the citation was set in the config (``[legal_basis.CODE]``) rather than taken
    #: from the reference data.
    configured: bool = False

    def covers(self, day: date) -> bool:
        """True when a service on *day* falls under this regime."""
        return _in_force(self.valid_from, self.valid_until, day)


@dataclass(frozen=True, slots=True)
class VatRate:
    """One VAT rate in force: its percent and which rate it is (general, reduced, lowest)."""

    percent: Decimal
    name: str


@dataclass(frozen=True, slots=True)
class SupplyType:
    """A kind of supply that decides a VAT rate: its names in three languages, the names a
    supply-type cell may hold, and the words of a description that suggest it."""

    code: str
    fi: str
    sv: str
    en: str
    names: tuple[str, ...] = ()
    words: tuple[str, ...] = ()

    def name(self, lang: str) -> str:
        """The supply's name in *lang*."""
        return {"fi": self.fi, "sv": self.sv}.get(lang, self.en)


def _word_beginnings(supplies: Mapping[str, SupplyType]) -> re.Pattern[str]:
    """One pattern for a word that begins with any supply type's words (in lower case, as
    written), each alternative in a group named after its supply type."""
    groups = []
    for code, supply in supplies.items():
        if supply.words:
            starts = sorted((re.escape(word.casefold()) for word in supply.words),
                            key=len, reverse=True)
            groups.append(f"(?P<{code}>{'|'.join(starts)})")
    return re.compile(rf"(?<![^\W\d_])(?:{'|'.join(groups)})" if groups else r"(?!)")


@dataclass(frozen=True)
class _VatTable:
    periods: tuple[tuple[date, date | None, Mapping[str, Decimal]], ...]
    supplies: tuple[tuple[str, str, date | None, date | None], ...]
    categories: Mapping[str, tuple[str, ...]]
    supply_types: Mapping[str, SupplyType] = field(default_factory=dict)
    #: The words that suggest a supply type, each in a group named after its type.
    suggestions: re.Pattern[str] = re.compile(r"(?!)")
    # rates_for answers by category and day; a claim asks for the same few pairs again and again.
    _answers: dict[tuple[str | None, date], tuple[VatRate, ...]] = field(
        default_factory=dict, compare=False, repr=False)

    def rates_on(self, day: date) -> dict[str, Decimal]:
        for valid_from, valid_until, rates in self.periods:
            if _in_force(valid_from, valid_until, day):
                return dict(rates)
        return {}

    def rates_for(self, category: str | None, day: date) -> list[VatRate]:
        answer = self._answers.get((category, day))
        if answer is None:
            answer = self._answers[(category, day)] = tuple(self._rates_for(category, day))
        return list(answer)

    def rates_of_supply(self, supply: str, day: date) -> list[VatRate]:
        """The rate the supply *supply* takes on *day* (``general``: the general rate)."""
        answer = self._answers.get((f"supply:{supply}", day))
        if answer is None:
            answer = self._answers[(f"supply:{supply}", day)] = tuple(
                self._rates_of_supplies((supply,), day))
        return list(answer)

    def _rates_for(self, category: str | None, day: date) -> list[VatRate]:
        return self._rates_of_supplies(self.categories.get(category or "", ("any",)), day)

    def _rates_of_supplies(self, supplies: Sequence[str], day: date) -> list[VatRate]:
        in_force = self.rates_on(day)
        if "any" in supplies:
            names = set(in_force)
        else:
            names = {rate for name, rate, start, end in self.supplies
                     if name in supplies and _in_force(start, end, day)}
        return sorted((VatRate(in_force[n], n) for n in names if n in in_force),
                      key=lambda rate: rate.percent, reverse=True)


@dataclass(frozen=True)
class ReferenceData:
    """All reference data, with lookups that accept what officers write."""

    municipalities: Mapping[str, Municipality]
    counties: Mapping[str, County]
    categories: Mapping[str, CategoryNames]
    authorities: Mapping[str, Authority]
    vat: _VatTable
    regimes: tuple[Regime, ...]
    parameters: Mapping[str, Any]
    sources: Mapping[str, str] = field(default_factory=dict)
    # Indexes by match key, built once from the tables above.
    _municipality_names: dict[str, Municipality] = field(init=False, repr=False)
    _county_names: dict[str, County] = field(init=False, repr=False)
    _authority_names: dict[str, Authority] = field(init=False, repr=False)
    _category_names: dict[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        def index(entries: Iterable[tuple[str, Any]]) -> dict[str, Any]:
            return {match_key(name): value for name, value in entries}

        object.__setattr__(self, "_municipality_names", index(
            (name, municipality) for municipality in self.municipalities.values()
            for name in (municipality.fi, municipality.sv, *municipality.also)))
        object.__setattr__(self, "_county_names", index(
            (name, county) for county in self.counties.values()
            for name in (county.fi, county.sv, county.en)))
        object.__setattr__(self, "_authority_names", index(
            (name, authority) for authority in self.authorities.values()
            for name in (authority.code, authority.fi, authority.sv, authority.en,
                         *((authority.short,) if authority.short else ()), *authority.aliases)))
        object.__setattr__(self, "_category_names", index(
            (name, category.code) for category in self.categories.values()
            for name in category.accepted))

    # ------------------------------------------------------------------------- lookups

    def municipality(self, code_or_name: str | None) -> Municipality | None:
        """The municipality with this code (``91`` or ``091``) or name, whenever it existed."""
        if not code_or_name:
            return None
        text = code_or_name.strip()
        if text.isdigit() and len(text) <= 3:
            return self.municipalities.get(text.zfill(3))
        return self._municipality_names.get(match_key(text))

    def county(self, code_or_name: str | None) -> County | None:
        """The county with this code (``4``, ``04``, ``HVA04``) or name."""
        if not code_or_name:
            return None
        text = normalize_label(code_or_name).replace(" ", "")
        if text.startswith("hva"):
            text = text[3:]
        if text.isdigit() and len(text) <= 2:
            return self.counties.get(text.zfill(2))
        return self._county_names.get(match_key(code_or_name))

    def authority(self, code_or_name: str | None) -> Authority | None:
        """The authority with this code or any of its names or aliases."""
        if not code_or_name:
            return None
        return self._authority_names.get(match_key(code_or_name))

    def category(self, written: str | None) -> str | None:
        """The category code for a name as an officer writes it (any of the three languages,
        any case, accents and spacing), or None for a name that is no category."""
        return self._category_names.get(match_key(written)) if written else None

    def cited(self, citations: Mapping[str, Mapping[str, str | None]]) -> ReferenceData:
        """These reference data with the citations of *citations* (regime code: the text in
        ``fi``, and in ``sv`` and ``en`` where given, else the Finnish) in place of the
        reference data's own, each marked as set in the config.

        Raises:
            KeyError: for a code that is no regime.
        """
        if not citations:
            return self
        known = {regime.code for regime in self.regimes}
        unknown = sorted(set(citations) - known)
        if unknown:
            raise KeyError(", ".join(unknown))

        def cite(regime: Regime) -> Regime:
            given = citations.get(regime.code)
            if given is None:
                return regime
            finnish = str(given["fi"])
            text: dict[str, str] = {lang: str(given.get(lang) or finnish) for lang in LANGUAGES}
            return replace(regime, text=text, short=finnish, configured=True)

        return replace(self, regimes=tuple(cite(regime) for regime in self.regimes))

    def regime_on(self, day: date) -> Regime | None:
        """The legal regime that covers a service on *day*."""
        return next((regime for regime in self.regimes if regime.covers(day)), None)

    def regimes_for(self, days: Iterable[date | None]) -> list[Regime]:
        """The legal regimes that cover services on *days* (none for a day without one), each
        once, oldest first: what a package cites."""
        used = {}
        for day in set(days):
            regime = self.regime_on(day) if day is not None else None
            if regime is not None:
                used[regime.code] = regime
        return sorted(used.values(), key=lambda regime: regime.valid_from)

    def supply_type(self, written: str | None) -> SupplyType | None:
        """The supply type a supply-type cell names (its code, any of its names, any case),
        or the one its words suggest; None for anything else."""
        if not written:
            return None
        key = match_key(written)
        for supply in self.vat.supply_types.values():
            if key in {match_key(name) for name in
                       (supply.code, supply.fi, supply.sv, supply.en, *supply.names)}:
                return supply
        return self.supply_suggested(written)

    def supply_code(self, written: str) -> str:
        """What a package carries for a supply-type cell: the code of the supply type it names
        (``accommodation`` for ``Majoitus``), else the words as written."""
        supply = self.supply_type(written)
        return supply.code if supply is not None else written

    def supply_suggested(self, text: str | None) -> SupplyType | None:
        """The supply type a description's words suggest ("Taksi vastaanotolle", "Hotelli 2
        yötä"), when they suggest exactly one; None otherwise."""
        if not text:
            return None
        found = {match.lastgroup for match in self.vat.suggestions.finditer(text.casefold())}
        if len(found) != 1:
            return None
        return self.vat.supply_types[str(found.pop())]

    def vat_rate_change_before(self, day: date, within_days: int = 365) -> date | None:
        """The latest day a VAT rate changed on, at most *within_days* before *day* (a
        service before it took another rate than one on *day*), or None."""
        changes = {start for start, _, _ in self.vat.periods}
        changes.update(start for _, _, start, _ in self.vat.supplies if start is not None)
        recent = [change for change in changes
                  if 0 <= (day - change).days < within_days]
        return max(recent, default=None)

    def vat_rates_of_supply(self, supply: str, day: date) -> list[VatRate]:
        """The VAT rate the supply *supply* takes on *day*."""
        return self.vat.rates_of_supply(supply, day)

    def vat_rates_for(self, category: str | None, day: date) -> list[VatRate]:
        """The VAT rates a line of *category* may carry on *day* (all in force for OTHER or an
        unknown category), highest first."""
        return self.vat.rates_for(category, day)

    def parameter(self, section: str, name: str) -> Any:
        """A rule parameter from ``parameters.toml``."""
        return self.parameters[section][name]

    def name(self, kind: str, code: str, lang: str) -> str:
        """The name of the *kind* (``authority``, ``county``, ``municipality``, ``category``,
        ``supply``, ``regime``) with *code* in *lang*; the code itself when it is not known."""
        table: Mapping[str, Any] = {
            "authority": self.authorities, "county": self.counties,
            "municipality": self.municipalities, "category": self.categories,
            "supply": self.vat.supply_types,
        }.get(kind, {})
        if kind == "regime":
            regime = next((r for r in self.regimes if r.code == code), None)
            return regime.text.get(lang, regime.text["en"]) if regime else code
        if kind == ALAND_SOCIAL:
            return "Kommunernas socialtjänst (KST)"
        entry = table.get(code)
        return entry.name(lang) if entry is not None else code

    # -------------------------------------------------------------- who is who, and when

    def claimant_identity(self, kind: str | None, code: str | None) -> Identity | None:
        """``("county", "04")`` or ``("municipality", "092")`` for a claimant whose type and
        code are known: the City of Helsinki is ``("municipality", "091")`` whatever code it
        gave, ÅHS is ``("county", "91")``. None when the claimant cannot be told."""
        if kind == ClaimantType.CITY_OF_HELSINKI:
            return ("municipality", HELSINKI)
        if kind == ClaimantType.ALAND_HEALTH_CARE:
            return ("county", ALAND_COUNTY)
        if kind == ClaimantType.ALAND_SOCIAL_SERVICES:
            return (ALAND_SOCIAL, ALAND_COUNTY)
        if kind == ClaimantType.WELLBEING_SERVICES_COUNTY:
            county = self.county(code) if code and not _is_municipality_code(code) else None
            if county is not None and not county.helsinki and not county.outside_reform:
                return ("county", county.code)
            return None
        if kind == ClaimantType.MUNICIPALITY:
            municipality = self.municipality(code) if code else None
            return ("municipality", municipality.code) if municipality else None
        return None

    def claimant_named(self, name: str | None) -> Identity | None:
        """The claimant a name names, when it is a county's, the City of Helsinki's or a
        municipality's own name in any of the three languages (``Österbottens välfärdsområde``
        is ``("county", "17")``); None for any other name (``Vantaan kaupunki``, ÅHS's)."""
        if not name:
            return None
        county = self.county(name)
        if county is not None:
            if county.helsinki:
                return ("municipality", HELSINKI)
            return None if county.outside_reform else ("county", county.code)
        municipality = self.municipality(name)
        return ("municipality", municipality.code) if municipality is not None else None

    def helsinki_code(self, code: str) -> bool:
        """True for a code the City of Helsinki may give: its municipality code 091 (``91``)
        or its code 90 in the county classification (``HVA90``). Not ``090``: that is
        Heinävesi."""
        text = normalize_label(code).replace(" ", "")
        return text in {"091", "91", "90", "hva90"}

    def region(self, identity: Identity | None) -> str | None:
        """The county whose regional authorities serve *identity*'s claims."""
        if identity is None:
            return None
        kind, code = identity
        if kind in {"county", ALAND_SOCIAL}:
            return code
        municipality = self.municipalities.get(code)
        return municipality.county if municipality else None

    def regional_authority(self, county: str | None, day: date) -> Authority | None:
        """The deciding authority of *county* on *day*: its elinvoimakeskus from 2026, its ELY
        Centre before (whichever is in operation)."""
        entry = self.counties.get(county or "")
        if entry is None:
            return None
        for code in (entry.elinvoimakeskus, entry.ely_centre):
            authority = self.authorities.get(code)
            if authority is not None and authority.operates_on(day):
                return authority
        return None

    def payer(self, day: date) -> Authority | None:
        """The authority that pays on a decision (KEHA-keskus)."""
        return next((a for a in self.authorities.values()
                     if a.kind == "payer" and a.operates_on(day)), None)

    def default_recipient(self, purpose: str | None, county: str | None,
                          day: date) -> Authority | None:
        """Where a claim goes when it names no recipient: a payment claim to the payer, a
        decision application to the claimant's regional authority on *day*."""
        if purpose == Purpose.PAYMENT_CLAIM:
            return self.payer(day)
        return self.regional_authority(county, day)

    def organisers(self, home: Municipality, category: str, day: date) -> set[Identity]:
        """Who may claim a cost of *category* for a client living in *home* on *day*.

        Before the social and health care reform, the home municipality. From it, health and
        social care is the county's (or Helsinki's), other costs the county's or the
        municipality's. On Åland, outside the reform, the municipality; ÅHS too for health care
        from the reform date; KST too for social welfare from 2021-01-01, when it took over the
        municipalities' social services except child day care and elderly care (which the
        municipality still claims: the category cannot tell them apart).
        """
        municipality: Identity = ("municipality", home.code)
        county = self.counties.get(home.county)
        reform = self.parameter("rules", "reform_date")
        if county is not None and county.outside_reform:
            allowed = {municipality}
            if category == Category.HEALTH and day >= reform:
                allowed.add(("county", county.code))
            if category == Category.SOCIAL and day >= self.parameter("rules", "aland_kst_from"):
                allowed.add((ALAND_SOCIAL, county.code))
            return allowed
        if day < reform or county is None:
            return {municipality}
        organiser: Identity = (("municipality", HELSINKI) if county.helsinki
                               else ("county", county.code))
        if category in {Category.HEALTH, Category.SOCIAL}:
            return {organiser}
        return {municipality, organiser}


def _is_municipality_code(code: str) -> bool:
    text = code.strip()
    return text.isdigit() and len(text) == 3


def _load(name: str) -> dict[str, Any]:
    return load_data(name)


def _vat_table(data: Mapping[str, Any]) -> _VatTable:
    periods = tuple(
        (entry["valid_from"], entry.get("valid_until"),
         {name: Decimal(entry[name]) for name in ("general", "reduced", "lowest")})
        for entry in data["period"]
    )
    supplies = tuple((entry["name"], entry["rate"], entry.get("valid_from"),
                      entry.get("valid_until")) for entry in data["supply"])
    supply_types = {
        code: SupplyType(code=code, fi=entry["fi"], sv=entry["sv"], en=entry["en"],
                         names=tuple(entry.get("names", ())), words=tuple(entry.get("words", ())))
        for code, entry in data["supply_type"].items()
    }
    suggestions = _word_beginnings(supply_types)
    return _VatTable(periods, supplies,
                     {code: tuple(names) for code, names in data["category"].items()},
                     supply_types, suggestions)


@cache
def reference_data() -> ReferenceData:
    """Load the reference data shipped with elyclaims (once per process)."""
    files = {name: _load(f"{name}.toml") for name in (
        "municipalities", "counties", "categories", "authorities", "vat", "regimes",
        "parameters")}
    municipalities = {
        code: Municipality(code=code, fi=entry["fi"], sv=entry["sv"], county=entry["county"],
                           valid_from=entry.get("valid_from"),
                           valid_until=entry.get("valid_until"),
                           successor=entry.get("successor"), also=tuple(entry.get("also", ())))
        for code, entry in files["municipalities"]["municipality"].items()
    }
    counties = {
        code: County(code=code, fi=entry["fi"], sv=entry["sv"], en=entry["en"],
                     ely_centre=entry["ely_centre"], elinvoimakeskus=entry["elinvoimakeskus"],
                     helsinki=entry.get("helsinki", False),
                     outside_reform=entry.get("outside_reform", False))
        for code, entry in files["counties"]["county"].items()
    }
    categories = {
        code: CategoryNames(code=code, fi=entry["fi"], sv=entry["sv"], en=entry["en"],
                            also=tuple(entry.get("also", ())))
        for code, entry in files["categories"]["category"].items()
    }
    authorities = {
        code: Authority(
            code=code, kind=entry["kind"], fi=entry["fi"], sv=entry["sv"], en=entry["en"],
            valid_from=entry.get("valid_from"), valid_until=entry.get("valid_until"),
            successor=entry.get("successor"), successors=dict(entry.get("successors", {})),
            aliases=tuple(entry.get("aliases", ())), short=entry.get("short"),
        )
        for code, entry in files["authorities"]["authority"].items()
    }
    regimes = tuple(
        Regime(code=code, valid_from=entry["valid_from"], valid_until=entry.get("valid_until"),
               text={lang: entry[lang] for lang in LANGUAGES},
               short=entry.get("short", ""), source=entry.get("source", ""),
               section_verified=bool(entry.get("section_verified", False)))
        for code, entry in files["regimes"]["regime"].items()
    )
    return ReferenceData(
        municipalities=municipalities, counties=counties, categories=categories,
        authorities=authorities, vat=_vat_table(files["vat"]), regimes=regimes,
        parameters=files["parameters"],
        sources={name: data["meta"]["source"] for name, data in files.items()},
    )
