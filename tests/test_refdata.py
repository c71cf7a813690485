"""The reference data is complete and consistent with itself."""

from __future__ import annotations

import csv
import os
import re
import sys
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from elyclaims.refdata import reference_data


def test_every_municipality_belongs_to_a_known_county() -> None:
    """Each municipality maps to exactly one county of the classification."""
    data = reference_data()
    assert len(data.municipalities) >= 308
    for municipality in data.municipalities.values():
        assert municipality.county in data.counties, municipality
        assert len(municipality.code) == 3
        assert municipality.code.isdigit()


def test_counties_and_helsinki() -> None:
    """21 counties, Helsinki as 90 and Åland outside the reform as 91."""
    data = reference_data()
    regular = [c for c in data.counties.values() if not c.helsinki and not c.outside_reform]
    assert len(regular) == 21
    assert data.municipality("091").county == "90"
    assert data.counties["90"].helsinki
    assert data.municipality("Maarianhamina").county == "91"
    assert data.municipality("Vanda").county == data.municipality("Kervo").county == "04"
    assert data.county("HVA04") == data.county("4") == data.county("04")


def test_authorities_and_successors() -> None:
    """ELY Centres end on 2025-12-31, each with an elinvoimakeskus successor from 2026-01-01;
    the Häme centre's tasks went to two successors by county."""
    data = reference_data()
    ely = [a for a in data.authorities.values() if a.kind == "ely-centre"]
    centres = [a for a in data.authorities.values() if a.kind == "elinvoimakeskus"]
    assert len(ely) == 15
    assert sorted(a.code for a in centres) == sorted(f"evk-{n}" for n in range(1, 11))
    for authority in ely:
        assert authority.valid_until == date(2025, 12, 31)
        region = [code for code, county in data.counties.items()
                  if county.ely_centre == authority.code]
        assert region, authority.code
        for county in region:
            successor = data.authorities[authority.successor_for(county) or ""]
            assert successor.operates_on(date(2026, 1, 1))
            assert successor.code == data.counties[county].elinvoimakeskus
        assert not authority.operates_on(date(2026, 1, 1))
    hame = data.authority("Hämeen ELY-keskus")
    assert hame is not None
    assert (hame.successor_for("07"), hame.successor_for("09")) == ("evk-4", "evk-3")


def test_both_swedish_forms_and_the_old_codes_name_a_centre() -> None:
    """Statistics Finland's "Österbottens livskraftscentral", the "Livskraftscentralen i
    Österbotten" form and elyclaims' earlier code EVK-POH are one centre (code evk-8)."""
    data = reference_data()
    names = ("Österbottens livskraftscentral", "livskraftscentralen i österbotten", "EVK-POH",
             "evk-8", "Pohjanmaan elinvoimakeskus", "Ostrobothnia Economic Development Centre")
    assert {data.authority(name).code for name in names} == {"evk-8"}  # type: ignore[union-attr]
    keha = {data.authority(name).code for name in (  # type: ignore[union-attr]
        "KEHA-keskus", "Työllisyys-, kehittämis- ja hallintokeskus",
        "Sysselsättnings-, utvecklings- och förvaltningscentret",
        "Development and Administrative Services Centre", "KEHA")}
    assert keha == {"keha"}


def test_default_recipient_by_purpose_region_and_date() -> None:
    """A decision application goes to the region's ELY Centre until 2025 and its
    elinvoimakeskus from 2026; a payment claim to KEHA-keskus."""
    data = reference_data()
    assert data.default_recipient("decision-application", "09", date(2025, 6, 1)).code == "ely-04"
    assert data.default_recipient("decision-application", "09", date(2026, 6, 1)).code == "evk-3"
    assert data.default_recipient("decision-application", "07", date(2026, 6, 1)).code == "evk-4"
    assert data.default_recipient("decision-application", "90", date(2026, 6, 1)).code == "evk-1"
    assert data.default_recipient("decision-application", "91", date(2026, 6, 1)).code == "evk-2"
    assert data.default_recipient("payment-claim", "04", date(2026, 6, 1)).code == "keha"


def test_vat_rates_by_date_and_category() -> None:
    """The general rate rose to 25.5 % on 2024-09-01; accommodation moved from 10 % to 14 % in
    2025 and took 13.5 % in 2026; interpretation is always at the general rate."""
    data = reference_data()

    def rates(category: str, day: date) -> list[Decimal]:
        return [rate.percent for rate in data.vat_rates_for(category, day)]

    assert rates("INTERPRET", date(2024, 8, 31)) == [Decimal("24")]
    assert rates("INTERPRET", date(2024, 9, 1)) == [Decimal("25.5")]
    assert rates("SAFETY", date(2024, 12, 31)) == [Decimal("25.5"), Decimal("10")]
    assert rates("SAFETY", date(2025, 12, 31)) == [Decimal("25.5"), Decimal("14")]
    assert rates("SAFETY", date(2026, 1, 1)) == [Decimal("25.5"), Decimal("13.5")]
    assert rates("HEALTH", date(2026, 1, 1)) == [Decimal("25.5"), Decimal("13.5")]
    assert rates("OTHER", date(2026, 1, 1)) == [Decimal("25.5"), Decimal("13.5"), Decimal("10")]


def test_legal_basis_by_service_date() -> None:
    """The regimes as the sources give them (regimes.toml names each): Council of State
    Decision 512/1999 §§ 14 a-14 b, which Decree 1458/2006 added, from 2007-01-01 (HE 183/2006)
    until 2011-08-31; 1386/2010 § 53 alone until 2024 (the decrees 571/2011 and 1393/2011 set
    other compensations); 681/2023 from 2025 with no section, since none is verified."""
    data = reference_data()
    assert data.regime_on(date(2006, 12, 31)) is None
    first = data.regime_on(date(2007, 1, 1))
    assert first is not None
    assert first.code == "INT-1999"
    assert "512/1999 14 a-14 b §" in first.text["fi"]
    assert "1458/2006" in first.text["fi"]
    assert data.regime_on(date(2011, 8, 31)) is first
    later = data.regime_on(date(2011, 9, 1))
    assert later is not None
    assert later.text["fi"] == "Laki kotoutumisen edistämisestä 1386/2010 53 §"
    assert data.regime_on(date(2024, 12, 31)) is later
    now = data.regime_on(date(2025, 1, 1))
    assert now is not None
    assert now.code == "INT-2023"
    assert not now.section_verified
    for lang in ("fi", "sv", "en"):
        assert "681/2023" in now.text[lang]
        assert not re.search(r"\d+ ?§|s\. \d", now.text[lang])  # no section as fact
    for regime in data.regimes:
        assert regime.source.startswith("https://www.finlex.fi/")
        assert not regime.configured


def test_a_citation_set_in_the_config_replaces_the_reference_datas() -> None:
    """[legal_basis.CODE] replaces one regime's citation (sv and en default to fi), marks it as
    set in the config, and leaves the others; an unknown code is refused."""
    data = reference_data()
    cited = data.cited({"INT-2023": {"fi": "Laki 681/2023 70 §", "sv": None, "en": None}})
    regime = cited.regime_on(date(2026, 1, 1))
    assert regime is not None
    assert regime.configured
    assert dict(regime.text) == dict.fromkeys(("fi", "sv", "en"), "Laki 681/2023 70 §")
    assert cited.regime_on(date(2020, 1, 1)) == data.regime_on(date(2020, 1, 1))
    assert data.regime_on(date(2026, 1, 1)).configured is False  # type: ignore[union-attr]
    with pytest.raises(KeyError):
        data.cited({"INT-2099": {"fi": "x"}})


def test_a_merged_municipality_exists_until_its_merger() -> None:
    """Pertunmaa (588) existed until 2024-12-31 and merged into Mäntyharju (507)."""
    pertunmaa = reference_data().municipality("588")
    assert pertunmaa is not None
    assert pertunmaa.exists_on(date(2024, 12, 31))
    assert not pertunmaa.exists_on(date(2025, 1, 1))
    assert pertunmaa.successor == "507"


def test_helsinki_is_never_heinavesi() -> None:
    """The City of Helsinki may give 091, 91, 90 or HVA90, never 090 (Heinävesi)."""
    data = reference_data()
    assert all(data.helsinki_code(code) for code in ("091", "91", "90", "HVA90"))
    assert not data.helsinki_code("090")
    assert data.municipality("090").fi == "Heinävesi"  # type: ignore[union-attr]


MUNICIPALITY_CODES = sorted(reference_data().municipalities)


@given(st.sampled_from(MUNICIPALITY_CODES))
def test_municipality_found_by_any_written_form(code: str) -> None:
    """A municipality is found by its code with or without zeros, and by either name in any
    case."""
    data = reference_data()
    municipality = data.municipalities[code]
    for written in (code, str(int(code)), municipality.fi.upper(), f" {municipality.sv.lower()} "):
        assert data.municipality(written) == municipality


@given(st.integers(0, 999).map(lambda n: f"{n:03d}").filter(lambda c: c not in MUNICIPALITY_CODES))
def test_unknown_municipality_codes(code: str) -> None:
    """A three-digit code outside the classification is not a municipality."""
    assert reference_data().municipality(code) is None


@given(st.integers(1, 21), st.sampled_from(["{:02d}", "{}", "HVA{:02d}", "hva {:02d}"]))
def test_county_found_by_any_written_form(number: int, form: str) -> None:
    """Counties 1-21 are found as 04, 4, HVA04 or hva 04; names find the same county."""
    county = reference_data().county(form.format(number))
    assert county is not None
    assert county.code == f"{number:02d}"
    assert reference_data().county(county.sv) == county


@given(st.integers(22, 89))
def test_unknown_county_codes(number: int) -> None:
    """Two-digit codes between the counties and Helsinki are not counties."""
    assert reference_data().county(f"{number:02d}") is None


# --------------------------------------------------- against Statistics Finland's files

CLASSIFICATIONS = Path(__file__).parent / "classifications"


def _classification(year: int) -> list[dict[str, str]]:
    with (CLASSIFICATIONS / f"municipalities-{year}.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_shipped_data_match_the_classification_of_the_year(year: int) -> None:
    """The municipalities in existence on 1 January of each year are exactly Statistics
    Finland's list of that year (309, then 308), with its names and counties, and from 2026 its
    elinvoimakeskus; the counties have its names."""
    data = reference_data()
    rows = _classification(year)
    day = date(year, 1, 1)
    existing = {code for code, m in data.municipalities.items() if m.exists_on(day)}
    assert existing == {row["code"] for row in rows}
    assert len(existing) == {2024: 309, 2025: 308, 2026: 308}[year]
    for row in rows:
        municipality = data.municipalities[row["code"]]
        assert (municipality.fi, municipality.sv, municipality.county) == (
            row["name_fi"], row["name_sv"], row["county_code"])
        county = data.counties[row["county_code"]]
        assert (county.fi, county.sv, county.en) == (row["county_fi"], row["county_sv"],
                                                     row["county_en"])
        if "evk_code" in row:
            centre = data.authorities[county.elinvoimakeskus]
            assert centre.code == f"evk-{row['evk_code']}"
            assert (centre.fi, centre.sv, centre.en) == (row["evk_fi"], row["evk_sv"],
                                                         row["evk_en"])


def test_the_generator_reproduces_the_shipped_files() -> None:
    """Running tests/classifications/make_reference_data.py on the checked-in classifications
    gives exactly the shipped municipality and county files (no hand edits)."""
    sys.path.insert(0, str(CLASSIFICATIONS))
    try:
        import make_reference_data
    finally:
        sys.path.remove(str(CLASSIFICATIONS))
    years = make_reference_data._years()
    data_dir = Path(resources.files("elyclaims").joinpath("data"))  # type: ignore[arg-type]
    assert make_reference_data.municipalities_toml(years) == (
        data_dir / "municipalities.toml").read_text(encoding="utf-8")
    assert make_reference_data.counties_toml(years) == (
        data_dir / "counties.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(("written", "supply"), [
    ("Kela-taksi vastaanotolle", "transport"), ("TAKSILLA kotiin", "transport"),
    ("Taxi to the clinic", "transport"), ("Buss till mottagningen", "transport"),
    ("Hotelli 2 yötä", "accommodation"), ("Inkvartering", "accommodation"),
    ("Yöpyminen", "accommodation"), ("Lounas", "meals"), ("Måltider", "meals"),
    ("Lääkkeet apteekista", "medicines"), ("Läkemedel", "medicines"),
    # Near misses: a doctor, medical treatment, a cooperation, two supplies in one line.
    ("Lääkärin vastaanotto", None), ("Medicinsk behandling", None), ("Läkarbesök", None),
    ("Yhteistyöpalaveri", None), ("Psykoterapia", None), ("Taksilla hotelliin", None),
    ("Tulkkaus 2 h", None), ("", None),
])
def test_what_a_description_suggests_was_bought(written: str, supply: str | None) -> None:
    """vat.toml's supply words (vero.fi's reduced-rate supplies: passenger transport,
    accommodation, restaurant and meal services, medicines) suggest a supply from a word's
    beginning, in any case and language; a description suggesting two suggests none."""
    found = reference_data().supply_suggested(written)
    assert (found.code if found else None) == supply


def test_a_supply_type_cell_names_a_supply_in_any_language() -> None:
    """The supply-type column takes the names, in any case, and the words as a description."""
    data = reference_data()
    for written, code in (("Majoitus", "accommodation"), ("persontransport", "transport"),
                          ("MEALS", "meals"), ("muu palvelu", "general"),
                          ("annan tjänst eller vara", "general"), ("taksi", "transport")):
        found = data.supply_type(written)
        assert found is not None
        assert found.code == code, written
    assert data.supply_type("jotain muuta") is None


# ------------------------------------------------------------------ parsed data kept


def test_every_shipped_data_file_reads_as_its_toml() -> None:
    """The rule catalogue and the reference data read from the parsed copies kept beside them
    are what parsing each TOML file gives, value for value (dates, decimals as text, lists)."""
    import tomllib

    from elyclaims.datafiles import load_data

    folder = resources.files("elyclaims").joinpath("data")
    names = sorted(item.name for item in folder.iterdir() if item.name.endswith(".toml"))
    assert "rules.toml" in names
    assert "municipalities.toml" in names
    for name in names:
        expected = tomllib.loads(folder.joinpath(name).read_text(encoding="utf-8"))
        assert load_data(name) == expected, name
        assert load_data(name) == expected, name  # the second time from the copy


def test_a_changed_data_file_is_parsed_again(tmp_path: Path) -> None:
    """The copy is named by the file's bytes: a changed file is parsed again (never its old
    copy read) and its old copy goes; a damaged copy is parsed around; a folder where no copy
    can be kept only costs the parse; where Python writes no bytecode, no copy is written."""
    before = sys.dont_write_bytecode  # the machine's setting, whatever it is, restored after
    try:
        _changed_data_file(tmp_path)
    finally:
        sys.dont_write_bytecode = before


def _changed_data_file(tmp_path: Path) -> None:
    from elyclaims.datafiles import parsed_toml

    source = tmp_path / "rates.toml"
    source.write_text('rate = "25.5"\nfrom = 2024-09-01\n', encoding="utf-8")
    sys.dont_write_bytecode = True
    assert parsed_toml(source) == {"rate": "25.5", "from": date(2024, 9, 1)}
    assert not (tmp_path / "__pycache__").exists()
    sys.dont_write_bytecode = False
    assert parsed_toml(source) == {"rate": "25.5", "from": date(2024, 9, 1)}
    copies = list((tmp_path / "__pycache__").glob("rates.toml.*.pickle"))
    assert len(copies) == 1
    assert parsed_toml(source) == {"rate": "25.5", "from": date(2024, 9, 1)}
    source.write_text('rate = "24"\nfrom = 2013-01-01\n', encoding="utf-8")
    assert parsed_toml(source) == {"rate": "24", "from": date(2013, 1, 1)}
    now = list((tmp_path / "__pycache__").glob("rates.toml.*.pickle"))
    assert len(now) == 1
    assert now != copies
    now[0].write_bytes(b"\x80\x05damaged")
    assert parsed_toml(source) == {"rate": "24", "from": date(2013, 1, 1)}
    assert parsed_toml(source) == {"rate": "24", "from": date(2013, 1, 1)}
    elsewhere = tmp_path / "read-only"
    elsewhere.mkdir()
    (elsewhere / "__pycache__").write_text("a file where the folder would be", encoding="utf-8")
    (elsewhere / "rates.toml").write_text('rate = "14"\n', encoding="utf-8")
    assert parsed_toml(elsewhere / "rates.toml") == {"rate": "14"}
    assert sorted(item.name for item in elsewhere.iterdir()) == ["__pycache__", "rates.toml"]


def test_a_damaged_compiled_catalogue_is_compiled_again() -> None:
    """The Finnish catalogue compiled once is kept beside its .po file; a copy found damaged
    (here: overwritten with nonsense) is compiled again and replaced, and the translation is
    the same, in a fresh process, without a traceback."""
    import subprocess

    from elyclaims.datafiles import PACKAGE

    script = ("from elyclaims.i18n import translator; "
              "print(translator('fi')('{file}: not valid TOML: {reason}'))")
    env = {name: value for name, value in os.environ.items()
           if name != "PYTHONDONTWRITEBYTECODE"}
    first = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           check=True, env=env)
    assert "TOML-muotoa" in first.stdout
    copies = list((PACKAGE / "locale" / "__pycache__").glob("fi.po.*.mo"))
    assert len(copies) == 1
    for damage in (b"\xde\x12\x04\x95 not a catalogue", b"\xde\x12\x04\x95\0\0"):
        copies[0].write_bytes(damage)  # a wrong version; a copy cut short
        again = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                               check=False, env=env)
        assert (again.returncode, again.stdout, again.stderr) == (0, first.stdout, "")
    assert copies[0].read_bytes()[:4] == b"\xde\x12\x04\x95"
    assert len(copies[0].read_bytes()) > 1000
