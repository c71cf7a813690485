"""The words elyclaims recognises in a workbook, in Finnish, Swedish and English.

Sheet names, column headers, claim-sheet keys, totals labels and the values of code columns
(categories, claimant types, purposes, yes/no). Matching ignores case, accents, surrounding
white space and a trailing ``(€)``, ``€``, ``*`` or ``:``.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

__all__ = [
    "CLAIMANT_TYPE_NAMES",
    "CLAIM_FIELDS",
    "CLIENT_FIELDS",
    "EXPENSE_FIELDS",
    "PURPOSE_NAMES",
    "SHEET_NAMES",
    "SHEET_TITLES",
    "TEMPLATE_STAMP",
    "TEMPLATE_VERSION",
    "TOTALS_WORDS",
    "Category",
    "ClaimantType",
    "FieldSpec",
    "Kind",
    "Purpose",
    "Role",
    "Severity",
    "fold_key",
    "match_key",
    "normalize_label",
    "starts_with_totals_word",
]

_TRAILING_NOISE = re.compile(r"(\s*(\(\s*(€|eur)\s*\)|€|\*|:))+$")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2007]+")
_NOISE_ENDS = frozenset(")*:")  # how an ASCII text with trailing noise ends


@lru_cache(maxsize=16_384)
def normalize_label(text: str) -> str:
    """Fold a header, key or sheet name for matching: ``Veroton summa (€)*`` -> ``veroton summa``."""
    return _normalize(text)


def _normalize(text: str) -> str:
    if text.isascii():
        # Nothing to decompose and casefold is lower: the same result, several times faster.
        folded = " ".join(text.lower().split())
        return _TRAILING_NOISE.sub("", folded).strip() if folded[-1:] in _NOISE_ENDS else folded
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = _SPACES.sub(" ", stripped.casefold()).strip()
    return _TRAILING_NOISE.sub("", folded).strip()


@lru_cache(maxsize=16_384)
def match_key(text: str) -> str:
    """How words of a workbook compare: case, accents and every kind of white space (spaces,
    no-break spaces, tabs, line breaks) left out, a trailing ``(€)``, ``€``, ``*`` or ``:`` too.

    ``Palvelu päivä``, ``Palvelupäivä`` and ``PALVELUPÄIVÄ*`` are one header; ``Sosiaali
    palvelut`` and ``sosiaalipalvelut`` one category.
    """
    return normalize_label(text).replace(" ", "")


def fold_key(text: str) -> str:
    """:func:`match_key` without its cache, for texts that hardly repeat (invoice numbers):
    a cache that every text misses costs more than the folding."""
    return _normalize(text).replace(" ", "")


class Severity(enum.Enum):
    """How much a finding matters: errors block a package, warnings travel in it."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for errors, 1 for warnings, 2 for infos (most severe first)."""
        return ("error", "warning", "info").index(self.value)


class Category(enum.StrEnum):
    """Reimbursable cost categories (1386/2010 § 53; 681/2023, its provisions on State
    compensation)."""

    HEALTH = "HEALTH"
    SOCIAL = "SOCIAL"
    INTERPRET = "INTERPRET"
    SAFETY = "SAFETY"
    OTHER = "OTHER"


class ClaimantType(enum.StrEnum):
    """Who claims: a wellbeing services county, the City of Helsinki, a municipality, or on
    Åland its health care authority (ÅHS, for health care) or its municipalities' joint
    social services (KST, for social welfare from 2021-01-01)."""

    WELLBEING_SERVICES_COUNTY = "wellbeing-services-county"
    CITY_OF_HELSINKI = "city-of-helsinki"
    MUNICIPALITY = "municipality"
    ALAND_HEALTH_CARE = "aland-health-care"
    ALAND_SOCIAL_SERVICES = "aland-social-services"


class Purpose(enum.StrEnum):
    """What the package asks for: a decision, or payment on a decision."""

    DECISION_APPLICATION = "decision-application"
    PAYMENT_CLAIM = "payment-claim"


#: The words a workbook, a dropdown and a report use for each claimant type and purpose, by
#: language (each is also read back as that type or purpose).
CLAIMANT_TYPE_NAMES: dict[ClaimantType, dict[str, str]] = {
    ClaimantType.WELLBEING_SERVICES_COUNTY: {"fi": "hyvinvointialue", "sv": "välfärdsområde",
                                             "en": "wellbeing services county"},
    ClaimantType.CITY_OF_HELSINKI: {"fi": "Helsingin kaupunki", "sv": "Helsingfors stad",
                                    "en": "City of Helsinki"},
    ClaimantType.MUNICIPALITY: {"fi": "kunta", "sv": "kommun", "en": "municipality"},
    ClaimantType.ALAND_HEALTH_CARE: {"fi": "ÅHS", "sv": "ÅHS", "en": "ÅHS"},
    ClaimantType.ALAND_SOCIAL_SERVICES: {"fi": "KST", "sv": "KST", "en": "KST"},
}
PURPOSE_NAMES: dict[Purpose, dict[str, str]] = {
    Purpose.DECISION_APPLICATION: {"fi": "päätöshakemus", "sv": "beslutsansökan",
                                   "en": "decision application"},
    Purpose.PAYMENT_CLAIM: {"fi": "maksatushakemus", "sv": "utbetalningsansökan",
                            "en": "payment claim"},
}


class Role(enum.Enum):
    """What a sheet (or CSV file) holds."""

    CLAIM = "claim"
    CLIENTS = "clients"
    EXPENSES = "expenses"


class Kind(enum.Enum):
    """How a column's cells are read."""

    TEXT = "text"
    DATE = "date"
    MONEY = "money"
    YEAR = "year"
    YES_NO = "yes_no"
    YES_NO_DATE = "yes_no_date"
    CODE = "code"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One column (or claim key): its field name, accepted labels, kind and whether required.

    The first three labels are the Finnish, Swedish and English names the spec gives; any
    further ones are aliases met in real workbooks and ERP exports.
    """

    name: str
    labels: tuple[str, ...]
    kind: Kind = Kind.TEXT
    required: bool = False

    @property
    def accepted(self) -> str:
        """The Finnish, Swedish and English labels, for messages: ``Kulut / Kostnader / Expenses``."""
        return " / ".join(self.labels[:3])


#: The version of the layout ``elyclaims template`` writes, and the workbook-level defined name
#: that carries it (hidden); a workbook made from an older version is WB-014.
TEMPLATE_VERSION = 2  # 2: the supply-type column (Hyödyke), 2026-12
TEMPLATE_STAMP = "ElyclaimsTemplateVersion"

#: Each sheet's name in Finnish, Swedish and English: what the template writes and what a
#: message names.
SHEET_TITLES: dict[Role, dict[str, str]] = {
    Role.CLAIM: {"fi": "Hakemus", "sv": "Ansökan", "en": "Claim"},
    Role.CLIENTS: {"fi": "Asiakkaat", "sv": "Klienter", "en": "Clients"},
    Role.EXPENSES: {"fi": "Kulut", "sv": "Kostnader", "en": "Expenses"},
}
#: Every sheet name that is read as the sheet of its role.
SHEET_NAMES: dict[Role, tuple[str, ...]] = {
    Role.CLAIM: ("Hakemus", "Ansökan", "Claim"),
    Role.CLIENTS: ("Asiakkaat", "Klienter", "Clients"),
    Role.EXPENSES: ("Kulut", "Kustannukset", "Kostnader", "Expenses", "Costs"),
}


# A totals or subtotal row starts with one of these (folded), followed by anything:
# "Yhteensä heinäkuu", "Yht.", "Välisumma 1-6/2026", "Delsumma", "Grand total".
TOTALS_WORDS: tuple[str, ...] = tuple(sorted(
    {normalize_label(word) for word in (
        "Yhteensä", "Yht", "Kaikki yhteensä", "Kuukausi yhteensä", "Välisumma", "Loppusumma",
        "Kokonaissumma", "Summa", "Totalt", "Delsumma", "Sammanlagt", "Totalsumma", "Summa totalt",
        "Total", "Totals", "Subtotal", "Sub-total", "Sub total", "Grand total", "Sum",
    )}, key=len, reverse=True))


def starts_with_totals_word(text: str) -> bool:
    """True when *text* begins with a totals word as a whole word (``Yht.`` and ``Yhteensä
    heinäkuu`` do, ``Yhteistyö`` does not)."""
    folded = normalize_label(text)
    for word in TOTALS_WORDS:
        if folded.startswith(word) and (len(folded) == len(word)
                                         or not folded[len(word)].isalnum()):
            return True
    return False


CLAIM_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("claimant_name", ("Hakija", "Sökande", "Claimant", "Hakijan nimi", "Claimant name")),
    FieldSpec("business_id", ("Y-tunnus", "FO-nummer", "Business ID", "Ytunnus", "FO nummer")),
    FieldSpec("claimant_type", ("Hakijatyyppi", "Sökandetyp", "Claimant type")),
    FieldSpec(
        "claimant_code",
        ("Kuntanumero tai hyvinvointialue", "Kommun- eller välfärdsområdeskod",
         "Municipality or county code", "Kuntanumero", "Hyvinvointialue", "Kommunkod",
         "Municipality code", "County code"),
        Kind.CODE,
    ),
    FieldSpec("period_start", ("Kausi alkaa", "Perioden börjar", "Period start"), Kind.DATE),
    FieldSpec("period_end", ("Kausi päättyy", "Perioden slutar", "Period end"), Kind.DATE),
    FieldSpec("purpose", ("Tarkoitus", "Syfte", "Purpose")),
    FieldSpec(
        "decision_reference",
        ("Päätöksen numero", "Beslutets nummer", "Decision reference", "Päätösnumero",
         "Diaarinumero", "Decision number"),
    ),
    FieldSpec("decision_date", ("Päätöspäivä", "Beslutsdatum", "Decision date"), Kind.DATE),
    FieldSpec(
        "recipient",
        ("Vastaanottaja", "Mottagare", "Recipient authority", "Recipient", "Viranomainen",
         "Myndighet", "Authority"),
    ),
    FieldSpec("iban", ("Tilinumero", "Kontonummer", "Account number", "IBAN")),
    FieldSpec("bic", ("BIC-koodi", "BIC-kod", "BIC code", "BIC", "SWIFT")),
    FieldSpec("contact_person", ("Yhteyshenkilö", "Kontaktperson", "Contact person")),
    FieldSpec("email", ("Sähköposti", "E-post", "Email", "E-mail")),
    FieldSpec("phone", ("Puhelin", "Telefon", "Phone", "Puhelinnumero", "Telephone")),
)

CLIENT_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "client_reference",
        ("Asiakastunnus", "Klientnummer", "Client reference", "Asiakasnumero", "Client ID"),
        required=True,
    ),
    FieldSpec(
        "admission_date",
        ("Auttamisjärjestelmään ottopäivä", "Intagningsdatum", "NAS admission date",
         "Ottopäivä", "Admission date"),
        Kind.DATE,
        required=True,
    ),
    FieldSpec(
        "removal_date",
        ("Poistopäivä", "Avförd datum", "NAS removal date", "Removal date"),
        Kind.DATE,
    ),
    FieldSpec(
        "home_municipality",
        ("Kotikunta", "Hemkommun", "Home municipality", "Kotikunnan numero"),
        Kind.CODE,
        required=True,
    ),
    FieldSpec(
        "home_municipality_since",
        ("Kotikunta alkaen", "Hemkommun från", "Home municipality since"),
        Kind.DATE,
    ),
    FieldSpec("birth_year", ("Syntymävuosi", "Födelseår", "Birth year"), Kind.YEAR),
    FieldSpec(
        "unaccompanied",
        ("Ilman huoltajaa", "Utan vårdnadshavare", "Unaccompanied", "Ilman huoltajaa tullut"),
        Kind.YES_NO,
    ),
    FieldSpec(
        "asylum_seeker",
        ("Turvapaikanhakija", "Asylsökande", "Asylum seeker"),
        Kind.YES_NO_DATE,
    ),
)

EXPENSE_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "service_date",
        ("Palvelupäivä", "Datum", "Service date", "Päivämäärä", "Date", "Tjänstedatum"),
        Kind.DATE,
        required=True,
    ),
    FieldSpec(
        "client_reference",
        ("Asiakastunnus", "Klientnummer", "Client reference", "Asiakasnumero", "Client ID"),
        required=True,
    ),
    FieldSpec(
        "category",
        ("Kululaji", "Kostnadsslag", "Category", "Kustannuslaji"),
        required=True,
    ),
    FieldSpec("description", ("Kuvaus", "Beskrivning", "Description", "Selite"), required=True),
    FieldSpec("justification", ("Perustelu", "Motivering", "Justification")),
    FieldSpec("provider", ("Palveluntuottaja", "Tjänsteproducent", "Provider", "Toimittaja")),
    FieldSpec(
        "provider_business_id",
        ("Palveluntuottajan Y-tunnus", "Producentens FO-nummer", "Provider business ID",
         "Toimittajan Y-tunnus"),
    ),
    FieldSpec("invoice_number", ("Laskun numero", "Fakturanummer", "Invoice number", "Laskunumero")),
    FieldSpec(
        "invoice_date",
        ("Laskun päivämäärä", "Fakturadatum", "Invoice date", "Laskupäivä"),
        Kind.DATE,
    ),
    FieldSpec(
        "net_amount",
        ("Veroton summa", "Belopp utan moms", "Net amount", "Veroton", "Netto", "Net"),
        Kind.MONEY,
        required=True,
    ),
    FieldSpec("supply_type", ("Hyödyke", "Nyttighet", "Supply type", "Hyödykelaji",
                              "Nyttighetstyp", "Supply")),
    FieldSpec("vat_amount", ("ALV", "Moms", "VAT", "Arvonlisävero", "ALV-osuus"), Kind.MONEY),
    FieldSpec(
        "gross_amount",
        ("Verollinen summa", "Belopp med moms", "Gross amount", "Verollinen", "Brutto", "Gross"),
        Kind.MONEY,
    ),
    FieldSpec(
        "credited_invoice",
        ("Hyvitettävä lasku", "Krediterad faktura", "Credited invoice"),
    ),
    FieldSpec("attachment", ("Liite", "Bilaga", "Attachment")),
    FieldSpec("acknowledged", ("Kuitattu", "Kvitterad", "Acknowledged")),
)

FIELDS_BY_ROLE: dict[Role, tuple[FieldSpec, ...]] = {
    Role.CLAIM: CLAIM_FIELDS,
    Role.CLIENTS: CLIENT_FIELDS,
    Role.EXPENSES: EXPENSE_FIELDS,
}


@cache
def label_index(role: Role) -> dict[str, FieldSpec]:
    """Every folded label of *role* mapped to its field."""
    return {match_key(label): spec for spec in FIELDS_BY_ROLE[role] for label in spec.labels}


@cache
def sheet_name_index() -> dict[str, Role]:
    """Every folded accepted sheet name mapped to its role."""
    return {match_key(name): role for role, names in SHEET_NAMES.items() for name in names}


def field_spec(role: Role, name: str) -> FieldSpec:
    """The field *name* of *role* (raises ``KeyError`` for an unknown name)."""
    for spec in FIELDS_BY_ROLE[role]:
        if spec.name == name:
            return spec
    raise KeyError(name)
