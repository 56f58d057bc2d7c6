"""Employees an FPS cannot describe are listed, with the reason, before the run is approved."""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

from payroll.engine.rti import exceptions_for
from payroll.engine.rti.model import Address, Name, PostgraduateLoan, StudentLoan, StudentLoanPlan
from tests.payroll.rti.worked_example import AMIR, EMPLOYEES, JANE, changed

D = datetime.date


def _reasons(employees, **options) -> dict[int, list[tuple[str, str]]]:
    return {found.index: [(reason.field, reason.message) for reason in found.reasons]
            for found in exceptions_for(employees, **options)}


def _fields(employees, **options) -> dict[int, list[str]]:
    return {index: [field for field, _ in reasons] for index, reasons in _reasons(employees, **options).items()}


def test_the_worked_example_has_no_exceptions():
    assert exceptions_for(EMPLOYEES) == []


def test_no_national_insurance_number_and_no_address_cannot_be_identified():
    nobody = changed(JANE, nino=None, address=None)
    one_line = changed(JANE, nino=None, address=Address(lines=("1 High Street",), uk_postcode="LS1 1AA"),
                       payroll_id="MOJ-1")
    traced = changed(JANE, nino=None, payroll_id="MOJ-2")  # two address lines: HMRC can trace
    found = exceptions_for([nobody, one_line, traced])
    assert [item.index for item in found] == [0, 1]
    assert "HMRC cannot identify this employee" in found[0].reasons[0].message
    assert (found[0].name, found[0].payroll_id) == ("Jane Smith", "MOJ-000123")


def test_a_payroll_id_given_to_two_employments_is_listed_for_both():
    twin = changed(AMIR, payroll_id="MOJ-000123")
    assert _fields([JANE, twin]) == {0: ["payroll_id"], 1: ["payroll_id"]}
    assert "given to 2 employments" in _reasons([JANE, twin])[1][0][1]


def test_a_payroll_id_used_before_for_another_employment_is_not_reused():
    reasons = _reasons([AMIR], retired_payroll_ids={"MOJ-000456"})
    assert reasons == {0: [("payroll_id", "Payroll ID MOJ-000456 was used before for another employment and must "
                                          "never be reused.")]}


def test_a_missing_payroll_id_is_listed():
    assert _fields([changed(AMIR, payroll_id=None)]) == {0: ["payroll_id"]}


def test_an_old_payroll_id_must_come_with_the_changed_indicator_and_differ():
    silent = changed(JANE, payroll_id_changed=False)
    same = changed(AMIR, starter=None, payroll_id_changed=True, old_payroll_id="MOJ-000456")
    assert _fields([silent, same]) == {0: ["old_payroll_id"], 1: ["old_payroll_id"]}


def test_a_continuing_employee_with_a_changed_payroll_id_is_not_also_a_starter():
    both = changed(JANE, starter=AMIR.starter)
    assert _fields([both]) == {0: ["starter"]}


def test_a_starter_needs_a_declaration():
    assert AMIR.starter is not None
    undeclared = changed(AMIR, starter=dataclasses.replace(AMIR.starter, declaration=None))
    assert _fields([undeclared]) == {0: ["starter"]}


def test_names_hmrc_cannot_take_are_listed_but_accents_are_fine():
    assert exceptions_for([changed(JANE, name=Name(forenames=("Zoë",), surname="Müller"))]) == []
    assert _fields([changed(JANE, name=Name(forenames=("J.",), surname="Smith 2nd"))]) == {0: ["surname", "forenames"]}
    assert _fields([changed(JANE, name=Name(surname="Smith"))]) == {0: ["forenames"]}


def test_dates_that_contradict_each_other_are_listed():
    left_before_start = changed(AMIR, leaving_date=D(2026, 11, 1))
    paid_after_leaving_without_date = changed(JANE, payment_after_leaving=True)
    unborn = changed(JANE, birth_date=D(2026, 12, 1))
    no_birth_date = changed(JANE, birth_date=None)
    assert _fields([left_before_start]) == {0: ["leaving_date"]}
    assert _fields([paid_after_leaving_without_date]) == {0: ["leaving_date"]}
    assert _fields([unborn]) == {0: ["birth_date"]}
    assert _fields([no_birth_date]) == {0: ["birth_date"]}


def test_year_to_date_figures_smaller_than_this_payment_do_not_add_up():
    pay = changed(JANE, taxable_pay_ytd=Decimal("2000.00"))
    loan = changed(JANE, student_loan=StudentLoan(plan=StudentLoanPlan.PLAN_2, recovered_in_period=Decimal(30),
                                                  recovered_ytd=Decimal(20)))
    postgraduate = changed(JANE, postgraduate_loan=PostgraduateLoan(recovered_in_period=Decimal(30),
                                                                    recovered_ytd=Decimal(0)))
    ni = changed(JANE, ni=(dataclasses.replace(JANE.ni[0], employee_ytd=Decimal("100.00")),))
    assert _fields([pay]) == {0: ["taxable_pay_ytd"]}
    assert _fields([loan]) == {0: ["student_loan"]}
    assert _fields([postgraduate]) == {0: ["postgraduate_loan"]}
    assert _fields([ni]) == {0: ["ni[A]"]}
    assert "employee NICs this period (116.16) is more than the year to date (100.00)" in _reasons([ni])[0][0][1]


def test_ni_bands_that_add_up_to_more_than_the_earnings_are_listed():
    banded = changed(JANE, ni=(dataclasses.replace(JANE.ni[0], pt_to_uel_ytd=Decimal("16000.00")),))
    assert _fields([banded]) == {0: ["ni[A]"]}
    assert "add up to more than the NIable pay to date (20000.00)" in _reasons([banded])[0][0][1]


def test_one_set_of_figures_per_ni_letter():
    doubled = changed(JANE, ni=(JANE.ni[0], JANE.ni[0]))
    assert _fields([doubled]) == {0: ["ni"]}
