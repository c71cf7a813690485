"""Rules across a whole workbook: one problem per line, organisers, overrides, acknowledgements,
languages and the privacy of every output."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Run
from elyclaims import check_claim, read_claim
from elyclaims.catalogue import LANGUAGES
from elyclaims.config import Config, load_config
from elyclaims.errors import ConfigError
from elyclaims.findings import Severity
from elyclaims.progress import reporting
from elyclaims.render import report_to_json, report_to_text
from elyclaims.rules import RULES
from test_rule_cases import TODAY, where
from workbooks import EXPENSE_HEADERS_FI, Sheet, clean_claim, write_xlsx

LINE = [date(2026, 8, 3), "IHK-2", "INTERPRET", "Tulkkaus", "Ei yhteistä kieltä", "Tulkki Oy",
        "1234567-1", "TP-1", 120, 30.6, 150.6]


def _line(**changes: object) -> list[object]:
    row = list(LINE)
    for header, value in changes.items():
        name = header if header in EXPENSE_HEADERS_FI else header.replace("_", " ")
        row[EXPENSE_HEADERS_FI.index(name)] = value
    return row


def test_one_problem_per_line(tmp_path: Path) -> None:
    """Each broken line gets exactly its expected error, and the clean lines get none."""
    sheets = clean_claim()
    lines = [
        (_line(Palvelupäivä=date(2026, 2, 1), Laskun_numero="TP-0"), "EL-002"),  # also EL-009
        (_line(Asiakastunnus="IHK-404", Laskun_numero="TP-2"), "EL-001"),
        (_line(Kululaji="ruoka", Laskun_numero="TP-3"), "EL-005"),
        (_line(**{"Palveluntuottajan Y-tunnus": "1234567-9", "Laskun numero": "TP-4"}), "PV-001"),
        (_line(Verollinen_summa=151, Laskun_numero="TP-5"), "AM-002"),
        (_line(Veroton_summa=-120, ALV=0, Verollinen_summa=-120, Laskun_numero="TP-6"), "AM-003"),
        (_line(Kuvaus="asiakas 131052-308T", Laskun_numero="TP-7"), "PR-001"),
        (_line(Palvelupäivä=date(2026, 10, 2), Laskun_numero="TP-8"), "EL-009"),
        (_line(Laskun_numero="TP-1"), "DU-001"),
    ]
    sheets["Kulut"].rows.extend(row for row, _ in lines)
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=TODAY)
    errors = {(f.line_id, f.rule) for f in report.findings if f.severity is Severity.ERROR}
    expected = {(f"Kulut:{5 + index}", rule) for index, (_, rule) in enumerate(lines)}
    expected.add(("Kulut:5", "EL-009"))  # 1.2.2026 is also outside the claim period
    assert errors == expected
    clean_lines = {"Kulut:2", "Kulut:3", "Kulut:4"}
    assert not [f for f in report.findings if f.line_id in clean_lines]


def _claimant(sheets: dict[str, Sheet], name: str, kind: str, code: str, business_id: str) -> None:
    rows = sheets["Hakemus"].rows
    rows[0][1], rows[1][1], rows[2][1], rows[3][1] = name, business_id, kind, code


@pytest.mark.parametrize(("kind", "code", "expected"), [
    ("hyvinvointialue", "04", set()),
    ("Helsingin kaupunki", "091", {"Kulut:2", "Kulut:3", "Kulut:4"}),
    ("kunta", "092", {"Kulut:2", "Kulut:3", "Kulut:4"}),  # Vantaa: HEALTH/SOCIAL are the county's,
    ("kunta", "245", {"Kulut:2", "Kulut:4"}),  # Kerava may claim its resident's interpretation
    ("hyvinvointialue", "01", {"Kulut:2", "Kulut:3", "Kulut:4"}),
])
def test_responsible_organiser_from_2023(
    tmp_path: Path, kind: str, code: str, expected: set[str]
) -> None:
    """From 2023 HEALTH/SOCIAL belong to the home municipality's county; other categories also
    to the home municipality."""
    sheets = clean_claim()
    _claimant(sheets, "Hakija", kind, code, "0201256-6")
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=TODAY)
    assert {f.line_id for f in report.findings if f.rule == "EL-006"} == expected


def test_responsible_organiser_before_2023(tmp_path: Path) -> None:
    """Before 2023 only the home municipality may claim, whatever the category."""
    sheets = clean_claim()
    sheets["Hakemus"].rows[4][1] = date(2022, 7, 1)
    sheets["Hakemus"].rows[5][1] = date(2022, 12, 31)
    sheets["Asiakkaat"].rows[1][1] = date(2022, 1, 5)
    sheets["Asiakkaat"].rows[1][4] = date(2021, 1, 1)
    sheets["Kulut"].rows = [sheets["Kulut"].rows[0],
                            [date(2022, 8, 1), "IHK-1", "HEALTH", "Hoito", "Trauma", None, None,
                             None, 100, 0, 100]]
    _, county = read_claim(write_xlsx(tmp_path / "a.xlsx", sheets), today=TODAY)
    assert [f.key for f in county.findings if f.rule == "EL-006"] == ["EL-006/before_reform"]
    _claimant(sheets, "Vantaan kaupunki", "kunta", "092", "0201256-6")
    _, vantaa = read_claim(write_xlsx(tmp_path / "b.xlsx", sheets), today=TODAY)
    assert [f for f in vantaa.findings if f.rule == "EL-006"] == []


def test_severity_override(tmp_path: Path) -> None:
    """The config can make a warning an error or an info."""
    sheets = clean_claim()
    sheets["Kulut"].rows[2][4] = None  # EL-008 warning
    path = write_xlsx(tmp_path / "c.xlsx", sheets)
    _, as_error = read_claim(path, config=Config(severity={"EL-008": "error"}), today=TODAY)
    assert [(f.rule, f.severity) for f in as_error.findings] == [("EL-008", Severity.ERROR)]
    assert not as_error.ok
    _, as_info = read_claim(path, config=Config(severity={"EL-008": "info"}), today=TODAY)
    assert [(f.rule, f.severity) for f in as_info.findings] == [("EL-008", Severity.INFO)]


@pytest.mark.parametrize(("content", "words"), [
    ('[severity]\n"PR-001" = "warning"\n', "stays an error"),
    ('[severity]\n"WB-001" = "info"\n', "stays an error"),
    ('[severity]\n"XX-999" = "info"\n', "not a rule id"),
    ('[[acknowledge]]\nrule = "EL-008"\nreason = "  "\n', "written reason"),
])
def test_invalid_overrides_and_acknowledgements(tmp_path: Path, content: str, words: str) -> None:
    """Privacy and unreadable-input errors cannot be lowered; unknown rules and empty reasons are
    config errors."""
    (tmp_path / "elyclaims.toml").write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=words):
        load_config()


def test_acknowledgement_column_and_strict(tmp_path: Path, cli: Callable[..., Run]) -> None:
    """A reason in the Kuitattu column acknowledges the line's warnings; --strict then passes,
    and the reason is kept."""
    sheets = clean_claim()
    sheets["Kulut"].rows[0].append("Kuitattu")
    sheets["Kulut"].rows[2][4] = None  # EL-008 on Kulut:3
    sheets["Kulut"].rows[2].append("EL-008: tulkkauksen peruste on kuvauksessa")
    path = write_xlsx(tmp_path / "c.xlsx", sheets)
    _, report = read_claim(path, today=TODAY)
    [finding] = report.findings
    assert finding.acknowledged == "tulkkauksen peruste on kuvauksessa"
    assert report.passes(strict=True)
    run = cli("validate", path, "--strict", "--format", "json")
    assert run.code == 0
    assert run.json()["summary"]["acknowledged"] == 1
    assert run.json()["findings"][0]["acknowledged"] == "tulkkauksen peruste on kuvauksessa"


def test_acknowledgement_for_another_rule_does_not_cover(tmp_path: Path) -> None:
    """An acknowledgement names its rules: a warning of another rule stays open."""
    sheets = clean_claim()
    sheets["Kulut"].rows[0].append("Kvitterad")
    sheets["Kulut"].rows[2][4] = None
    sheets["Kulut"].rows[2].append("PV-002: egen kostnad")
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=TODAY)
    assert [(f.rule, f.acknowledged) for f in report.findings] == [("EL-008", None)]
    assert not report.passes(strict=True)


def test_acknowledgement_from_config_by_row(tmp_path: Path) -> None:
    """The config acknowledges a rule on a row; errors are never acknowledged."""
    sheets = clean_claim()
    sheets["Kulut"].rows[2][4] = None  # EL-008 warning on row 3
    sheets["Kulut"].rows[3][6] = "1234567-2"  # PV-001 error on row 4
    config = Config.model_validate({"acknowledge": [
        {"rule": "EL-008", "line": 3, "reason": "peruste kuvauksessa"},
        {"rule": "PV-001", "reason": "yritetään kuitata virhettä"},
    ]})
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), config=config, today=TODAY)
    assert {(f.rule, f.acknowledged) for f in report.findings} == {
        ("EL-008", "peruste kuvauksessa"), ("PV-001", None)}


@pytest.mark.parametrize(("column", "line", "acknowledged"), [
    ("EL-008: peruste kuvauksessa", None, ["Kulut:3"]),
    ("peruste kuvauksessa", None, ["Kulut:3"]),
    (None, 3, ["Kulut:3"]),
    (None, " Kulut:3 ", ["Kulut:3"]),
    (None, "99", []),  # no such line: nothing acknowledged
    (None, "Kulut:99", []),
])
def test_an_acknowledgement_of_one_line_leaves_the_others_open(
    tmp_path: Path, column: str | None, line: object, acknowledged: list[str]
) -> None:
    """An acknowledgement of one line (the line's own column, or the config's `line`: a row,
    or an id) acknowledges that line's warning only; the same warning on the other lines stays
    open, and a line no row has acknowledges none."""
    sheets = clean_claim()
    sheets["Kulut"].rows[0].append("Kuitattu")
    for row in sheets["Kulut"].rows[1:]:
        row[4] = None  # EL-008 on every line
        row.append(None)
    sheets["Kulut"].rows[2][-1] = column
    config = Config.model_validate(
        {"acknowledge": [{"rule": "EL-008", "line": line, "reason": "peruste kuvauksessa"}]}
        if line is not None else {})
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), config=config, today=TODAY)
    assert [(f.rule, f.line_id) for f in report.findings] == [
        ("EL-008", "Kulut:2"), ("EL-008", "Kulut:3"), ("EL-008", "Kulut:4")]
    assert [f.line_id for f in report.findings if f.acknowledged] == acknowledged
    assert {f.acknowledged for f in report.findings if f.acknowledged} <= {"peruste kuvauksessa"}


@settings(max_examples=200)
@given(st.text(), st.sampled_from(["", 'language = "fi"\n', "# oma\n\n[claimant]\nname = \"X\"\n"]))
def test_an_added_acknowledgement_reads_back_as_written(reason: str, before: str) -> None:
    """add_acknowledgement writes a reason of any characters so that the config reads it back
    (white space made single), keeps what the file held, and refuses an empty reason or one
    with an identity code, leaving the file as it was."""
    import tempfile

    from elyclaims.config import add_acknowledgement
    from elyclaims.privacy import contains_identity_code

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "elyclaims.toml"
        path.write_text(before, encoding="utf-8")
        written = " ".join(reason.split())
        if not written or contains_identity_code(reason):
            with pytest.raises(ConfigError):
                add_acknowledgement(path, rule="EL-008", reason=reason, line="Kulut:3")
            assert path.read_text(encoding="utf-8") == before
            return
        add_acknowledgement(path, rule="EL-008", reason=reason, line="Kulut:3")
        config = load_config(path, environ={})
        assert [(a.rule, a.line, a.reason) for a in config.acknowledge] == [
            ("EL-008", "Kulut:3", written)]
        assert path.read_text(encoding="utf-8").startswith(before.rstrip("\n"))
        if "name" in before:
            assert config.claimant.name == "X"


def test_identity_codes_never_reach_any_output(tmp_path: Path, cli: Callable[..., Run]) -> None:
    """PR-001 and PR-003 mask the code in every language and format; the code appears nowhere."""
    sheets = clean_claim()
    code = "131052-308T"
    sheets["Asiakkaat"].rows[1][0] = code
    sheets["Kulut"].rows[1][1] = code
    sheets["Kulut"].rows[2][3] = f"Tulkkaus {code}"
    sheets["Kulut"].rows[3][0] = code  # in a date cell: WB-004 shows the value, masked
    path = write_xlsx(tmp_path / "c.xlsx", sheets)
    _, report = read_claim(path, today=TODAY)
    assert {"PR-001", "PR-003", "WB-004"} <= {f.rule for f in report.findings}
    for lang in LANGUAGES:
        for text in (report_to_text(report, lang=lang), report_to_json(report, lang=lang)):
            assert "308T" not in text
            assert "131052-****" in text
    for fmt in ("text", "json"):
        run = cli("validate", path, "--format", fmt)
        assert "308T" not in run.out + run.err


def test_identity_codes_of_a_claim_made_in_code_and_of_a_config_file(tmp_path: Path) -> None:
    """PR-001 where only a claim made or changed in code can hold a code (a client's home
    municipality, which the reader takes only as a code or name), and in a config file's
    acknowledgement reason, located at the file and its numbered key; a client reference that
    is a code is PR-003's, not also PR-001's."""
    claim, _ = read_claim(write_xlsx(tmp_path / "c.xlsx", clean_claim()), today=TODAY,
                          ledger=None)
    assert claim is not None
    clients = list(claim.clients)
    clients[1] = clients[1].model_copy(update={"home_municipality": "245 010101A123N"})
    clients[0] = clients[0].model_copy(update={"reference": "131052-308T"})
    config_file = tmp_path / "elyclaims.toml"
    config_file.write_text('[[acknowledge]]\nrule = "EL-008"\nreason = "asiakas 131052-308T"\n',
                           encoding="utf-8")
    report = check_claim(claim.model_copy(update={"clients": tuple(clients)}),
                         config=load_config(config_file), today=TODAY, ledger=None)
    privacy = [(f.rule, f.location.file, f.location.sheet, f.location.cell, f.location.field,
                f.value) for f in report.findings if f.rule.startswith("PR")]
    assert privacy == [
        ("PR-001", str(config_file), None, None, "acknowledge[1].reason", "131052-****"),
        ("PR-003", str(tmp_path / "c.xlsx"), "Asiakkaat", "A2", "reference", "131052-****"),
        ("PR-001", str(tmp_path / "c.xlsx"), "Asiakkaat", "D3", "home_municipality",
         "010101A****"),
    ]


def test_the_check_reports_its_progress_rule_by_rule(tmp_path: Path) -> None:
    """A progress listener hears the check once a rule, counted from one to every rule."""
    heard: list[tuple[str, int, int | None]] = []
    with reporting(lambda stage, done, total: heard.append((stage, done, total))):
        read_claim(write_xlsx(tmp_path / "c.xlsx", clean_claim()), today=TODAY, ledger=None)
    checks = [tick for tick in heard if tick[0] == "check"]
    assert checks == [("check", done, len(RULES)) for done in range(1, len(RULES) + 1)]


def test_a_config_acknowledgement_covers_its_own_rule_only(tmp_path: Path) -> None:
    """A config acknowledgement names one rule: the line's warning of another rule stays open."""
    sheets = clean_claim()
    sheets["Kulut"].rows[2][4] = None  # EL-008 on Kulut:3
    sheets["Kulut"].rows[2][6] = None  # and PV-002 (an invoice without the provider's ID)
    config = Config.model_validate({"acknowledge": [
        {"rule": "PV-002", "line": 3, "reason": "tuottaja ilmoittaa tunnuksen"}]})
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), config=config, today=TODAY)
    assert [(f.rule, f.line_id, f.acknowledged) for f in report.findings] == [
        ("EL-008", "Kulut:3", None), ("PV-002", "Kulut:3", "tuottaja ilmoittaa tunnuksen")]


@pytest.mark.parametrize(("period", "line", "expected"), [
    # The claim window (24 months) back from a period end in year 3 ends in year 1, not at
    # Python's first day: a line before that limit is EL-011's.
    ((date(3, 1, 1), date(3, 1, 15)), date(1, 1, 10), ["EL-011"]),
    # Twelve months on from a start in 9998 end in year 9999, not at Python's last day: a period
    # one month longer is CL-004's.
    ((date(9998, 6, 1), date(9999, 7, 1)), date(9999, 6, 10), ["CL-004"]),
])
def test_months_are_counted_to_the_first_and_last_years_a_date_holds(
    tmp_path: Path, period: tuple[date, date], line: date, expected: list[str]
) -> None:
    """Month arithmetic near the years Python's dates hold (a claim made in code can say any):
    the limits are the real days, not the first or last day a date can hold."""
    claim, _ = read_claim(write_xlsx(tmp_path / "c.xlsx", clean_claim()), today=TODAY,
                          ledger=None)
    assert claim is not None
    lines = (claim.expenses[0].model_copy(update={"service_date": line}),)
    clients = tuple(client.model_copy(update={"admission_date": date(1, 1, 1)})
                    for client in claim.clients)
    changed = claim.model_copy(update={"period_start": period[0], "period_end": period[1],
                                       "expenses": lines, "clients": clients})
    report = check_claim(changed, today=date(9999, 12, 31), ledger=None)
    assert [f.rule for f in report.findings if f.rule in ("EL-011", "CL-004")] == expected


def test_messages_in_three_languages(tmp_path: Path) -> None:
    """The same finding reads in Finnish, Swedish and English with the same rule id."""
    sheets = clean_claim()
    sheets["Kulut"].rows[2][2] = "ruoka"
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=TODAY)
    [finding] = report.findings
    assert finding.rule == "EL-005"
    assert "ei ole korvattava kululaji" in finding.message("fi")
    assert "är inte ett ersättningsbart kostnadsslag" in finding.message("sv")
    assert "is not a reimbursable category" in finding.message("en")
    assert where(finding) == "Kulut!C3"


def test_rules_command(cli: Callable[..., Run], tmp_path: Path) -> None:
    """`elyclaims rules` lists every rule as text or JSON, with overrides from the config."""
    run = cli("rules", "--format", "json", "--lang", "sv")
    assert run.code == 0
    catalogue = run.json()
    ids = [rule["id"] for rule in catalogue["rules"]]
    assert ids[0] == "WB-001"
    assert {"CL-001", "EL-006", "PR-003", "DU-003"} <= set(ids)
    el006 = next(rule for rule in catalogue["rules"] if rule["id"] == "EL-006")
    assert el006["severity"] == "error"
    assert el006["source"]
    assert "anordnare" in el006["message"]
    (tmp_path / "elyclaims.toml").write_text('[severity]\n"EL-008" = "info"\n', encoding="utf-8")
    text = cli("rules", "--lang", "en").out
    assert "EL-008  info" in text


def _aland(sheets: dict[str, Sheet]) -> None:
    """Both clients living in Mariehamn (478, Åland), the lines HEALTH and SOCIAL."""
    for row in sheets["Asiakkaat"].rows[1:]:
        row[3] = "Maarianhamina - Mariehamn"


@pytest.mark.parametrize(("code", "cl003"), [(None, []), ("91", []), ("Åland", []),
                                              ("04", ["CL-003/aland"])])
def test_aland_health_care_claims_health_care_on_aland(
    tmp_path: Path, code: str | None, cl003: list[str]
) -> None:
    """ÅHS may claim health care for Åland's residents, not their social services or
    interpretation; its code is 91 (or none)."""
    sheets = clean_claim()
    _aland(sheets)
    _claimant(sheets, "Ålands hälso- och sjukvård", "ÅHS", code or "", "0201256-6")
    if code is None:
        sheets["Hakemus"].rows[3][1] = None
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=TODAY)
    assert [f.key for f in report.findings if f.rule == "CL-003"] == cl003
    assert "CL-002" not in {f.rule for f in report.findings}
    # line 2 is HEALTH (ÅHS's), line 3 INTERPRET and line 4 SOCIAL (the municipality's)
    assert {f.line_id for f in report.findings if f.rule == "EL-006"} == {"Kulut:3", "Kulut:4"}


def test_helsinki_code_090_is_heinavesi(tmp_path: Path) -> None:
    """A Helsinki claimant giving 090 (Heinävesi's code) is CL-003; 091 and 90 are not."""
    for code, expected in (("090", ["CL-003/helsinki"]), ("091", []), ("90", [])):
        sheets = clean_claim()
        _claimant(sheets, "Helsingin kaupunki", "Helsingin kaupunki", code, "0201256-6")
        _, report = read_claim(write_xlsx(tmp_path / f"h{code}.xlsx", sheets), today=TODAY)
        assert [f.key for f in report.findings if f.rule == "CL-003"] == expected, code


def test_names_in_messages_are_in_the_readers_language(tmp_path: Path) -> None:
    """EL-006 names the home municipality and the organiser in the reader's language: Vanda
    and Vanda och Kervo välfärdsområde in Swedish, Vantaa in Finnish."""
    sheets = clean_claim()
    _claimant(sheets, "Hakija", "hyvinvointialue", "01", "0201256-6")
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=TODAY)
    finding = next(f for f in report.findings if f.rule == "EL-006" and f.line_id == "Kulut:2")
    assert "Vanda" in finding.message("sv")
    assert "Vanda och Kervo välfärdsområde" in finding.message("sv")
    assert "Vantaan ja Keravan hyvinvointialue" in finding.message("fi")
    assert "Vantaa and Kerava wellbeing services county" in finding.message("en")
    assert finding.parameters["expected"] == "04"


def test_ceased_centre_names_the_successor_in_each_language(tmp_path: Path) -> None:
    """CL-007 for the Häme ELY Centre names Päijät-Häme's successor in Finnish, Swedish and
    English."""
    sheets = clean_claim()
    _claimant(sheets, "Päijät-Hämeen hyvinvointialue", "hyvinvointialue", "09", "0201256-6")
    sheets["Hakemus"].rows[7][1] = "Hämeen ELY-keskus"
    _, report = read_claim(write_xlsx(tmp_path / "c.xlsx", sheets), today=TODAY)
    finding = next(f for f in report.findings if f.rule == "CL-007")
    assert "Kaakkois-Suomen elinvoimakeskus" in finding.hint("fi")
    assert "Sydöstra Finlands livskraftscentral" in finding.hint("sv")
    assert "Southeastern Finland Economic Development Centre" in finding.hint("en")


class _SameHash:
    """A key whose hash is the same as every other's: what two different keys may have."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __hash__(self) -> int:
        return 42

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _SameHash) and other.text == self.text


def test_duplicates_remembered_by_hash_never_confuse_two_keys() -> None:
    """DU-001 remembers lines by their key's hash; keys that share a hash stay apart, and a
    repeat of either is found with its own first line."""
    from elyclaims.model import ExpenseLine
    from elyclaims.rules.duplicates import FirstByKey

    lines = [ExpenseLine(line_id=f"Kulut:{n}", invoice_number=text)
             for n, text in enumerate(["T-1", "T-2", "T-1", "T-2", "T-3"], start=2)]
    first = FirstByKey(lambda line: _SameHash(line.invoice_number or ""))
    found = [first.earlier(line, _SameHash(line.invoice_number or "")) for line in lines]
    assert [line.line_id if line else None for line in found] == [
        None, None, "Kulut:2", "Kulut:3", None]


def test_one_context_checks_each_claim_on_its_own(tmp_path: Path) -> None:
    """What several rules derive from a claim (its lines with their clients) is made once per
    claim: a context that checks one claim and then another finds in each what a fresh
    context finds, never the first claim's lines."""
    from elyclaims.rules import RuleContext, run_rules

    early = clean_claim()
    early["Kulut"].rows[2][0] = date(2026, 3, 1)  # before the client's admission: EL-002
    claims = []
    for name, sheets in (("clean", clean_claim()), ("early", early)):
        claim, _ = read_claim(write_xlsx(tmp_path / f"{name}.xlsx", sheets), today=TODAY)
        assert claim is not None
        claims.append(claim)
    shared = RuleContext(today=TODAY)
    for claim in (*claims, *reversed(claims)):
        alone = [(f.key, where(f)) for f in run_rules(claim, RuleContext(today=TODAY))]
        assert [(f.key, where(f)) for f in run_rules(claim, shared)] == alone
    assert ("EL-002/before", "Kulut!A3") in [
        (f.key, where(f)) for f in run_rules(claims[1], shared)]
    assert "EL-002" not in {f.rule for f in run_rules(claims[0], shared)}

