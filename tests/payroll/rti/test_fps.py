"""What the FPS says for the cases a pay run meets: codes, loans, leavers, starters, names, and
bad values refused by name; each built message accepted by HMRC's rules and carrying a true IRmark."""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

import pytest
from lxml import etree

from payroll.engine.rti import RtiValueError, fps_bytes, irmark, validate_fps
from payroll.engine.rti.model import (
    Address,
    FinalSubmission,
    LateReason,
    Name,
    PayFrequency,
    Pension,
    PostgraduateLoan,
    StatutoryPayYtd,
    StudentLoan,
    StudentLoanPlan,
    TaxCode,
)
from tests.payroll.rti.worked_example import AMIR, HEADER, JANE, changed

D = datetime.date
NS = "{http://www.govtalk.gov.uk/taxation/PAYE/RTI/FullPaymentSubmission/26-27/1}"


def _employment(document: bytes, number: int = 1) -> etree._Element:
    root = etree.fromstring(document)
    return root.findall(f".//{NS}Employee")[number - 1].find(f"{NS}Employment")


def _accepted(document: bytes) -> None:
    assert validate_fps(document) == []
    assert irmark(document) in document.decode()


def test_a_scottish_week1_month1_code_goes_in_attributes_not_the_code():
    employee = changed(JANE, tax_code=TaxCode.parse("S1257L M1"))
    document = fps_bytes(HEADER, [employee])
    code = _employment(document).find(f"{NS}Payment/{NS}TaxCode")
    assert (code.text, code.get("BasisNonCumulative"), code.get("TaxRegime")) == ("1257L", "yes", "S")
    _accepted(document)


def test_tax_codes_are_read_the_way_payslips_print_them():
    assert TaxCode.parse("C1257L") == TaxCode("1257L", regime="C")
    assert TaxCode.parse("K475 W1") == TaxCode("K475", non_cumulative=True)
    assert TaxCode.parse("0T X") == TaxCode("0T", non_cumulative=True)
    with pytest.raises(ValueError, match="not a tax code"):
        TaxCode.parse("12A")


def test_student_and_postgraduate_loans_pensions_and_statutory_pay_are_reported():
    employee = changed(
        JANE,
        student_loan=StudentLoan(plan=StudentLoanPlan.PLAN_5, recovered_in_period=Decimal(11),
                                 recovered_ytd=Decimal(88)),
        postgraduate_loan=PostgraduateLoan(recovered_in_period=Decimal(45), recovered_ytd=Decimal(360)),
        pension=Pension(net_pay_in_period=Decimal("125.00"), net_pay_ytd=Decimal("1000.00")),
        statutory_pay=StatutoryPayYtd(smp=Decimal("1200.50")),
    )
    document = fps_bytes(HEADER, [employee])
    employment = _employment(document)
    loan = employment.find(f"{NS}Payment/{NS}StudentLoanRecovered")
    assert (loan.get("PlanType"), loan.text) == ("05", "11.00")
    assert employment.findtext(f"{NS}FiguresToDate/{NS}StudentLoansTD") == "88.00"
    assert employment.findtext(f"{NS}FiguresToDate/{NS}PostgradLoansTD") == "360.00"
    assert employment.findtext(f"{NS}Payment/{NS}PostgradLoanRecovered") == "45.00"
    assert employment.findtext(f"{NS}Payment/{NS}EmpeePenContribnsPaid") == "125.00"
    assert employment.findtext(f"{NS}FiguresToDate/{NS}EmpeePenContribnsPaidYTD") == "1000.00"
    assert employment.findtext(f"{NS}Payment/{NS}SMPYTD") == "1200.50"
    # Plan 5 is checked as Plan 1 against the 2025-26 files, which predate it
    _accepted(document)


def test_a_leaver_paid_after_leaving_carries_the_leaving_date_and_the_flag():
    employee = changed(JANE, payroll_id_changed=False, old_payroll_id=None, leaving_date=D(2026, 10, 31),
                       payment_after_leaving=True, tax_code=TaxCode("0T", non_cumulative=True),
                       late_reason=LateReason.CORRECTION, irregular_payment_pattern=True)
    document = fps_bytes(HEADER, [employee])
    employment = _employment(document)
    assert employment.findtext(f"{NS}LeavingDate") == "2026-10-31"
    assert employment.findtext(f"{NS}IrrEmp") == "yes"
    assert employment.findtext(f"{NS}Payment/{NS}PmtAfterLeaving") == "yes"
    assert employment.findtext(f"{NS}Payment/{NS}LateReason") == "H"
    assert employment.find(f"{NS}PayIdChgd") is None
    _accepted(document)


def test_a_starter_block_carries_the_declaration_and_loans():
    employment = _employment(fps_bytes(HEADER, [AMIR]))
    starter = employment.find(f"{NS}Starter")
    assert [child.tag.removeprefix(NS) for child in starter] == ["StartDate", "StartDec", "StudentLoan"]
    assert starter.findtext(f"{NS}StartDec") == "A"


def test_weekly_pay_is_numbered_in_tax_weeks():
    employee = changed(JANE, pay_frequency=PayFrequency.WEEKLY, period_number=34, payment_date=D(2026, 11, 27))
    payment = _employment(fps_bytes(HEADER, [employee])).find(f"{NS}Payment")
    assert (payment.findtext(f"{NS}PayFreq"), payment.findtext(f"{NS}WeekNo"), payment.find(f"{NS}MonthNo")) == (
        "W1", "34", None)


def test_accented_names_are_transliterated_and_special_characters_escaped_with_a_true_irmark():
    employee = changed(JANE, name=Name(forenames=("Zoë",), surname="O'Brien-Müller"),
                       address=Address(lines=("Flat 2 & 3 <Rear>", "Bryn Tëg"), uk_postcode="cf10 1ep"))
    document = fps_bytes(HEADER, [employee])
    details = etree.fromstring(document).find(f".//{NS}EmployeeDetails")
    assert details.findtext(f"{NS}Name/{NS}Fore") == "Zoe"
    assert details.findtext(f"{NS}Name/{NS}Sur") == "O'Brien-Muller"
    assert [line.text for line in details.iterfind(f"{NS}Address/{NS}Line")] == ["Flat 2 & 3 <Rear>", "Bryn Teg"]
    assert details.findtext(f"{NS}Address/{NS}UKPostcode") == "CF10 1EP"
    assert b"Flat 2 &amp; 3 &lt;Rear&gt;" in document
    assert irmark(document) in document.decode()


def test_an_employee_without_a_national_insurance_number_is_described_by_address():
    document = fps_bytes(HEADER, [changed(JANE, nino=None)])
    assert etree.fromstring(document).find(f".//{NS}NINO") is None
    _accepted(document)


def test_zero_optional_amounts_are_left_out_not_sent_as_zero():
    employee = changed(JANE, pay_after_statutory_deductions=Decimal("0.00"),
                       pension=Pension(net_pay_in_period=Decimal(0), net_pay_ytd=Decimal(0)))
    payment = _employment(fps_bytes(HEADER, [employee])).find(f"{NS}Payment")
    assert payment.find(f"{NS}PayAfterStatDedns") is None
    assert payment.find(f"{NS}EmpeePenContribnsPaid") is None


def test_the_final_fps_of_the_year_says_so():
    header = dataclasses.replace(HEADER, final_submission=FinalSubmission(for_year=True))
    document = fps_bytes(header, [JANE])
    assert etree.fromstring(document).findtext(f".//{NS}FinalSubmission/{NS}ForYear") == "yes"
    _accepted(document)


def test_a_refund_is_a_negative_figure():
    employee = changed(JANE, tax_in_period=Decimal("-45.20"))
    assert _employment(fps_bytes(HEADER, [employee])).findtext(f"{NS}Payment/{NS}TaxDeductedOrRefunded") == "-45.20"


@pytest.mark.parametrize(("changes", "field"), [
    ({"taxable_pay_in_period": Decimal("2500.005")}, "Payment/TaxablePay"),
    ({"tax_ytd": 2322.80}, "FiguresToDate/TotalTax"),
    ({"student_loan": StudentLoan(plan=StudentLoanPlan.PLAN_2, recovered_in_period=Decimal("11.50"),
                                  recovered_ytd=Decimal(92))}, "StudentLoanRecovered"),
])
def test_a_value_hmrc_cannot_take_is_refused_naming_the_employee_and_field(changes, field):
    with pytest.raises(RtiValueError, match=rf"employee 2 \(MOJ-000123\): {field}"):
        fps_bytes(HEADER, [AMIR, changed(JANE, **changes)])
