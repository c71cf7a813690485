"""Duplicate keys (model.duplicate_key) and DU-001's warning for uninvoiced lines: what makes two
lines one cost, as properties over any text, case, white space and magnitude."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from elyclaims import read_claim
from elyclaims.config import Config
from elyclaims.ledger import Ledger
from elyclaims.model import ExpenseLine, duplicate_key
from elyclaims.package import build_package
from elyclaims.values import EXCEL_ERRORS, MAX_AMOUNT
from workbooks import clean_claim, write_xlsx

TODAY = date(2026, 11, 29)
# Any text a cell can hold as text: not an Excel error value (#NUM!, #n/a…), which a text field
# refuses as the cell's error (WB-004), in any case.
texts = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30).filter(
    lambda text: text.strip().upper() not in {error.upper() for error in EXCEL_ERRORS})
# Up to the largest amount a cell may hold (values.MAX_AMOUNT, exclusive).
amounts = st.decimals(min_value=-MAX_AMOUNT + Decimal("0.01"),
                      max_value=MAX_AMOUNT - Decimal("0.01"), places=2, allow_nan=False,
                      allow_infinity=False)


def _respelled(text: str) -> str:
    """*text* as another officer types it: upper case, spaces around and inside."""
    return f"  {' '.join(text.upper())} "


@given(client=texts, description=texts, net=amounts, invoice=texts,
       day=st.dates(date(2000, 1, 1), date(2100, 1, 1)))
def test_keys_fold_case_and_spaces_and_never_mix_kinds(client: str, description: str,
                                                        net: Decimal, invoice: str,
                                                        day: date) -> None:
    """A client reference or description in another case and spacing gives the same key; an
    invoiced line's key is never an uninvoiced line's; any amount keeps its two decimals."""
    own = ExpenseLine(line_id="a", client_reference=client, description=description,
                      net_amount=net, service_date=day, category="SOCIAL")
    respelled = own.model_copy(update={"client_reference": _respelled(client),
                                       "description": _respelled(description)})
    invoiced = own.model_copy(update={"invoice_number": invoice})
    own_key, invoiced_key = duplicate_key(own, "3221308-6"), duplicate_key(invoiced, "3221308-6")
    assert own_key is not None
    assert invoiced_key is not None
    if "".join(client.split()) and "".join(description.split()):
        assert duplicate_key(respelled, "3221308-6") == own_key
    assert own_key != invoiced_key
    assert own_key.startswith("own|")
    assert not invoiced_key.startswith("own|") or invoiced_key.count("|") != 6
    assert f"|{net:.2f}|" in own_key
    digest = own_key.split("|")[-1]  # the description as a digest, not its text
    assert len(digest) == 16
    assert set(digest) <= set("0123456789abcdef")


@given(net=amounts)
def test_another_day_amount_or_claimant_is_another_own_cost(net: Decimal) -> None:
    """Each of the fields an uninvoiced key is made of tells two costs apart."""
    line = ExpenseLine(line_id="a", client_reference="IHK-2", description="Käynti", net_amount=net,
                       service_date=date(2026, 9, 10), category="SOCIAL")
    key = duplicate_key(line, "3221308-6")
    for change in ({"service_date": date(2026, 9, 11)}, {"net_amount": net + Decimal("0.01")},
                   {"category": "HEALTH"}, {"client_reference": "IHK-3"},
                   {"description": "Kotikäynti"}, {"provider": "Asumis Oy"}):
        assert duplicate_key(line.model_copy(update=change), "3221308-6") != key, change
    assert duplicate_key(line, "0201256-6") != key


def test_two_identical_own_sessions_acknowledged_pass(tmp_path: Path) -> None:
    """Two identical own sessions on one day: DU-001 is a warning, acknowledged by the config
    with a reason; the claim passes, and no other duplicate rule fires."""
    sheets = clean_claim()
    row = [date(2026, 9, 10), "IHK-2", "SOCIAL", "Ohjauskäynti", "Tuki", None, None, None, 95, 0,
           95]
    sheets["Kulut"].rows.extend([list(row), list(row)])
    config = Config.model_validate({"acknowledge": [
        {"rule": "DU-001", "line": "Kulut:6", "reason": "Aamu- ja iltakäynti"}]})
    _, report = read_claim(write_xlsx(tmp_path / "k.xlsx", sheets), config=config, today=TODAY,
                           ledger=None)
    duplicates = [f for f in report.findings if f.rule.startswith("DU")]
    assert [(f.key, f.severity.value, f.line_id, f.acknowledged) for f in duplicates] == [
        ("DU-001/uninvoiced", "warning", "Kulut:6", "Aamu- ja iltakäynti")]
    assert report.ok


def test_lines_claimed_before_are_found_among_any_others(tmp_path: Path) -> None:
    """DU-002 against a real ledger: a new line, a line without a net amount and a line of a
    key claimed once before (here twice: its second is new) do not stop the search; each line
    claimed before names the earlier package, its reference, the day it was submitted and the
    earlier line."""
    earlier_claim, earlier_report = read_claim(write_xlsx(tmp_path / "earlier.xlsx",
                                                          clean_claim()), today=TODAY, ledger=None)
    assert earlier_claim is not None
    built = build_package(earlier_claim, earlier_report, tmp_path / "earlier.elyclaim.zip",
                          ledger=None)
    with Ledger.open(tmp_path / "ledger.sqlite3", create=True) as ledger:
        ledger.record_built(built, earlier_claim)
        ledger.record_submission(built.sha256, reference="OH-2026-1", how="marked")
    sheets = clean_claim()
    first, second, third = (list(row) for row in sheets["Kulut"].rows[1:4])
    new = [*first[:7], "T-99", *first[8:]]
    no_net = [*first[:8], None, *first[9:]]
    sheets["Kulut"].rows[1:] = [new, no_net, first, list(first), second, third]
    _, report = read_claim(write_xlsx(tmp_path / "k.xlsx", sheets), today=TODAY,
                           ledger=tmp_path / "ledger.sqlite3")
    found = [f for f in report.findings if f.rule == "DU-002"]
    assert [(f.line_id, f.value, dict(f.parameters)) for f in found] == [
        (f"Kulut:{row}", invoice, {
            "package": built.package_id, "reference": "OH-2026-1",
            "submitted": date.today().isoformat(), "earlier_line": earlier, "net": net,
            "date": day})
        for row, invoice, earlier, net, day in [
            (4, "T-1", "Kulut:2", "480.00", "2026-07-02"),
            (6, "TP-1", "Kulut:3", "120.00", "2026-08-03"),
            (7, third[7], "Kulut:4", f"{Decimal(third[8]):.2f}", third[0].isoformat())]]
