"""The Bacs Standard 18 net-pay file: the worked example in BACS.md to the character, the
processing-day rule around bank holidays, reading files back, and refusing bad values by name."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payroll.bacs import (
    BacsError,
    Originator,
    Payment,
    bacs_cycle,
    bacs_text,
    read_standard18,
    standard18_file,
)

D = datetime.date
# England and Wales bank holidays around the examples (the pay run passes hr's data file in).
HOLIDAYS = {D(2026, 12, 25), D(2026, 12, 28), D(2018, 3, 30), D(2018, 4, 2)}
ACME = Originator(service_user_number="123456", name="Acme Payroll Ltd", sort_code="20-29-59",
                  account_number="63748472", account_name="ACME PAYROLL LTD")
EXAMPLE_PAYMENTS = [
    Payment(sort_code="089999", account_number="66374958", account_name="J Smith", amount_pence=183456,
            reference="Salary Nov 2026"),
    Payment(sort_code="107999", account_number="88837491", account_name="A N Other", amount_pence=220710,
            reference="Salary Nov 2026"),
]


def _worked_example() -> list[str]:
    """The file printed in BACS.md section 6, between the ruler and the closing fence."""
    text = (Path(__file__).resolve().parents[3] / "shared" / "payroll" / "BACS.md").read_text()
    ruler = "1234567890" * 10 + "\n"
    block = text.split(ruler, 1)[1]
    return [line.rstrip("|") for line in block.split("```", 1)[0].splitlines()]


def test_the_worked_example_is_reproduced_character_for_character():
    # given the pay date of the example
    cycle = bacs_cycle(D(2026, 11, 27), HOLIDAYS)
    # when
    produced = standard18_file(originator=ACME, payments=EXAMPLE_PAYMENTS, processing_day=cycle.processing_day,
                               created_on=cycle.input_day, serial="000001")
    # then
    assert (cycle.input_day, cycle.processing_day) == (D(2026, 11, 25), D(2026, 11, 26))
    assert produced.split("\r\n")[:-1] == _worked_example()
    assert produced.endswith("\r\n")
    assert produced.isascii()


def test_bank_holidays_move_the_processing_day_back():
    christmas = bacs_cycle(D(2026, 12, 29), HOLIDAYS)
    easter = bacs_cycle(D(2018, 4, 3), HOLIDAYS)
    saturday = bacs_cycle(D(2026, 11, 28), HOLIDAYS)
    assert (christmas.input_day, christmas.processing_day, christmas.entry_day) == (
        D(2026, 12, 23), D(2026, 12, 24), D(2026, 12, 29))
    assert (easter.input_day, easter.processing_day) == (D(2018, 3, 28), D(2018, 3, 29))
    assert saturday.entry_day == D(2026, 11, 27)  # paid on the Bacs day before


def test_a_file_reads_back_with_its_count_and_total():
    produced = standard18_file(originator=ACME, payments=EXAMPLE_PAYMENTS, processing_day=D(2026, 11, 26),
                               created_on=D(2026, 11, 25))
    read = read_standard18(produced)
    assert read.service_user_number == "123456"
    assert read.processing_day == D(2026, 11, 26)
    assert [(p.account_number, p.amount_pence, p.account_name) for p in read.payments] == [
        ("66374958", 183456, "J SMITH"), ("88837491", 220710, "A N OTHER")]
    assert read.total_pence == read.contra_pence == 404166


def test_a_tampered_file_is_caught_when_read():
    produced = standard18_file(originator=ACME, payments=EXAMPLE_PAYMENTS, processing_day=D(2026, 11, 26),
                               created_on=D(2026, 11, 25))
    tampered = produced.replace("00000183456", "00000183457")
    with pytest.raises(BacsError, match="does not balance"):
        read_standard18(tampered)


def test_names_are_made_bacs_safe():
    assert bacs_text("Zoë O'Brien-Smith, Jr.", 18) == "ZOE O BRIEN-SMITH "
    assert bacs_text("A very long account holder name", 18) == "A VERY LONG ACCOUN"


@pytest.mark.parametrize(("change", "message"), [
    ({"amount_pence": 0}, "payment 1 \\(J Smith\\): amount must be a whole number of pence above 0"),
    ({"amount_pence": -5}, "amount must be a whole number of pence above 0"),
    ({"sort_code": "12-34"}, "payment 1 \\(J Smith\\) sort code: '12-34' is not a 6-digit number"),
    ({"account_number": "12345"}, "account: '12345' is not a 8-digit number"),
    ({"account_number": "00000000"}, "is not a 8-digit number"),
    ({"account_name": "  "}, "the account name is missing"),
])
def test_bad_payments_are_refused_by_name(change, message):
    bad = Payment(**{**EXAMPLE_PAYMENTS[0].__dict__, **change})
    with pytest.raises(BacsError, match=message):
        standard18_file(originator=ACME, payments=[bad], processing_day=D(2026, 11, 26), created_on=D(2026, 11, 25))


def test_an_empty_file_and_a_bad_employer_are_refused():
    with pytest.raises(BacsError, match="at least one payment"):
        standard18_file(originator=ACME, payments=[], processing_day=D(2026, 11, 26), created_on=D(2026, 11, 25))
    with pytest.raises(BacsError, match="service user number"):
        standard18_file(originator=Originator(**{**ACME.__dict__, "service_user_number": "12AB"}),
                        payments=EXAMPLE_PAYMENTS, processing_day=D(2026, 11, 26), created_on=D(2026, 11, 25))


def test_seven_digit_accounts_are_left_padded():
    short = Payment(**{**EXAMPLE_PAYMENTS[0].__dict__, "account_number": "1234567"})
    read = read_standard18(standard18_file(originator=ACME, payments=[short], processing_day=D(2026, 11, 26),
                                           created_on=D(2026, 11, 25)))
    assert read.payments[0].account_number == "01234567"


@given(st.lists(st.tuples(st.integers(min_value=1, max_value=10_000_000),
                          st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=40)
                          .filter(lambda name: bacs_text(name, 18).strip())), min_size=1, max_size=30))
def test_any_payments_read_back_to_the_same_count_and_total(rows):
    payments = [Payment(sort_code="089999", account_number="66374958", account_name=name, amount_pence=amount,
                        reference="SALARY") for amount, name in rows]
    read = read_standard18(standard18_file(originator=ACME, payments=payments, processing_day=D(2026, 11, 26),
                                           created_on=D(2026, 11, 25)))
    assert len(read.payments) == len(rows)
    assert read.total_pence == sum(amount for amount, _ in rows)
