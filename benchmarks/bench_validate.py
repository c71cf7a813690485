"""Benchmark: how long checking (`read_claim`) and packaging (`build_package`) take on large
workbooks and CSV exports.

    python benchmarks/bench_validate.py [--lines 1000 10000 50000] [--repeat 3]

Writes its inputs under benchmarks/.data/ (ignored by git), then reports the best of --repeat
runs for each size, with lines per second and the peak memory (tracemalloc) of one run. The
build column times writing and self-checking the package of an already checked claim.
"""

from __future__ import annotations

import argparse
import csv
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook

from elyclaims import read_claim
from elyclaims.package import build_package

DATA = Path(__file__).resolve().parent / ".data"
CATEGORIES = ("HEALTH", "SOCIAL", "INTERPRET", "SAFETY", "OTHER")


def _rows(lines: int) -> tuple[list[list[object]], list[list[object]]]:
    clients = [[f"IHK-{n:05d}", date(2024, 1, 1), None, "092", date(2023, 6, 1)] for n in range(500)]
    expenses = []
    start = date(2025, 1, 1)
    for n in range(lines):
        net = 100 + (n % 997) + (n % 100) / 100
        vat = round(net * 0.255, 2) if n % 5 == 2 else 0
        expenses.append([
            start + timedelta(days=n % 365), f"IHK-{n % 500:05d}", CATEGORIES[n % 5],
            f"Palvelu {n}", "Uhriaseman vuoksi", "Tuottaja Oy", "2345678-0", f"L-{n}",
            net, vat, round(net + vat, 2),
        ])
    return clients, expenses


CLAIM = [["Hakija", "Benchmark HVA"], ["Y-tunnus", "3221308-6"], ["Hakijatyyppi", "hyvinvointialue"],
         ["Kuntanumero tai hyvinvointialue", "04"], ["Kausi alkaa", date(2025, 1, 1)],
         ["Kausi päättyy", date(2025, 12, 31)], ["Tarkoitus", "päätöshakemus"],
         ["Vastaanottaja", "Uudenmaan elinvoimakeskus"], ["Yhteyshenkilö", "Benchmark"],
         ["Sähköposti", "bench@example.fi"]]
CLIENT_HEADERS = ["Asiakastunnus", "Auttamisjärjestelmään ottopäivä", "Poistopäivä", "Kotikunta",
                  "Kotikunta alkaen"]
EXPENSE_HEADERS = ["Palvelupäivä", "Asiakastunnus", "Kululaji", "Kuvaus", "Perustelu",
                   "Palveluntuottaja", "Palveluntuottajan Y-tunnus", "Laskun numero",
                   "Veroton summa", "ALV", "Verollinen summa"]


def make_xlsx(lines: int) -> Path:
    path = DATA / f"claim-{lines}.xlsx"
    if path.exists():
        return path
    clients, expenses = _rows(lines)
    # A normal (not write-only) workbook, so that the stored dimension is right, as Excel's is.
    book = Workbook()
    book.remove(book.active)
    for title, rows in (("Hakemus", CLAIM), ("Asiakkaat", [CLIENT_HEADERS, *clients]),
                        ("Kulut", [EXPENSE_HEADERS, *expenses])):
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def make_csv(lines: int) -> list[Path]:
    folder = DATA / f"csv-{lines}"
    folder.mkdir(exist_ok=True)
    clients, expenses = _rows(lines)

    def text(value: object) -> str:
        if isinstance(value, date):
            return f"{value.day}.{value.month}.{value.year}"
        if isinstance(value, float):
            return f"{value:.2f}".replace(".", ",")
        return "" if value is None else str(value)

    paths = []
    for name, rows in (("hakemus.csv", CLAIM), ("asiakkaat.csv", [CLIENT_HEADERS, *clients]),
                       ("kulut.csv", [EXPENSE_HEADERS, *expenses])):
        path = folder / name
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, delimiter=";").writerows([[text(v) for v in row] for row in rows])
        paths.append(path)
    return paths


def measure(inputs: Path | list[Path], repeat: int) -> tuple[float, float, float, float]:
    """Best seconds and peak MB of checking, then of building the package."""
    best = best_build = float("inf")
    claim = report = None
    for _ in range(repeat):
        started = time.perf_counter()
        claim, report = read_claim(inputs, today=date(2026, 11, 29))
        best = min(best, time.perf_counter() - started)
        assert report.opened
    if claim is None or report is None or not report.ok:
        raise SystemExit("the benchmark claim must be clean; it has errors")
    target = DATA / "bench.elyclaim.zip"
    for _ in range(repeat):
        started = time.perf_counter()
        build_package(claim, report, target)
        best_build = min(best_build, time.perf_counter() - started)
    tracemalloc.start()
    read_claim(inputs, today=date(2026, 11, 29))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    build_package(claim, report, target)
    _, build_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return best, peak / 1e6, best_build, build_peak / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    DATA.mkdir(exist_ok=True)
    print(f"{'input':<6} {'lines':>7} {'check s':>8} {'lines/s':>8} {'peak MB':>8} "
          f"{'build s':>8} {'lines/s':>8} {'peak MB':>8}")
    for lines in args.lines:
        for kind, inputs in (("xlsx", make_xlsx(lines)), ("csv", make_csv(lines))):
            seconds, peak, build_seconds, build_peak = measure(inputs, args.repeat)
            print(f"{kind:<6} {lines:>7} {seconds:>8.3f} {lines / seconds:>8.0f} {peak:>8.1f} "
                  f"{build_seconds:>8.3f} {lines / build_seconds:>8.0f} {build_peak:>8.1f}")


if __name__ == "__main__":
    main()
