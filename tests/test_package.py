"""The claim package: schema validity (two validators), round trip, golden file,
reproducibility, refusals, attachments, and a reader that trusts nothing."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import xmlschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO, SAMPLES, Run, run_elyclaims
from elyclaims import read_claim
from elyclaims.identifiers import business_id_check_digit
from elyclaims.model import Category, Claim, Claimant, Client, ExpenseLine, SourceRow
from elyclaims.package import (
    LEAST_LINE_BYTES,
    BuildRefused,
    build_package,
    inspect_package,
    normalize_claim,
    read_claim_xml,
    write_claim_xml,
)
from elyclaims.refdata import reference_data
from elyclaims.values import CENT, EXCEL_ERRORS, MAX_AMOUNT
from test_rule_cases import TODAY
from workbooks import CLEAN_TOTALS, clean_claim, write_xlsx

CREATED = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
SCHEMAS = REPO / "schemas"
GOLDEN = Path(__file__).parent / "golden" / "claim.xml"


def _build(tmp_path: Path, name: str = "out.elyclaim.zip", **kwargs: object) -> Path:
    workbook = write_xlsx(tmp_path / "claim.xlsx", clean_claim())
    claim, report = read_claim(workbook, today=TODAY)
    assert claim is not None
    built = build_package(claim, report, tmp_path / name, created_at=CREATED, **kwargs)
    return built.path


def _member(package: Path, name: str) -> bytes:
    with zipfile.ZipFile(package) as archive:
        return archive.read(name)


def _rewrite(package: Path, change: Callable[[str, bytes], bytes | None],
             extra: dict[str, bytes] | None = None) -> None:
    """Rewrite *package* with each member passed through *change* (None drops it)."""
    with zipfile.ZipFile(package) as archive:
        members = [(info.filename, archive.read(info.filename)) for info in archive.infolist()]
    with zipfile.ZipFile(package, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            changed = change(name, data)
            if changed is not None:
                archive.writestr(name, changed)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)


def _rules(package: Path) -> list[tuple[str, str | None]]:
    return [(f.key, f.location.sheet) for f in inspect_package(package).report.findings
            if f.severity.value == "error"]


# ------------------------------------------------------------------------ schema validity


def test_xmllint_validates_every_sample_package(tmp_path: Path) -> None:
    """claim.xml and manifest.xml of every sample's package pass `xmllint --schema`."""
    xmllint = shutil.which("xmllint")
    if xmllint is None:
        assert not os.environ.get("CI"), "CI must install xmllint (libxml2-utils)"
        pytest.skip("xmllint is not installed")
    inputs = [[SAMPLES / "vantaa-kerava-hva-2026-q3.xlsx"],
              [SAMPLES / "osterbotten-valfardsomrade-2026-h1.xlsx"],
              sorted((SAMPLES / "helsinki-erp-2026-09").glob("*.csv"))]
    for number, paths in enumerate(inputs):
        claim, report = read_claim(paths, today=TODAY)
        assert claim is not None
        package = build_package(claim, report, tmp_path / f"{number}.zip", created_at=CREATED).path
        for member, schema in (("claim.xml", "claim-package-1.xsd"),
                               ("manifest.xml", "manifest-1.xsd")):
            extracted = tmp_path / f"{number}-{member}"
            extracted.write_bytes(_member(package, member))
            done = subprocess.run([xmllint, "--noout", "--schema", str(SCHEMAS / schema),
                                   str(extracted)], capture_output=True, text=True, check=False)
            assert done.returncode == 0, done.stderr
            assert "validates" in done.stderr


def test_second_validator_agrees(tmp_path: Path) -> None:
    """The pure-Python xmlschema validator accepts the same package and rejects a bad one."""
    package = _build(tmp_path)
    claim_schema = xmlschema.XMLSchema(str(SCHEMAS / "claim-package-1.xsd"))
    manifest_schema = xmlschema.XMLSchema(str(SCHEMAS / "manifest-1.xsd"))
    claim_xml = _member(package, "claim.xml")
    claim_schema.validate(io.BytesIO(claim_xml))
    manifest_schema.validate(io.BytesIO(_member(package, "manifest.xml")))
    broken = claim_xml.replace(b"<Net>480.00</Net>", b"<Net>480.001</Net>")
    assert not claim_schema.is_valid(io.BytesIO(broken))


def test_schema_documents_every_element() -> None:
    """Every named element and type of both schemas carries a written xs:documentation."""
    from lxml import etree

    xs = "{http://www.w3.org/2001/XMLSchema}"
    for name in ("claim-package-1.xsd", "manifest-1.xsd"):
        root = etree.parse(str(SCHEMAS / name)).getroot()
        named = [node for tag in ("element", "complexType", "simpleType")
                 for node in root.iter(xs + tag) if node.get("name")]
        assert named, name
        undocumented = [f"{node.tag[len(xs):]} {node.get('name')}" for node in named
                        if not "".join(node.xpath("xs:annotation/xs:documentation//text()",
                                                  namespaces={"xs": xs[1:-1]})).strip()]
        assert undocumented == [], name


def test_wheel_carries_the_single_schema_copy() -> None:
    """The package's schemas are the top-level schemas/ files (one copy)."""
    from elyclaims.package import schema_text

    assert schema_text("claim-package-1.xsd") == (SCHEMAS / "claim-package-1.xsd").read_bytes()


# ------------------------------------------------------------------------------ round trip

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cn", "Co")),
               min_size=1, max_size=40).filter(
    lambda s: s.strip() and s.strip().upper() not in EXCEL_ERRORS)
MONEY = st.decimals(min_value=-(MAX_AMOUNT - CENT), max_value=MAX_AMOUNT - CENT, places=2,
                    allow_nan=False, allow_infinity=False)
DAYS = st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 12, 31))


@st.composite
def business_ids(draw: st.DrawFn) -> str:
    digits = draw(st.integers(0, 9_999_999).map(lambda n: f"{n:07d}")
                  .filter(lambda d: business_id_check_digit(d) is not None))
    return f"{digits}-{business_id_check_digit(digits)}"


@st.composite
def claims(draw: st.DrawFn) -> Claim:
    municipalities = sorted(reference_data().municipalities)
    references = draw(st.lists(TEXT, min_size=1, max_size=4, unique_by=lambda t: " ".join(
        t.split()).casefold()))
    clients = tuple(
        Client(reference=ref, admission_date=draw(DAYS),
               removal_date=draw(st.none() | DAYS),
               home_municipality=draw(st.sampled_from(municipalities)),
               unaccompanied=draw(st.none() | st.booleans()),
               birth_year=draw(st.none() | st.integers(1950, 2020)))
        for ref in references
    )
    lines = []
    for row in range(2, 2 + draw(st.integers(0, 6))):
        lines.append(ExpenseLine(
            line_id=f"Kulut:{row}", source=SourceRow(sheet="Kulut", row=row),
            service_date=draw(DAYS), client_reference=draw(st.sampled_from(references)),
            category=draw(st.sampled_from(list(Category))).value,
            description=draw(TEXT), justification=draw(st.none() | TEXT),
            provider=draw(st.none() | TEXT),
            provider_business_id=draw(st.none() | business_ids()),
            invoice_number=draw(st.none() | TEXT),
            invoice_date=draw(st.none() | DAYS),
            net_amount=draw(MONEY), vat_amount=draw(st.none() | MONEY),
            gross_amount=draw(st.none() | MONEY),
            credited_invoice=draw(st.none() | TEXT), attachment=draw(st.none() | TEXT),
        ))
    start = draw(DAYS)
    return Claim(
        claimant=Claimant(name=draw(TEXT), type="wellbeing-services-county",
                          business_id=draw(business_ids()),
                          code=draw(st.sampled_from([f"{n:02d}" for n in range(1, 22)])),
                          iban=draw(st.none() | st.just("FI5212345600007890")),
                          contact_person=draw(st.none() | TEXT), email=draw(st.none() | TEXT),
                          phone=draw(st.none() | TEXT)),
        period_start=start, period_end=draw(st.dates(min_value=start,
                                                     max_value=date(2027, 12, 31))),
        purpose=draw(st.sampled_from(["decision-application", "payment-claim"])),
        decision_reference=draw(st.none() | TEXT), decision_date=draw(st.none() | DAYS),
        recipient=draw(st.sampled_from(sorted(reference_data().authorities))),
        clients=clients, expenses=tuple(lines),
    )


def _comparable(claim: Claim) -> dict[str, object]:
    return claim.model_dump(exclude={"origin", "locations"})


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(claims())
def test_model_to_xml_to_model_is_the_identity(claim: Claim) -> None:
    """Writing a (normalized) claim as claim.xml and reading it back gives the same claim, and
    the XML is valid against the schema."""
    normalized = normalize_claim(claim, reference_data(), date(2026, 11, 29))
    buffer = io.BytesIO()
    write_claim_xml(buffer, normalized, package_id="00000000-0000-5000-8000-000000000000",
                    created_at=CREATED, ruleset="test", findings=[], refdata=reference_data())
    expense_lines = [line for line in buffer.getvalue().split(b"\n")
                     if line.startswith(b"<Expense ")]
    assert len(expense_lines) == len(claim.expenses)
    assert all(len(line) + 1 >= LEAST_LINE_BYTES for line in expense_lines)
    buffer.seek(0)
    packaged = read_claim_xml(buffer)
    assert _comparable(packaged.claim) == _comparable(normalized)
    assert normalize_claim(packaged.claim, reference_data(), date(2026, 11, 29)) == packaged.claim.model_copy(
        update={"origin": normalized.origin})


def test_the_shortest_expense_line_takes_least_line_bytes(tmp_path: Path) -> None:
    """The shortest line the schema lets claim.xml carry (one-character texts, the shortest
    category, a zero amount) takes LEAST_LINE_BYTES, the size the build's check decides by
    whether a claim.xml may be short enough to parse whole."""
    claim, _ = read_claim(write_xlsx(tmp_path / "c.xlsx", clean_claim()), today=TODAY)
    assert claim is not None
    shortest = ExpenseLine(line_id="a", source=SourceRow(sheet="a", row=1),
                           service_date=date(2026, 7, 1), client_reference="a",
                           category=Category.OTHER, description="a", net_amount=CENT * 0)
    one = normalize_claim(claim, reference_data(), TODAY).model_copy(
        update={"expenses": (shortest,)})
    buffer = io.BytesIO()
    write_claim_xml(buffer, one, package_id="00000000-0000-5000-8000-000000000000",
                    created_at=CREATED, ruleset="test", findings=[], refdata=reference_data())
    (line,) = [line for line in buffer.getvalue().split(b"\n") if line.startswith(b"<Expense ")]
    assert len(line) + 1 == LEAST_LINE_BYTES
    buffer.seek(0)
    assert read_claim_xml(buffer).claim.expenses[0].line_id == "a"  # and the schema takes it


def test_package_carries_nothing_else_about_a_person(tmp_path: Path) -> None:
    """Birth year, asylum status and residence history stay home; only the minor flag goes."""
    sheets = clean_claim()
    sheets["Asiakkaat"].rows[0].extend(["Turvapaikanhakija"])
    sheets["Asiakkaat"].rows[1][5] = 2010
    sheets["Asiakkaat"].rows[1].extend([date(2025, 12, 31)])
    claim, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=TODAY)
    assert claim is not None
    package = build_package(claim, report, tmp_path / "p.zip", created_at=CREATED).path
    xml = _member(package, "claim.xml").decode()
    assert "2010" not in xml
    assert "2025-12-01" not in xml  # home municipality since
    assert "2025-12-31" not in xml  # asylum seeker until
    assert "<Minor>true</Minor>" in xml


def _combined_csv(folder: Path) -> list[Path]:
    """The Helsinki ERP export with a second expenses file beside it (other days, other
    invoices): lines of two files in one claim."""
    folder.mkdir()
    source = SAMPLES / "helsinki-erp-2026-09"
    for path in source.glob("*.csv"):
        shutil.copy(path, folder / path.name)
    text = (source / "kulut.csv").read_text(encoding="utf-8-sig")
    for old, new in (("TE-2026-771", "TE-2026-772"), ("FE-1022", "FE-1023"),
                     ("\n3.9.2026;", "\n4.9.2026;"), ("\n17.9.2026;", "\n18.9.2026;")):
        assert old in text
        text = text.replace(old, new)
    (folder / "kulut-lokakuu.csv").write_text(text, encoding="utf-8")
    return sorted(folder.glob("*.csv"))


def test_lines_of_several_files_name_their_file_and_are_digested_as_carried(
        tmp_path: Path) -> None:
    """A claim combined from two expenses files is packed with each line's source naming its
    file by name (never a path of this machine); and the package id digests each line as the
    package carries it: the claim as it was read and its normalized copy (the lines as
    packed) make one package id, for a combined claim and a single workbook's alike."""
    claim, report = read_claim(_combined_csv(tmp_path / "erp"), today=TODAY)
    assert claim is not None
    package = build_package(claim, report, tmp_path / "p.zip", created_at=CREATED)
    xml = _member(package.path, "claim.xml").decode()
    sources = re.findall(r"<Source ([^>]*)/>", xml)
    assert len(sources) == len(claim.expenses) == 8
    assert {re.search(r'file="([^"]*)"', source).group(1) for source in sources  # type: ignore[union-attr]
            } == {"kulut.csv", "kulut-lokakuu.csv"}
    assert str(tmp_path) not in xml
    single, single_report = read_claim(write_xlsx(tmp_path / "c.xlsx", clean_claim()),
                                       today=TODAY)
    assert single is not None
    for name, each, each_report in (("combined", claim, report),
                                    ("single", single, single_report)):
        built = build_package(each, each_report, tmp_path / f"{name}.zip", created_at=CREATED)
        normalized = normalize_claim(each, reference_data(), TODAY)
        assert normalized.expenses != each.expenses  # sources and acknowledgements differ
        again = build_package(normalized, each_report, tmp_path / f"{name}-n.zip",
                              created_at=CREATED, today=TODAY)
        assert again.package_id == built.package_id, name
        assert _member(again.path, "claim.xml") == _member(built.path, "claim.xml"), name


def test_the_package_id_is_the_content_of_the_lines_not_the_clock(tmp_path: Path) -> None:
    """The same claim built at another time keeps its package id; a change to any one line
    (its text, its amounts, the row it came from) gives another, even in the last of 1,500
    lines, past the writer's first batch (the id digests every line as claim.xml carries it)."""
    claim, report = read_claim(write_xlsx(tmp_path / "c.xlsx", clean_claim()), today=TODAY)
    assert claim is not None
    first = claim.expenses[0]
    many = claim.model_copy(update={"expenses": tuple(
        first.model_copy(update={"line_id": f"Kulut:{n}", "invoice_number": f"T-{n}",
                                 "net_amount": first.net_amount + n * CENT,
                                 "gross_amount": first.net_amount + n * CENT,
                                 "source": SourceRow.of(first.source.file, "Kulut", n,
                                                        first.source.cells, frozenset())})
        for n in range(2, 1502))})

    warnings: set[tuple[tuple[str, str, str | None], ...]] = set()

    def package_id(changed: dict[str, object], created: datetime = CREATED) -> str:
        last = many.expenses[-1].model_copy(update=changed)
        each = many.model_copy(update={"expenses": (*many.expenses[:-1], last)})
        built = build_package(each, report, tmp_path / "p.zip", created_at=created,
                              today=TODAY)
        warnings.add(tuple((f.rule, f.key, f.line_id) for f in built.report.findings))
        return built.package_id

    same = package_id({})
    assert package_id({}, created=datetime(2027, 1, 5, 8, 30, tzinfo=UTC)) == same
    hundred = first.net_amount + 2000
    ids = {package_id(change) for change in (
        {"description": "Psykoterapia, jatko"},
        {"net_amount": hundred, "gross_amount": hundred},
        {"source": SourceRow.of(first.source.file, "Kulut", 5000, first.source.cells,
                                   frozenset())},
        {"justification": "Trauma, jatkohoito"},
    )}
    assert same not in ids
    assert len(ids) == 4
    assert len(warnings) == 1  # the same warnings each time: the lines made the difference


@pytest.mark.parametrize("lines", [1, 3000])
def test_an_identity_code_that_slipped_past_the_rules_stops_the_build(
        tmp_path: Path, lines: int) -> None:
    """The build scans claim.xml for identity codes as it writes it, whatever the report
    says: a claim given with a forged report (no findings) whose description holds a valid
    code, early in a small claim or deep in a large one (past the first blocks the writer
    writes), is refused as a bug, and no package is left behind."""
    from elyclaims.errors import InternalError
    from elyclaims.report import Report, summarize

    claim, report = read_claim(write_xlsx(tmp_path / "c.xlsx", clean_claim()), today=TODAY)
    assert claim is not None
    first = claim.expenses[0]
    many = [first.model_copy(update={"line_id": f"Kulut:{n}",
                                     "invoice_number": f"T-{n}"}) for n in range(lines)]
    many[-1] = many[-1].model_copy(update={"description": "Käynti, asiakas 131052-308T"})
    forged_claim = claim.model_copy(update={"expenses": tuple(many)})
    forged = Report([], summarize(forged_claim), report.sources, report.sheet_order,
                    claim=forged_claim)
    with pytest.raises(InternalError, match="identity code"):
        build_package(forged_claim, forged, tmp_path / "p.zip", created_at=CREATED)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["c.xlsx"]


# ---------------------------------------------------------------------------------- golden


def _masked(xml: bytes) -> str:
    return re.sub(r'generatorVersion="[^"]*"', 'generatorVersion="*"', xml.decode("utf-8"))


def test_golden_claim_xml(tmp_path: Path) -> None:
    """The clean test workbook's claim.xml equals the golden file (generator version masked),
    and the golden file is itself valid."""
    xml = _masked(_member(_build(tmp_path), "claim.xml"))
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(xml, encoding="utf-8")
    assert xml == GOLDEN.read_text(encoding="utf-8")
    golden = GOLDEN.read_text(encoding="utf-8").replace('generatorVersion="*"',
                                                        'generatorVersion="0"')
    xmlschema.XMLSchema(str(SCHEMAS / "claim-package-1.xsd")).validate(
        io.BytesIO(golden.encode("utf-8")))


def test_a_citation_set_in_the_config_is_written_as_from_the_config(tmp_path: Path) -> None:
    """[legal_basis.INT-2023] in elyclaims.toml is the text claim.xml cites for 2025 and later,
    with citedFrom="config" (valid against the schema); without it the act is cited with no
    section and no citedFrom, and `elyclaims rules` shows which."""
    workbook = write_xlsx(tmp_path / "claim.xlsx", clean_claim())
    (tmp_path / "set").mkdir()
    config = tmp_path / "set" / "elyclaims.toml"
    config.write_text('[legal_basis.INT-2023]\nfi = "Laki kotoutumisen edistämisestä 681/2023 '
                      '70 §"\n', encoding="utf-8")
    env = {"ELYCLAIMS_TODAY": TODAY.isoformat(), "ELYCLAIMS_LEDGER": str(tmp_path / "l.db")}
    built = run_elyclaims("build", workbook, "-o", tmp_path / "a.zip", "--config", config,
                          env=env)
    assert built.code == 0, built.err
    cited = _member(tmp_path / "a.zip", "claim.xml").decode("utf-8")
    assert ('<LegalBasis code="INT-2023" from="2025-01-01" citedFrom="config">Laki '
            'kotoutumisen edistämisestä 681/2023 70 §</LegalBasis>') in cited
    assert run_elyclaims("inspect", tmp_path / "a.zip").code == 0
    plain = run_elyclaims("build", workbook, "-o", tmp_path / "b.zip", env=env)
    assert plain.code == 0, plain.err
    shipped = _member(tmp_path / "b.zip", "claim.xml").decode("utf-8")
    assert ('<LegalBasis code="INT-2023" from="2025-01-01">Laki kotoutumisen edistämisestä '
            '681/2023, valtion korvauksia koskevat säännökset</LegalBasis>') in shipped
    listed = run_elyclaims("rules", "--format", "json", "--config", config).json()
    bases = {basis["code"]: basis for basis in listed["legal_bases"]}
    assert bases["INT-2023"]["cited_from"] == "config"
    assert bases["INT-2010"] == {
        "code": "INT-2010", "from": "2011-09-01", "until": "2024-12-31",
        "citation": "Act on the Promotion of Immigrant Integration 1386/2010 s. 53",
        "source": "https://www.finlex.fi/fi/laki/ajantasa/2010/20101386",
        "section_verified": True, "cited_from": "reference data"}
    refused = run_elyclaims("build", workbook, "-o", tmp_path / "c.zip", "--config",
                            _written(tmp_path / "bad", '[legal_basis.INT-2099]\nfi = "x"\n'),
                            env=env)
    assert refused.code == 2
    assert "INT-2099 is not a legal regime" in refused.err
    assert not (tmp_path / "c.zip").exists()


def test_the_supply_type_travels_in_the_package_and_is_judged_alike(tmp_path: Path) -> None:
    """A line's supply type (the column, in the officer's words) is carried as its code, so
    that the receiver judges the VAT as the claimant did: accommodation at 13.5 % on an
    interpreting line passes both; the same line without it is AM-005 at both."""
    def package(supply: object, name: str) -> tuple[list[str], list[str], bytes]:
        sheets = clean_claim()
        sheets["Kulut"].rows[0].append("Hyödyke")
        sheets["Kulut"].rows[2][9:11] = [16.2, 136.2]
        sheets["Kulut"].rows[2].append(supply)
        claim, report = read_claim(write_xlsx(tmp_path / f"{name}.xlsx", sheets), today=TODAY,
                                   ledger=None)
        assert claim is not None
        built = build_package(claim, report, tmp_path / f"{name}.zip", created_at=CREATED,
                              ledger=None)
        inspected = inspect_package(built.path, today=TODAY)
        return ([f.key for f in report.findings if f.rule == "AM-005"],
                [f.key for f in inspected.report.findings if f.rule == "AM-005"],
                _member(built.path, "claim.xml"))

    validated, inspected, xml = package("Majoitus", "said")
    assert (validated, inspected) == ([], [])
    assert b"<SupplyType>accommodation</SupplyType><Net>120.00</Net>" in xml
    validated, inspected, xml = package(None, "unsaid")
    assert (validated, inspected) == (["AM-005"], ["AM-005"])
    assert b"<SupplyType>" not in xml


def _written(folder: Path, text: str) -> Path:
    folder.mkdir()
    (folder / "elyclaims.toml").write_text(text, encoding="utf-8")
    return folder / "elyclaims.toml"


def test_a_package_built_before_the_citations_changed_stays_valid() -> None:
    """A package elyclaims 0.1 built (citing 681/2023 § 68, as it did) still passes inspect:
    the citation is the claimant's text, not checked against today's table."""
    old = Path(__file__).parent / "fixtures" / "package-0.1-cites-681-2023-68.zip"
    assert "681/2023 68 §" in _member(old, "claim.xml").decode("utf-8")
    inspected = run_elyclaims("inspect", old, "--format", "json")
    assert inspected.code == 0, inspected.out
    assert {f["rule"] for f in inspected.json()["findings"]} == {"PK-002"}  # no attachments


# -------------------------------------------------------------------------- reproducibility


def test_same_input_same_bytes_with_source_date_epoch(
    tmp_path: Path, cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With SOURCE_DATE_EPOCH set, two builds give identical bytes; the id never depends on
    the clock."""
    workbook = write_xlsx(tmp_path / "claim.xlsx", clean_claim())
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1793491200")
    assert cli("build", workbook, "-o", tmp_path / "a.zip").code == 0
    assert cli("build", workbook, "-o", tmp_path / "b.zip").code == 0
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    assert b'createdAt="2026-11-01T00:00:00Z"' in _member(tmp_path / "a.zip", "claim.xml")
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert cli("build", workbook, "-o", tmp_path / "c.zip").code == 0
    ids = {re.search(rb'packageId="([^"]+)"', _member(tmp_path / n, "claim.xml")).group(1)
           for n in ("a.zip", "c.zip")}
    assert len(ids) == 1


def test_bad_source_date_epoch_is_a_usage_error(
    tmp_path: Path, cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A SOURCE_DATE_EPOCH that is not a number exits 2 and writes nothing."""
    workbook = write_xlsx(tmp_path / "claim.xlsx", clean_claim())
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    run = cli("build", workbook, "-o", tmp_path / "a.zip")
    assert run.code == 2
    assert "SOURCE_DATE_EPOCH" in run.err
    assert not (tmp_path / "a.zip").exists()


# --------------------------------------------------------------------------------- refusals


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def test_refused_build_writes_nothing(tmp_path: Path, cli: Callable[..., Run]) -> None:
    """With errors, build exits 1 and leaves no package, no partial file, and an existing file
    at the output path untouched."""
    sheets = clean_claim()
    sheets["Kulut"].rows[2][2] = "ruoka"
    workbook = write_xlsx(tmp_path / "claim.xlsx", sheets)
    run = cli("build", workbook, "-o", tmp_path / "new.zip")
    assert run.code == 1
    assert "EL-005" in run.out
    assert not (tmp_path / "new.zip").exists()
    existing = tmp_path / "old.zip"
    existing.write_bytes(b"the officer's earlier package")
    assert cli("build", workbook, "-o", existing).code == 1
    assert existing.read_bytes() == b"the officer's earlier package"
    assert _leftovers(tmp_path) == []


def test_identity_codes_block_the_build(tmp_path: Path) -> None:
    """No personal identity code can reach a package: the privacy rules refuse the build."""
    sheets = clean_claim()
    sheets["Kulut"].rows[1][3] = "Psykoterapia 131052-308T"
    claim, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=TODAY)
    assert claim is not None
    with pytest.raises(BuildRefused) as refused:
        build_package(claim, report, tmp_path / "p.zip", created_at=CREATED)
    assert "PR-001" in {f.rule for f in refused.value.report.findings}
    assert not (tmp_path / "p.zip").exists()


def test_build_never_overwrites_its_input(tmp_path: Path, cli: Callable[..., Run]) -> None:
    """An output path that is an input file is a usage error; the input is untouched."""
    workbook = write_xlsx(tmp_path / "claim.xlsx", clean_claim())
    before = workbook.read_bytes()
    run = cli("build", workbook, "-o", workbook)
    assert run.code == 2
    assert workbook.read_bytes() == before


def test_output_folder_missing(tmp_path: Path, cli: Callable[..., Run]) -> None:
    """An output in a folder that does not exist exits 2 with a clear message."""
    workbook = write_xlsx(tmp_path / "claim.xlsx", clean_claim())
    run = cli("build", workbook, "-o", tmp_path / "nowhere" / "p.zip")
    assert run.code == 2
    assert "does not exist" in run.err


def test_strict_build_refuses_open_warnings(tmp_path: Path, cli: Callable[..., Run]) -> None:
    """--strict refuses while a warning is not acknowledged; warnings otherwise travel."""
    sheets = clean_claim()
    sheets["Kulut"].rows[2][4] = None  # EL-008
    workbook = write_xlsx(tmp_path / "claim.xlsx", sheets)
    assert cli("build", workbook, "-o", tmp_path / "s.zip", "--strict").code == 1
    assert not (tmp_path / "s.zip").exists()
    assert cli("build", workbook, "-o", tmp_path / "w.zip").code == 0
    xml = _member(tmp_path / "w.zip", "claim.xml")
    assert b'rule="EL-008" severity="warning" messageKey="EL-008" lineId="Kulut:3"' in xml


def test_acknowledged_warnings_travel_with_their_reasons(tmp_path: Path) -> None:
    """An acknowledged warning and its reason are in the package and come back on inspect."""
    sheets = clean_claim()
    sheets["Kulut"].rows[0].append("Kuitattu")
    sheets["Kulut"].rows[2][4] = None
    sheets["Kulut"].rows[2].append("EL-008: peruste kuvauksessa")
    claim, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=TODAY)
    assert claim is not None
    package = build_package(claim, report, tmp_path / "p.zip", created_at=CREATED).path
    xml = _member(package, "claim.xml").decode()
    assert '<Acknowledgement rule="EL-008">peruste kuvauksessa</Acknowledgement>' in xml
    inspected = inspect_package(package)
    assert inspected.ok
    assert [(f.rule, f.acknowledged) for f in inspected.report.findings] == [
        ("EL-008", "peruste kuvauksessa")]


# ------------------------------------------------------------------------------ attachments


def _with_attachment(tmp_path: Path, name: str) -> Path:
    sheets = clean_claim()
    sheets["Kulut"].rows[0].append("Liite")
    sheets["Kulut"].rows[1].append(name)
    return write_xlsx(tmp_path / "claim.xlsx", sheets)


def test_attachments_are_packed_with_digests(tmp_path: Path, cli: Callable[..., Run]) -> None:
    """Invoice copies from --attachments are members with their digests in the manifest."""
    folder = tmp_path / "liitteet"
    folder.mkdir()
    (folder / "T-1.pdf").write_bytes(b"%PDF-1.7 invoice copy")
    workbook = _with_attachment(tmp_path, "T-1.pdf")
    run = cli("build", workbook, "-o", tmp_path / "p.zip", "--attachments", folder,
              "--format", "json")
    assert run.code == 0, run.out
    members = {m["path"]: m for m in run.json()["package"]["members"]}
    assert set(members) == {"claim.xml", "attachments/T-1.pdf"}
    assert _member(tmp_path / "p.zip", "attachments/T-1.pdf") == b"%PDF-1.7 invoice copy"
    assert inspect_package(tmp_path / "p.zip").ok


@pytest.mark.parametrize(("name", "key"), [("T-2.pdf", "PK-001"), ("../T-1.pdf", "PK-001/unsafe")])
def test_missing_or_unsafe_attachment_refuses(
    tmp_path: Path, cli: Callable[..., Run], name: str, key: str
) -> None:
    """A named file that is missing, or a name with a path, is PK-001 and nothing is written."""
    folder = tmp_path / "liitteet"
    folder.mkdir()
    (folder / "T-1.pdf").write_bytes(b"%PDF")
    run = cli("build", _with_attachment(tmp_path, name), "-o", tmp_path / "p.zip",
              "--attachments", folder, "--format", "json")
    assert run.code == 1
    assert key in [f["message_key"] for f in run.json()["findings"]]
    assert not (tmp_path / "p.zip").exists()


# ------------------------------------------------------------------------------ the reader


def test_changed_amount_names_the_member(tmp_path: Path) -> None:
    """Changing one amount in claim.xml is a digest finding on claim.xml and a totals finding."""
    package = _build(tmp_path)
    _rewrite(package, lambda n, d: d.replace(b"<Net>480.00</Net>", b"<Net>580.00</Net>")
             if n == "claim.xml" else d)
    keys = _rules(package)
    assert ("PK-005", "claim.xml") in keys
    assert ("PK-007", "claim.xml") in keys


@pytest.mark.parametrize("member", ["claim.xml", "attachments/T-1.pdf", "manifest.xml"])
def test_one_changed_byte_in_any_member(tmp_path: Path, member: str) -> None:
    """One changed byte in any member fails inspect with a finding naming that member."""
    folder = tmp_path / "att"
    folder.mkdir()
    (folder / "T-1.pdf").write_bytes(b"%PDF-1.7 invoice")
    workbook = _with_attachment(tmp_path, "T-1.pdf")
    claim, report = read_claim(workbook, today=TODAY)
    assert claim is not None
    package = build_package(claim, report, tmp_path / "p.zip", attachments=folder,
                            created_at=CREATED).path
    needle = {"claim.xml": b"Psykoterapia", "attachments/T-1.pdf": b"invoice",
              "manifest.xml": b"2026-11-29T12:00:00Z"}[member]
    replacement = needle[:-1] + bytes([needle[-1] ^ 1])
    _rewrite(package, lambda n, d: d.replace(needle, replacement) if n == member else d)
    inspected = inspect_package(package)
    assert not inspected.ok
    assert member in {f.location.sheet for f in inspected.report.findings if f.blocks}


def _data_span(package: Path, member: str) -> tuple[int, int]:
    """Where *member*'s compressed bytes stand in the archive file."""
    import struct

    data = package.read_bytes()
    with zipfile.ZipFile(package) as archive:
        info = archive.getinfo(member)
    name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26:
                                                           info.header_offset + 30])
    start = info.header_offset + 30 + name_length + extra_length
    return start, start + info.compress_size


@pytest.mark.parametrize("member", ["claim.xml", "manifest.xml"])
def test_flipped_bytes_of_the_archive_itself(tmp_path: Path, member: str) -> None:
    """A byte flipped in the archive file, anywhere in a member's compressed data, makes the
    package invalid with a finding on that member (or on the archive), unless the flip left
    the unpacked content exactly as it was (deflate's padding bits)."""
    package = _build(tmp_path)
    original = package.read_bytes()
    content = _member(package, member)
    start, end = _data_span(package, member)
    invalid = 0
    for offset in range(start, end):
        flipped = bytearray(original)
        flipped[offset] ^= 0x55
        package.write_bytes(bytes(flipped))
        inspected = inspect_package(package)
        if inspected.ok:
            assert _member(package, member) == content, offset
            continue
        invalid += 1
        assert {f.location.sheet for f in inspected.report.findings if f.blocks} & {
            member, None}, offset
    assert invalid >= (end - start) - 2


def test_member_outside_the_archive(tmp_path: Path) -> None:
    """A member whose path leaves the archive is PK-004/unsafe and nothing is read."""
    package = _build(tmp_path)
    _rewrite(package, lambda n, d: d, extra={"../evil.txt": b"x"})
    assert ("PK-004/unsafe", "../evil.txt") in _rules(package)


def test_unexpected_member(tmp_path: Path) -> None:
    """A member the manifest does not list is PK-004/unexpected."""
    package = _build(tmp_path)
    _rewrite(package, lambda n, d: d, extra={"attachments/extra.pdf": b"%PDF"})
    assert ("PK-004/unexpected", "attachments/extra.pdf") in _rules(package)


def test_zip_bomb_member(tmp_path: Path) -> None:
    """A member far larger than its compressed size is PK-008 and is never decompressed."""
    package = _build(tmp_path)
    _rewrite(package, lambda n, d: d, extra={"attachments/bomb.pdf": bytes(40 * 1024 * 1024)})
    assert ("PK-008/limit", "attachments/bomb.pdf") in _rules(package)


@pytest.mark.parametrize(("content", "key"), [
    (b"%PDF-1.7 not a package", "PK-003/not_zip"),
    (b"", "PK-003/not_zip"),
])
def test_not_a_package(tmp_path: Path, content: bytes, key: str, cli: Callable[..., Run]) -> None:
    """A file that is not a ZIP is one clear finding, exit 1, no traceback."""
    path = tmp_path / "p.zip"
    path.write_bytes(content)
    assert _rules(path) == [(key, None)]
    run = cli("inspect", path)
    assert run.code == 1
    assert "Traceback" not in run.out + run.err


def test_zip_that_is_no_package(tmp_path: Path) -> None:
    """A ZIP without a manifest is PK-004/no_manifest."""
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert _rules(path) == [("PK-004/no_manifest", "manifest.xml")]


def test_inspect_cli_json_shape(tmp_path: Path, cli: Callable[..., Run]) -> None:
    """inspect --format json has the validate report's keys plus a package object."""
    package = _build(tmp_path)
    run = cli("inspect", package, "--format", "json")
    assert run.code == 0, run.out
    data = run.json()
    assert data["report_version"] == 1
    assert data["summary"] == data["summary"] | CLEAN_TOTALS.json()
    assert data["package"]["valid"] is True
    assert data["package"]["recipient"] == "evk-1"
    assert re.fullmatch(r"[0-9a-f-]{36}", data["package"]["package_id"])


def test_inspect_reruns_the_rules(tmp_path: Path) -> None:
    """A package whose lines break a rule (schema-valid, digests fixed) fails on the rules, with
    locations back to the workbook's rows."""
    package = _build(tmp_path)
    claim_xml = _member(package, "claim.xml").replace(
        b"<ServiceDate>2026-07-02</ServiceDate>", b"<ServiceDate>2025-07-02</ServiceDate>")
    from elyclaims.package import Member, manifest_xml

    (tmp_path / "claim.xml").write_bytes(claim_xml)
    member = Member.from_file("claim.xml", tmp_path / "claim.xml", "application/xml")
    header = re.search(rb'packageId="([^"]+)"', claim_xml).group(1).decode()
    manifest = manifest_xml([member], package_id=header, ruleset="2026.11", created_at=CREATED)
    _rewrite(package, lambda n, d: claim_xml if n == "claim.xml" else manifest)
    findings = inspect_package(package).report.findings
    errors = {(f.rule, f.location.sheet, f.location.row) for f in findings if f.blocks}
    assert ("EL-009", "Kulut", 2) in errors
    assert ("EL-002", "Kulut", 2) in errors


def test_sample_with_invoice_copies(tmp_path: Path, cli: Callable[..., Run]) -> None:
    """The Finnish sample packs its two invoice copies and inspects clean."""
    run = cli("build", SAMPLES / "vantaa-kerava-hva-2026-q3.xlsx", "--attachments",
              SAMPLES / "liitteet", "-o", tmp_path / "v.zip", "--format", "json")
    assert run.code == 0, run.out
    built = run.json()
    assert built["summary"]["warnings"] == 0
    assert sorted(m["path"] for m in built["package"]["members"]) == [
        "attachments/T-2026-1182.pdf", "attachments/T-2026-1297.pdf", "claim.xml"]
    inspected = cli("inspect", tmp_path / "v.zip", "--format", "json").json()
    assert inspected["findings"] == []
    assert inspected["summary"]["net_total"] == "6476.60"


def test_sample_packages_inspect_clean(tmp_path: Path, cli: Callable[..., Run]) -> None:
    """Packages built from the samples inspect as valid with exact totals."""
    run = cli("build", SAMPLES / "osterbotten-valfardsomrade-2026-h1.xlsx", "-o",
              tmp_path / "o.zip")
    assert run.code == 0, run.out
    inspected = cli("inspect", tmp_path / "o.zip", "--format", "json").json()
    assert inspected["summary"]["net_total"] == "2650.00"
    assert inspected["package"]["valid"]





@pytest.mark.parametrize(("purpose", "code", "name"), [
    ("päätöshakemus", "evk-1", "Uudenmaan elinvoimakeskus"),
    ("maksatushakemus", "keha", "Työllisyys-, kehittämis- ja hallintokeskus"),
])
def test_no_recipient_given_packs_the_default(tmp_path: Path, purpose: str, code: str,
                                              name: str) -> None:
    """A claim naming no recipient goes, in the package, to the default: a decision
    application to the claimant's elinvoimakeskus, a payment claim to KEHA-keskus."""
    sheets = clean_claim()
    sheets["Hakemus"].rows[6][1] = purpose
    sheets["Hakemus"].rows[7][1] = None
    sheets["Hakemus"].rows.append(["Päätöksen numero", "VN/1/2026"])
    claim, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=TODAY)
    assert claim is not None
    assert report.ok, [f.key for f in report.findings if f.blocks]
    built = build_package(claim, report, tmp_path / "p.zip", created_at=CREATED)
    assert f'<Recipient code="{code}">{name}</Recipient>' in \
        _member(built.path, "claim.xml").decode("utf-8")
    assert inspect_package(built.path).ok


def test_validate_and_build_agree_on_today(tmp_path: Path) -> None:
    """ELYCLAIMS_TODAY (or --today) is the rules' today in validate and build alike;
    SOURCE_DATE_EPOCH only sets the package's timestamps."""
    from conftest import run_elyclaims

    workbook = write_xlsx(tmp_path / "c.xlsx", clean_claim())
    early = {"ELYCLAIMS_TODAY": "2026-08-01", "SOURCE_DATE_EPOCH": "1893456000"}  # 2030
    validate = run_elyclaims("validate", workbook, "--format", "json", env=early)
    build = run_elyclaims("build", workbook, "-o", tmp_path / "p.zip", "--format", "json",
                          env=early)
    future = [f["line_id"] for f in validate.json()["findings"] if f["rule"] == "EL-010"]
    assert future == ["Kulut:3", "Kulut:4"]
    assert build.code == 1
    assert [f["line_id"] for f in build.json()["findings"] if f["rule"] == "EL-010"] == future
    flag = run_elyclaims("validate", workbook, "--today", "2026-08-01", "--format", "json")
    assert [f["line_id"] for f in flag.json()["findings"] if f["rule"] == "EL-010"] == future
    assert run_elyclaims("validate", workbook, "--today", "eilen").code == 2


# ------------------------------------------------------------------ the self-check


@pytest.mark.parametrize("change", [
    ("<Net>1850.25</Net>", "<Net>many</Net>"),                   # a value the schema refuses
    ("<Category>SOCIAL</Category>", ""),                           # a required element missing
    ('<Expense lineId="Kulut:4">', '<Expense lineId="Kulut:4"><Unknown/>'),  # one unknown
    ("</Expenses>", "</Expense>"),                                 # not even well formed
    ('<Expense lineId="Kulut:4">', '<Expense lineId="Kulut:3">'),  # a line id twice
])
def test_the_streaming_self_check_still_refuses_a_broken_claim_xml(
        tmp_path: Path, change: tuple[str, str]) -> None:
    """Only expense lines come back to Python during the check, yet libxml2 still validates
    every element: a broken line deep in the file, a missing element, an unknown one, broken
    markup and a line id given twice are each refused, at their line; in this process, and in
    the child process the build checks claim.xml in while it writes the ZIP (``SchemaCheckInChild``),
    which parses the document whole, or streaming from its start, or whole until it proves
    too long and then streaming from its start."""
    from elyclaims.package import (
        CHILD_CHECK_BYTES,
        CLAIM_NS,
        CLAIM_SCHEMA,
        WHOLE_BYTES,
        InvalidXml,
        SchemaCheckInChild,
        claim_schema,
        read_claim_xml,
        schema_text,
        validate_xml,
    )

    xml = _member(_build(tmp_path), "claim.xml").decode("utf-8")
    release = f"{{{CLAIM_NS}}}Expense"
    validate_xml(io.BytesIO(xml.encode()), claim_schema(), release=release)
    (tmp_path / "valid.xml").write_text(xml, encoding="utf-8")
    SchemaCheckInChild(str(tmp_path / "valid.xml"), schema_text(CLAIM_SCHEMA), release).result()
    old, new = change
    assert old in xml
    broken = xml.replace(old, new, 1).encode("utf-8")
    line = xml[:xml.index(old)].count("\n") + 1
    with pytest.raises(InvalidXml) as refused:
        validate_xml(io.BytesIO(broken), claim_schema(), release=release)
    assert refused.value.line == line
    (tmp_path / "broken.xml").write_bytes(broken)
    with pytest.raises(InvalidXml) as beside:
        SchemaCheckInChild(str(tmp_path / "broken.xml"), schema_text(CLAIM_SCHEMA), release).result()
    assert (beside.value.line, beside.value.message) == (line, refused.value.message)
    # As inspect reads a large package: parsed here, checked beside; the same verdict.
    valid = read_claim_xml(io.BytesIO(xml.encode()), size=CHILD_CHECK_BYTES)
    assert valid == read_claim_xml(io.BytesIO(xml.encode()))
    with pytest.raises(InvalidXml) as read_beside:
        read_claim_xml(io.BytesIO(broken), size=CHILD_CHECK_BYTES)
    with pytest.raises(InvalidXml) as read_here:
        read_claim_xml(io.BytesIO(broken))
    assert (read_beside.value.line, read_beside.value.message) == (
        read_here.value.line, read_here.value.message) == (line, refused.value.message)
    # As the build gives it: written to the check in pieces while the file is written; the
    # document parsed whole, streaming, or whole until it proves longer than half its length.
    for whole in (WHOLE_BYTES, 0, len(broken) // 2):
        for document in (xml.encode("utf-8"), broken):
            streamed = SchemaCheckInChild(str(tmp_path / "broken.xml"), schema_text(CLAIM_SCHEMA),
                                   release, whole=whole)
            for start in range(0, len(document), 1024):
                streamed.write(document[start:start + 1024])
            streamed.end()
            if document != broken:
                streamed.result()
                continue
            with pytest.raises(InvalidXml) as written:
                streamed.result()
            assert (written.value.line, written.value.message) == (line, refused.value.message)


def test_the_check_beside_never_blocks_its_writer(tmp_path: Path) -> None:
    """A document refused at its first lines, followed by far more than any pipe holds, is
    written to the check to its end while its file grows (the child reads on after the
    problem, and looks its line up in the file once the file is complete), and refused at its
    line with the message of a check here; a child that is killed while the document is
    written is a refusal too, never a hang or a broken-pipe error."""
    from elyclaims.package import (
        CLAIM_NS,
        CLAIM_SCHEMA,
        InvalidXml,
        SchemaCheckInChild,
        claim_schema,
        schema_text,
        validate_xml,
    )

    xml = _member(_build(tmp_path), "claim.xml")
    head = xml[:xml.index(b"<Expenses>")]
    filler = b"<!-- " + b"x" * (8 << 20) + b" -->\n"
    document = xml.replace(b"<Expenses>", b"<Expenses><Nonsense/>\n" + filler, 1)
    with pytest.raises(InvalidXml) as here:
        validate_xml(io.BytesIO(document), claim_schema(), release=f"{{{CLAIM_NS}}}Expense")
    assert here.value.line == head.count(b"\n") + 1
    path = tmp_path / "long.xml"
    check = SchemaCheckInChild(str(path), schema_text(CLAIM_SCHEMA), f"{{{CLAIM_NS}}}Expense")
    with path.open("wb") as handle:  # as the build writes: the file grows with the stream
        for start in range(0, len(document), 1 << 16):
            handle.write(document[start:start + (1 << 16)])
            handle.flush()
            check.write(document[start:start + (1 << 16)])
    with pytest.raises(InvalidXml) as refused:
        check.result()
    assert (refused.value.line, refused.value.message) == (here.value.line, here.value.message)
    killed = SchemaCheckInChild(str(path), schema_text(CLAIM_SCHEMA), f"{{{CLAIM_NS}}}Expense")
    assert killed._process is not None
    killed._process.kill()
    for start in range(0, len(document), 1 << 16):
        killed.write(document[start:start + (1 << 16)])
    with pytest.raises(InvalidXml, match="stopped"):
        killed.result()


_PARSE_IN_THREADS = """
import threading
from elyclaims.package._schema import MANIFEST_SCHEMA, _load
barrier = threading.Barrier(2)
failed = []
def parse():
    barrier.wait(timeout=30)
    try:
        _load(MANIFEST_SCHEMA)
    except Exception as error:
        failed.append(repr(error))
threads = [threading.Thread(target=parse) for _ in range(2)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(timeout=60)
print(len(failed))
"""


def test_schemas_parsed_by_threads_at_once_all_load() -> None:
    """Two threads parsing a package schema at one moment in a fresh process (the intake's
    first two requests) each get the schema: without the lock about half of such processes
    failed ("not valid XML Schema"), aborted or crashed in libxml2."""
    for _ in range(12):
        run = subprocess.run([sys.executable, "-c", _PARSE_IN_THREADS], capture_output=True,
                             text=True, timeout=120, check=False)
        assert run.returncode == 0, run.stderr
        assert run.stdout.strip() == "0", run.stdout


def test_an_identity_code_in_an_invoice_copy_stops_the_build_unless_acknowledged(
        tmp_path: Path) -> None:
    """A PDF invoice copy naming its patient by identity code: build refuses (exit 1, PR-004 on
    the line's attachment cell, the code masked, no package); acknowledged on that line with
    PR-004 and a reason, it travels, as an acknowledged warning the package carries. A reason
    for every warning of the line does not acknowledge it."""
    from workbooks import minimal_pdf

    folder = tmp_path / "liitteet"
    folder.mkdir()
    (folder / "lasku.pdf").write_bytes(minimal_pdf("Potilas 131052-308T"))
    sheets = clean_claim()
    sheets["Kulut"].rows[0].extend(["Liite", "Kuitattu"])
    sheets["Kulut"].rows[1].extend(["lasku.pdf", "Laskun tarkistettu"])
    refused = run_elyclaims("build", write_xlsx(tmp_path / "a.xlsx", sheets), "-o",
                            tmp_path / "a.zip", "--attachments", folder, "--format", "json",
                            env={"ELYCLAIMS_TODAY": "2026-11-29"})
    assert refused.code == 1
    [finding] = [f for f in refused.json()["findings"] if f["rule"] == "PR-004"]
    assert (finding["cell"], finding["severity"]) == ("L2", "error")
    assert "131052-****" in finding["message"]
    assert "308T" not in refused.out + refused.err
    assert not (tmp_path / "a.zip").exists()
    sheets["Kulut"].rows[1][-1] = "PR-004: Sairaalan lasku, viranomainen tarvitsee tunnuksen"
    built = run_elyclaims("build", write_xlsx(tmp_path / "b.xlsx", sheets), "-o",
                          tmp_path / "b.zip", "--attachments", folder, "--format", "json",
                          env={"ELYCLAIMS_TODAY": "2026-11-29"})
    assert built.code == 0, built.out
    claim_xml = _member(tmp_path / "b.zip", "claim.xml").decode()
    assert 'rule="PR-004"' in claim_xml
    assert "viranomainen tarvitsee tunnuksen" in claim_xml


def test_a_package_judged_a_day_ahead_is_received_two_days_ahead_is_not(tmp_path: Path) -> None:
    """judgedOn one day after the receiver's date is within the time zones' grace; two days
    after is PK-010."""
    from datetime import timedelta

    package = _build(tmp_path)
    judged = CREATED.date()
    for received, expected in ((judged - timedelta(days=1), []),
                               (judged - timedelta(days=2), ["PK-010"]), (judged, [])):
        found = inspect_package(package, received_on=received).report.findings
        assert [f.rule for f in found if f.rule == "PK-010"] == expected, received
