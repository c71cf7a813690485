"""The reference data is complete and consistent with itself."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from elyclaims.reference import reference


def test_every_municipality_belongs_to_a_known_county() -> None:
    """Each municipality maps to exactly one county of the classification."""
    data = reference()
    assert len(data.municipalities) >= 308
    for municipality in data.municipalities.values():
        assert municipality.county in data.counties, municipality
        assert len(municipality.code) == 3
        assert municipality.code.isdigit()


def test_counties_and_helsinki() -> None:
    """21 counties, Helsinki as 90 and Åland outside the reform as 91."""
    data = reference()
    regular = [c for c in data.counties.values() if not c.helsinki and not c.outside_reform]
    assert len(regular) == 21
    assert data.municipality("091").county == "90"
    assert data.counties["90"].helsinki
    assert data.municipality("Maarianhamina").county == "91"
    assert data.municipality("Vanda").county == data.municipality("Kervo").county == "04"
    assert data.county("HVA04") == data.county("4") == data.county("04")


def test_authorities_and_successors() -> None:
    """ELY Centres end on 2025-12-31, each with an elinvoimakeskus successor from 2026-01-01."""
    data = reference()
    ely = [a for a in data.authorities.values() if a.kind == "ely-centre"]
    centres = [a for a in data.authorities.values() if a.kind == "elinvoimakeskus"]
    assert len(ely) == 15
    assert len(centres) == 10
    for authority in ely:
        assert authority.valid_until == date(2025, 12, 31)
        successor = data.authorities[authority.successor or ""]
        assert successor.operates_on(date(2026, 1, 1))
        assert not authority.operates_on(date(2026, 1, 1))
    assert data.authority("livskraftscentralen i österbotten") == data.authorities["EVK-POH"]


def test_vat_rates_by_date() -> None:
    """The general rate rose to 25.5 % on 2024-09-01 and 14 % became 13.5 % on 2026-01-01."""
    data = reference()
    assert Decimal("24") in data.vat_rates_on(date(2024, 8, 31))
    assert Decimal("25.5") in data.vat_rates_on(date(2024, 9, 1))
    assert Decimal("24") not in data.vat_rates_on(date(2024, 9, 1))
    assert Decimal("14") in data.vat_rates_on(date(2025, 12, 31))
    assert Decimal("13.5") in data.vat_rates_on(date(2026, 1, 1))
    assert Decimal("14") not in data.vat_rates_on(date(2026, 1, 1))


def test_legal_regime_by_service_date() -> None:
    """Services until 2024 fall under 1386/2010, from 2025 under 681/2023."""
    data = reference()
    assert data.regime_on(date(2024, 12, 31)).code == "INT-2010"
    assert data.regime_on(date(2025, 1, 1)).code == "INT-2023"


def test_every_data_file_states_its_source() -> None:
    """Each reference file names where its data came from."""
    assert all(source.strip() for source in reference().sources.values())
    assert set(reference().sources) == {"municipalities", "counties", "categories",
                                        "authorities", "vat", "regimes", "parameters"}


MUNICIPALITY_CODES = sorted(reference().municipalities)


@given(st.sampled_from(MUNICIPALITY_CODES))
def test_municipality_found_by_any_written_form(code: str) -> None:
    """A municipality is found by its code with or without zeros, and by either name in any
    case."""
    data = reference()
    municipality = data.municipalities[code]
    for written in (code, str(int(code)), municipality.fi.upper(), f" {municipality.sv.lower()} "):
        assert data.municipality(written) == municipality


@given(st.integers(0, 999).map(lambda n: f"{n:03d}").filter(lambda c: c not in MUNICIPALITY_CODES))
def test_unknown_municipality_codes(code: str) -> None:
    """A three-digit code outside the classification is not a municipality."""
    assert reference().municipality(code) is None


@given(st.integers(1, 21), st.sampled_from(["{:02d}", "{}", "HVA{:02d}", "hva {:02d}"]))
def test_county_found_by_any_written_form(number: int, form: str) -> None:
    """Counties 1-21 are found as 04, 4, HVA04 or hva 04; names find the same county."""
    county = reference().county(form.format(number))
    assert county is not None
    assert county.code == f"{number:02d}"
    assert reference().county(county.sv) == county


@given(st.integers(22, 89))
def test_unknown_county_codes(number: int) -> None:
    """Two-digit codes between the counties and Helsinki are not counties."""
    assert reference().county(f"{number:02d}") is None
