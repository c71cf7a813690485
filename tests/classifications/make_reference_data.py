"""Write elyclaims' municipality and county data from Statistics Finland's classifications.

    python tests/classifications/make_reference_data.py

Reads the checked-in copies of the classifications (``municipalities-YYYY.csv``, see README.md
here) and writes ``src/elyclaims/data/municipalities.toml`` and ``counties.toml``, dated: a
municipality that disappears from a year's list ends the day before, and its successor comes
from :data:`MERGERS` (the classification files do not say where a municipality went). A future
update is a new CSV here, a line in MERGERS if a municipality merged, and one run of this
script: one reviewed diff. ``tests/test_reference.py`` checks that the shipped data still
agree with these files.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1] / "src" / "elyclaims" / "data"

# Municipalities that merged into another, by the first day of the new list (READ: Statistics
# Finland, kunta_1_20250101).
MERGERS = {"588": ("507", date(2025, 1, 1))}  # Pertunmaa into Mäntyharju

# ELY Centre of each county (Statistics Finland's ELY classification, codes 01-15, by region;
# Helsinki and the Uusimaa counties under Uusimaa, Åland under Varsinais-Suomi: INFER).
ELY_OF_COUNTY = {
    "01": "01", "02": "01", "03": "01", "04": "01", "90": "01", "05": "02", "06": "03",
    "07": "04", "09": "04", "08": "05", "10": "06", "11": "06", "12": "07", "13": "08",
    "14": "09", "15": "10", "16": "11", "17": "12", "18": "12", "19": "13", "20": "14",
    "21": "15", "91": "02",
}  # fmt: skip


def _years() -> dict[int, list[dict[str, str]]]:
    years = {}
    for path in sorted(HERE.glob("municipalities-*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            years[int(path.stem.rsplit("-", 1)[1])] = list(csv.DictReader(handle))
    return years


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def municipalities_toml(years: dict[int, list[dict[str, str]]]) -> str:
    """The municipality table: every code of any year, its latest names and county, and its
    end and successor when it disappeared."""
    latest: dict[str, dict[str, str]] = {}
    last_year: dict[str, int] = {}
    for year, rows in sorted(years.items()):
        for row in rows:
            latest[row["code"]] = row
            last_year[row["code"]] = year
    final = max(years)
    lines = [
        "# Finnish municipalities: code, Finnish and Swedish name, the wellbeing services county",
        "# (hyvinvointialue) each belongs to, and the dates each existed.",
        "#",
        "# Written by tests/classifications/make_reference_data.py from Statistics Finland's",
        "# classifications " + ", ".join(f"kunta_1_{y}0101" for y in sorted(years)) + " and",
        "# " + ", ".join(f"hyvinvointialue_1_{y}0101" for y in sorted(years)) + " (CC BY 4.0);",
        "# do not edit by hand. A code without valid_until exists in the newest list; the lists",
        "# of 2021-2023 equal 2024's, so no code has an earlier start.",
        "",
        "[meta]",
        f'source = "Statistics Finland, kunta_1_{final}0101 and earlier; '
        f'hyvinvointialue_1_{final}0101"',
        "valid_from = 2021-01-01",
        f"retrieved = {date(2026, 4, 2).isoformat()}",
        "",
        "[municipality]",
    ]
    for code in sorted(latest):
        row = latest[code]
        fields = [f"fi = {_quote(row['name_fi'])}", f"sv = {_quote(row['name_sv'])}",
                  f"county = {_quote(row['county_code'])}"]
        if last_year[code] != final:
            successor, merged_on = MERGERS[code]
            fields.append(f"valid_until = {(merged_on - timedelta(days=1)).isoformat()}")
            fields.append(f"successor = {_quote(successor)}")
        if code == "478":
            fields.append('also = ["Maarianhamina - Mariehamn"]')
        lines.append(f"{_quote(code)} = {{ {', '.join(fields)} }}")
    return "\n".join(lines) + "\n"


def counties_toml(years: dict[int, list[dict[str, str]]]) -> str:
    """The county table: names in three languages, the elinvoimakeskus (from the newest list)
    and the ELY Centre of each county."""
    newest = years[max(years)]
    counties: dict[str, dict[str, str]] = {}
    for row in newest:
        counties.setdefault(row["county_code"], row)
    lines = [
        "# Wellbeing services counties (hyvinvointialueet, 01-21), the City of Helsinki (90), which",
        "# organises its own health and social services, and Åland (91), outside the reform; with",
        "# the regional authorities of each: the ELY Centre (until 2025) and the elinvoimakeskus",
        "# (from 2026).",
        "#",
        "# Written by tests/classifications/make_reference_data.py from Statistics Finland's",
        f"# hyvinvointialue_1_{max(years)}0101 and its correspondence to evk_1_20260101 (names,",
        "# elinvoimakeskus: READ); ely_centre follows the ELY classification by region (INFER for",
        "# Åland). Do not edit by hand.",
        "",
        "[meta]",
        f'source = "Statistics Finland, hyvinvointialue_1_{max(years)}0101, evk_1_20260101"',
        "valid_from = 2023-01-01",
        "",
        "[county]",
    ]
    for code in sorted(counties):
        row = counties[code]
        fields = [f"fi = {_quote(row['county_fi'])}", f"sv = {_quote(row['county_sv'])}",
                  f"en = {_quote(row['county_en'])}", f'ely_centre = "ely-{ELY_OF_COUNTY[code]}"',
                  f'elinvoimakeskus = "evk-{row["evk_code"]}"']
        if code == "90":
            fields.append("helsinki = true")
        if code == "91":
            fields.append("outside_reform = true")
        lines.append(f"{_quote(code)} = {{ {', '.join(fields)} }}")
    return "\n".join(lines) + "\n"


def main() -> None:
    years = _years()
    (DATA / "municipalities.toml").write_text(municipalities_toml(years), encoding="utf-8")
    (DATA / "counties.toml").write_text(counties_toml(years), encoding="utf-8")
    print(f"wrote {DATA / 'municipalities.toml'} and {DATA / 'counties.toml'}")


if __name__ == "__main__":
    main()
