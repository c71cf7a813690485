"""Write the sample claims in this folder: run ``python sample_claims/make_samples.py``.

Every client reference, Business ID, invoice and amount here is invented; the organisations'
names and the municipality codes are real. The workbooks are written with openpyxl, which does
not calculate formulas, so totals rows hold plain numbers.
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

HERE = Path(__file__).resolve().parent


def business_id(seven_digits: str) -> str:
    """Complete a Business ID with its check digit (weights 7, 9, 10, 5, 8, 4, 2)."""
    total = sum(int(d) * w for d, w in zip(seven_digits, (7, 9, 10, 5, 8, 4, 2), strict=True))
    remainder = total % 11
    if remainder == 1:
        raise ValueError(f"{seven_digits} cannot take a check digit")
    return f"{seven_digits}-{0 if remainder == 0 else 11 - remainder}"


def iban(bank_and_account: str) -> str:
    """A Finnish IBAN for 14 digits, with its mod-97 check digits."""
    number = int(bank_and_account + "1518" + "00")  # F=15, I=18
    return f"FI{98 - number % 97:02d}{bank_and_account}"


def money(text: str) -> Decimal:
    return Decimal(text)


def _sheet(book: Workbook, title: str) -> Worksheet:
    sheet = book.create_sheet(title)
    return sheet


def _table(sheet: Worksheet, headers: list[str], rows: list[list[object]], title: str) -> None:
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    sheet.append(headers)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A4"
    for column in sheet.columns:
        width = max(len(str(c.value or "")) for c in column)
        sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 10), 60)


def _money_format(sheet: Worksheet, columns: str) -> None:
    for letter in columns:
        for cell in sheet[letter][3:]:
            cell.number_format = "#,##0.00"


def _date_format(sheet: Worksheet, columns: str) -> None:
    for letter in columns:
        for cell in sheet[letter][3:]:
            if isinstance(cell.value, date):
                cell.number_format = "d.m.yyyy"


def finnish_county() -> None:
    """Vantaan ja Keravan hyvinvointialue, decision application for 2026 Q3, in Finnish."""
    book = Workbook()
    claim = book.active
    claim.title = "Hakemus"
    claim.append(["Korvaushakemus: ihmiskaupan uhrien palvelut"])
    claim["A1"].font = Font(bold=True, size=14)
    for key, value in [
        ("Hakija", "Vantaan ja Keravan hyvinvointialue"),
        ("Y-tunnus", business_id("3221308")),
        ("Hakijatyyppi", "hyvinvointialue"),
        ("Kuntanumero tai hyvinvointialue", "04"),
        ("Kausi alkaa", date(2026, 7, 1)),
        ("Kausi päättyy", date(2026, 9, 30)),
        ("Tarkoitus", "päätöshakemus"),
        ("Vastaanottaja", "Uudenmaan elinvoimakeskus"),
        ("IBAN", iban("12345600007890")),
        ("BIC", "NDEAFIHH"),
        ("Yhteyshenkilö", "Talousasiantuntija Maija Esimerkki"),
        ("Sähköposti", "korvaukset@example.fi"),
        ("Puhelin", "+358 9 000 0000"),
    ]:
        claim.append([key, value])
    for cell in claim["B"]:
        if isinstance(cell.value, date):
            cell.number_format = "d.m.yyyy"
    claim.column_dimensions["A"].width = 34
    claim.column_dimensions["B"].width = 40

    clients = _sheet(book, "Asiakkaat")
    _table(
        clients,
        ["Asiakastunnus", "Auttamisjärjestelmään ottopäivä", "Poistopäivä", "Kotikunta",
         "Kotikunta alkaen", "Syntymävuosi", "Ilman huoltajaa", "Turvapaikanhakija"],
        [
            ["IHK-2025-0412", date(2025, 11, 3), None, "092", date(2025, 10, 1), 1991, "ei", "ei"],
            ["IHK-2026-0107", date(2026, 2, 16), None, "092", date(2026, 1, 20), 1987, "ei", "ei"],
            ["IHK-2026-0233", date(2026, 4, 8), None, "245", date(2026, 3, 2), 2001, "ei", "ei"],
            ["IHK-2026-0318", date(2026, 6, 12), date(2026, 9, 18), "092", date(2026, 6, 1), 1979,
             "ei", "ei"],
        ],
        "Asiakkaat (pseudonyymit asiakastunnukset)",
    )
    _date_format(clients, "BCE")

    lines = [
        [date(2026, 7, 2), "IHK-2025-0412", "Terveydenhuolto", "Psykoterapia, 4 käyntiä",
         "Traumaperäinen oireilu ihmiskaupan seurauksena", "Terapiakeskus Esimerkki Oy",
         business_id("2345678"), "T-2026-1182", date(2026, 7, 31), money("480.00"), money("0.00"),
         money("480.00"), None, "T-2026-1182.pdf"],
        [date(2026, 7, 9), "IHK-2025-0412", "Tulkkipalvelut", "Tulkkaus arabia–suomi, 2 h",
         "Asiakas ei puhu suomea eikä ruotsia", "Tulkkipalvelu Esimerkki Oy",
         business_id("1234567"), "TP-88120", date(2026, 7, 15), money("120.00"), money("30.60"),
         money("150.60"), None, None],
        [date(2026, 7, 15), "IHK-2026-0107", "Sosiaalihuolto", "Tuettu asuminen, heinäkuu",
         "Turvallinen asumisjärjestely uhriaseman vuoksi", "Asumispalvelut Esimerkki Oy",
         business_id("3456790"), "AP-2026-07-17", date(2026, 8, 5), money("1850.00"),
         money("0.00"), money("1850.00"), None, None],
        [date(2026, 7, 21), "IHK-2026-0107", "Terveydenhuolto", "Lääkärin vastaanotto",
         "Ihmiskauppaan liittyvien vammojen jälkihoito", "Vantaan ja Keravan hyvinvointialue",
         None, None, None, money("156.40"), None, None, None, None],
        [date(2026, 8, 4), "IHK-2026-0233", "Turvallisuuden takaaminen",
         "Turvallisuusarvio ja turvasuunnitelma", "Uhka hyväksikäyttäjien taholta",
         "Turvapalvelu Esimerkki Oy", business_id("4567891"), "TS-5521", date(2026, 8, 10),
         money("640.00"), money("163.20"), money("803.20"), None, None],
        [date(2026, 8, 11), "IHK-2026-0233", "Tulkkipalvelut", "Tulkkaus vietnam–suomi, 1,5 h",
         "Asiakas ei puhu suomea eikä ruotsia", "Tulkkipalvelu Esimerkki Oy",
         business_id("1234567"), "TP-88391", date(2026, 8, 14), money("90.00"), money("22.95"),
         money("112.95"), None, None],
        [date(2026, 8, 19), "IHK-2026-0318", "Sosiaalihuolto", "Sosiaaliohjaus, 6 tapaamista",
         "Palveluohjaus uhrin erityistarpeiden vuoksi", "Vantaan ja Keravan hyvinvointialue",
         None, None, None, money("534.00"), None, None, None, None],
        [date(2026, 8, 26), "IHK-2025-0412", "Terveydenhuolto", "Psykoterapia, 4 käyntiä",
         "Traumaperäinen oireilu ihmiskaupan seurauksena", "Terapiakeskus Esimerkki Oy",
         business_id("2345678"), "T-2026-1297", date(2026, 8, 31), money("480.00"),
         money("0.00"), money("480.00"), None, "T-2026-1297.pdf"],
        [date(2026, 9, 3), "IHK-2026-0318", "Muu uhriasemasta johtuva palvelu tai tukitoimi",
         "Matkat esitutkintaan Helsinkiin", "Asiakkaan kuuleminen ihmiskaupparikoksen "
         "esitutkinnassa; julkinen liikenne ei turvallinen", "Taksi Esimerkki Oy",
         business_id("5678912"), "TX-20931", date(2026, 9, 5), money("83.70"), money("11.30"),
         money("95.00"), None, None],
        [date(2026, 9, 10), "IHK-2026-0107", "Sosiaalihuolto", "Tuettu asuminen, syyskuu",
         "Turvallinen asumisjärjestely uhriaseman vuoksi", "Asumispalvelut Esimerkki Oy",
         business_id("3456790"), "AP-2026-09-17", date(2026, 10, 2), money("1850.00"),
         money("0.00"), money("1850.00"), None, None],
        [date(2026, 9, 15), "IHK-2026-0107", "Sosiaalihuolto", "Hyvitys: tuettu asuminen, "
         "heinäkuun ylilaskutus", "Turvallinen asumisjärjestely uhriaseman vuoksi",
         "Asumispalvelut Esimerkki Oy", business_id("3456790"), "HY-2026-0031",
         date(2026, 9, 20), money("-120.00"), money("0.00"), money("-120.00"), "AP-2026-07-17",
         None],
        [date(2026, 9, 22), "IHK-2026-0233", "Terveydenhuolto", "Hammashoito, akuutti",
         "Väkivallan aiheuttama hammasvamma", "Hammasklinikka Esimerkki Oy",
         business_id("6789123"), "HK-7781", date(2026, 9, 29), money("312.50"), money("0.00"),
         money("312.50"), None, None],
    ]
    net = sum((row[9] for row in lines), Decimal(0))
    vat = sum((row[10] or Decimal(0) for row in lines), Decimal(0))
    gross = sum((row[11] or Decimal(0) for row in lines), Decimal(0))
    expenses = _sheet(book, "Kulut")
    _table(
        expenses,
        ["Palvelupäivä", "Asiakastunnus", "Kululaji", "Kuvaus", "Perustelu", "Palveluntuottaja",
         "Palveluntuottajan Y-tunnus", "Laskun numero", "Laskun päivämäärä", "Veroton summa (€)",
         "ALV (€)", "Verollinen summa (€)", "Hyvitettävä lasku", "Liite"],
        [*lines, ["Yhteensä", None, None, None, None, None, None, None, None, net, vat, gross]],
        "Kulut 1.7.–30.9.2026",
    )
    _money_format(expenses, "JKL")
    _date_format(expenses, "AI")
    book.save(HERE / "vantaa-kerava-hva-2026-q3.xlsx")


def _pdf(text: str) -> bytes:
    """A minimal one-page PDF saying *text* (a stand-in for a scanned invoice copy)."""
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    body = b"%PDF-1.4\n"
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += f"{number} 0 obj\n".encode() + content + b"\nendobj\n"
    xref = len(body)
    body += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    body += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    body += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n"
             "%%EOF\n").encode()
    return body


def invoice_copies() -> None:
    """The invoice copies the Finnish workbook names in its Liite column."""
    folder = HERE / "liitteet"
    folder.mkdir(exist_ok=True)
    for name in ("T-2026-1182", "T-2026-1297"):
        (folder / f"{name}.pdf").write_bytes(_pdf(f"Lasku {name} (esimerkki)"))


def swedish_county() -> None:
    """Österbottens välfärdsområde, decision application for 2026 H1, in Swedish."""
    book = Workbook()
    claim = book.active
    claim.title = "Ansökan"
    for key, value in [
        ("Sökande", "Österbottens välfärdsområde"),
        ("FO-nummer", business_id("3221524")),
        ("Sökandetyp", "välfärdsområde"),
        ("Kommun- eller välfärdsområdeskod", "17"),
        ("Perioden börjar", "1.1.2026"),
        ("Perioden slutar", "30.6.2026"),
        ("Syfte", "beslutsansökan"),
        ("Mottagare", "Livskraftscentralen i Österbotten"),
        ("IBAN", iban("65432100001234")),
        ("BIC", "OKOYFIHH"),
        ("Kontaktperson", "Ekonomiplanerare Anna Exempel"),
        ("E-post", "ersattningar@example.fi"),
        ("Telefon", "+358 6 000 0000"),
    ]:
        claim.append([key, value])
    clients = _sheet(book, "Klienter")
    _table(
        clients,
        ["Klientnummer", "Intagningsdatum", "Avförd datum", "Hemkommun", "Hemkommun från",
         "Födelseår", "Utan vårdnadshavare", "Asylsökande"],
        [
            ["OFF-2025-118", date(2025, 9, 1), None, "905", date(2025, 8, 15), 1995, "nej", "nej"],
            ["OFF-2026-021", date(2026, 1, 12), None, "499", date(2025, 12, 1), 1983, "nej", "nej"],
        ],
        "Klienter",
    )
    _date_format(clients, "BCE")
    lines = [
        [date(2026, 1, 20), "OFF-2025-118", "Hälso- och sjukvårdstjänster", "Psykiatrisk bedömning",
         "Trauma till följd av människohandel", "Österbottens välfärdsområde", None, None, None,
         money("420.00"), None, None],
        [date(2026, 2, 5), "OFF-2026-021", "Tolktjänster", "Tolkning rumänska–svenska, 3 h",
         "Klienten talar inte finska eller svenska", "Tolkcentralen Exempel Ab",
         business_id("7891234"), "TC-4410", date(2026, 2, 10), money("210.00"), money("53.55"),
         money("263.55")],
        [date(2026, 3, 18), "OFF-2026-021", "Socialvårdstjänster", "Stödboende, mars",
         "Skyddat boende på grund av ställningen som offer", "Boende Exempel Ab",
         business_id("8912345"), "BE-2026-03", date(2026, 4, 2), "1 640,00", "0,00",
         "1 640,00"],
        [date(2026, 5, 27), "OFF-2025-118", "Tryggande av säkerheten", "Säkerhetsbedömning",
         "Hot från gärningsmännen", "Säkerhet Exempel Ab", business_id("9123456"), "SE-311",
         date(2026, 6, 3), money("380.00"), money("96.90"), money("476.90")],
    ]
    expenses = _sheet(book, "Kostnader")
    _table(
        expenses,
        ["Datum", "Klientnummer", "Kostnadsslag", "Beskrivning", "Motivering",
         "Tjänsteproducent", "Producentens FO-nummer", "Fakturanummer", "Fakturadatum",
         "Belopp utan moms", "Moms", "Belopp med moms"],
        lines,
        "Kostnader 1.1–30.6.2026",
    )
    _money_format(expenses, "JKL")
    _date_format(expenses, "AI")
    book.save(HERE / "osterbotten-valfardsomrade-2026-h1.xlsx")


def helsinki_csv() -> None:
    """City of Helsinki ERP export: three ;-delimited CSV files with the decimal comma."""
    folder = HERE / "helsinki-erp-2026-09"
    folder.mkdir(exist_ok=True)
    rows = {
        "hakemus.csv": [
            ["Hakija", "Helsingin kaupunki"],
            ["Y-tunnus", business_id("0201256")],
            ["Hakijatyyppi", "Helsingin kaupunki"],
            ["Kuntanumero tai hyvinvointialue", "091"],
            ["Kausi alkaa", "1.9.2026"],
            ["Kausi päättyy", "30.9.2026"],
            ["Tarkoitus", "päätöshakemus"],
            ["Vastaanottaja", "Uudenmaan elinvoimakeskus"],
            ["IBAN", iban("80001200123456")],
            ["Yhteyshenkilö", "Controller Matti Esimerkki"],
            ["Sähköposti", "talous@example.fi"],
        ],
        "asiakkaat.csv": [
            ["Asiakastunnus", "Auttamisjärjestelmään ottopäivä", "Poistopäivä", "Kotikunta",
             "Kotikunta alkaen"],
            ["HKI-IHK-0091", "14.3.2026", "", "091", "1.2.2026"],
            ["HKI-IHK-0102", "2.6.2026", "", "091", "15.5.2026"],
        ],
        "kulut.csv": [
            ["Palvelupäivä", "Asiakastunnus", "Kululaji", "Kuvaus", "Perustelu",
             "Palveluntuottaja", "Palveluntuottajan Y-tunnus", "Laskun numero",
             "Laskun päivämäärä", "Veroton summa", "ALV", "Verollinen summa"],
            ["3.9.2026", "HKI-IHK-0091", "HEALTH", "Psykiatrinen arvio",
             "Ihmiskaupan aiheuttama trauma", "Helsingin kaupunki", "", "", "", "1 240,00", "",
             ""],
            ["10.9.2026", "HKI-IHK-0102", "INTERPRET", "Tulkkaus thai–suomi, 2 h",
             "Asiakas ei puhu suomea", "Tulkkaus Esimerkki Oy", business_id("2468135"),
             "TE-2026-771", "12.9.2026", "130,00", "33,15", "163,15"],
            ["17.9.2026", "HKI-IHK-0091", "SOCIAL", "Sosiaalityö, palveluohjaus",
             "Uhrin erityistarpeet", "Helsingin kaupunki", "", "", "", "612,75", "", ""],
            ["24.9.2026", "HKI-IHK-0102", "HEALTH", "Fysioterapia, 3 käyntiä",
             "Hyväksikäytön aiheuttamat vammat", "Fysio Esimerkki Oy", business_id("1357924"),
             "FE-1022", "30.9.2026", "255,00", "0,00", "255,00"],
        ],
    }
    for name, table in rows.items():
        with (folder / name).open("w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle, delimiter=";").writerows(table)


if __name__ == "__main__":
    finnish_county()
    invoice_copies()
    swedish_county()
    helsinki_csv()
    print(f"samples written to {HERE.name}/")
