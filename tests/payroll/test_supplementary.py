"""A supplementary run's payslip: the period recalculated less what its finalised runs paid."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from payroll import assembly
from payroll.supplementary import PaidInPeriod, correction
from tests.payroll.settling import settle_review

PROFILE = assembly.PayrollProfile(tax_code="1257L", week1_month1=False, ni_category="A", student_loans=("plan2",),
                                  pension_scheme="alpha")
YTD = assembly.YearToDate(taxable_pay=D("17500.00"), tax=D("1990.60"))


def _slip(*elements, profile=PROFILE):
    return assembly.payslip_for(employee_ref="E1", tax_year="2026-27", frequency="monthly", period=8,
                                profile=profile, elements=list(elements), ytd=YTD)


def _paid(*slips):
    paid = PaidInPeriod()
    for slip in slips:
        paid.add_payslip(
            gross_pay=slip.gross_pay,
            figures={**{name: D(slip.result[name]) for name in ("taxable_pay", "income_tax", "employee_ni",
                                                                 "employer_ni", "pension_employee", "student_loan",
                                                                 "postgraduate_loan")}, "net_pay": slip.net_pay},
            lines=[(line.code, line.description, line.section, line.after_tax, line.amount) for line in slip.lines])
    return paid


BASIC = assembly.Element("BASIC", "Basic pay", assembly.TAXABLE_PAYMENT, D("2500.00"), pensionable=True)
OVERTIME = assembly.Element("OVERTIME", "Overtime", assembly.TAXABLE_PAYMENT, D("300.00"))
EXPENSES = assembly.Element("EXPENSES", "Expenses", assembly.REIMBURSEMENT, D("42.10"))


@pytest.mark.parametrize("profile", [PROFILE, assembly.PayrollProfile(
    tax_code="1257L", week1_month1=True, ni_category="A", student_loans=(), pension_scheme=None)])
def test_a_missed_payment_pays_the_difference_taxed_as_the_whole_period_would_be(profile):
    # given the period was paid with basic pay and expenses
    regular = _slip(BASIC, EXPENSES, profile=profile)
    # when overtime is found missing and the period recalculated
    fresh = _slip(BASIC, EXPENSES, OVERTIME, profile=profile)
    slip = correction(fresh, _paid(regular))
    # then the correction pays the overtime, with the extra tax and NI the whole period owes
    assert slip is not None
    assert slip.gross_pay == D("300.00")
    lines = {line.code: line.amount for line in slip.lines}
    assert lines["OVERTIME"] == D("300.00")
    assert "BASIC" not in lines
    assert "EXPENSES" not in lines
    assert lines["TAX"] == D(fresh.result["income_tax"]) - D(regular.result["income_tax"])
    assert lines["NI"] == D(fresh.result["employee_ni"]) - D(regular.result["employee_ni"])
    assert slip.net_pay == fresh.net_pay - regular.net_pay
    assert D(slip.result["net_pay"]) == D(fresh.result["net_pay"]) - D(regular.result["net_pay"])
    assert D(slip.result["income_tax"]) == lines["TAX"]
    # and the year to date afterwards is the whole period's
    assert slip.ytd_after == fresh.ytd_after


def test_nothing_changed_means_no_payslip():
    regular = _slip(BASIC, EXPENSES)
    assert correction(_slip(BASIC, EXPENSES), _paid(regular)) is None


def test_two_earlier_runs_in_the_period_are_both_taken_away():
    # given a regular run and a first supplementary paying the overtime
    regular = _slip(BASIC)
    first = correction(_slip(BASIC, OVERTIME), _paid(regular))
    # when nothing else changed
    # then a second supplementary pays nothing more
    assert correction(_slip(BASIC, OVERTIME), _paid(regular, first)) is None


def test_a_correction_that_takes_pay_back_is_refused():
    regular = _slip(BASIC, OVERTIME)
    with pytest.raises(assembly.PayslipError, match="net_pay: the correction takes back £"):
        correction(_slip(BASIC), _paid(regular))


# --- A supplementary run, start to finish ------------------------------------------------------

@pytest.mark.django_db
def test_a_supplementary_run_pays_a_missed_payment_in_a_finalised_period(
        moj, finance_setting, in_department, django_capture_on_commit_callbacks):
    import datetime

    from django.core.exceptions import ValidationError

    from payroll import services
    from payroll.bacs import read_standard18
    from payroll.models import PayInput, PayRun, Payslip, PayslipLine
    from payroll.tasks import start_calculation

    def calculate(run):
        services.pay_run_open(run=run, acting_user=moj.payroll_officer)
        with django_capture_on_commit_callbacks(execute=True):
            start_calculation(run=run, acting_user=moj.payroll_officer)
        settle_review(run)
        services.pay_run_approve(run=run, acting_user=moj.payroll_approver)
        return services.pay_run_finalise(run=run, acting_user=moj.payroll_approver)

    # given November was finalised without an employee's overtime
    november = datetime.date(2026, 11, 15)
    schedule = services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly",
                                            bank_sort_code="202959", bank_account_number="63748472",
                                            bank_account_name="MOJ PAYROLL")
    regular = calculate(services.pay_run_create(schedule=schedule, period_containing=november, acting_user=None))
    overtime = {"employee": finance_setting.claimant, "schedule": schedule, "period_containing": november,
                "code": "OVERTIME", "description": "Overtime", "kind": PayInput.Kind.TAXABLE_PAYMENT,
                "amount": D("300.00"), "acting_user": moj.payroll_officer}
    with pytest.raises(ValidationError):
        services.pay_input_add(**overtime)
    # when a supplementary run is started for November, the overtime entered, and the run finalised
    correcting = services.pay_run_create(schedule=schedule, period_containing=november, acting_user=None,
                                         kind=PayRun.Kind.SUPPLEMENTARY)
    with pytest.raises(ValidationError):
        services.pay_run_create(schedule=schedule, period_containing=november, acting_user=None,
                                kind=PayRun.Kind.SUPPLEMENTARY)
    services.pay_input_add(**overtime)
    correcting = calculate(correcting)
    # then only the overtime and what the whole month owes on it are paid
    with in_department(moj):
        slips = {slip.employee.payroll_number: slip for slip in
                 Payslip.objects.filter(run=correcting).select_related("employee")}
        first = Payslip.objects.get(run=regular, employee=finance_setting.claimant)
        lines = {line.code: line.amount for line in PayslipLine.objects.filter(payslip=slips["E0001"])}
        correcting.refresh_from_db()
        bacs_file = correcting.bacs_file
    assert {number: slip.status for number, slip in slips.items()} == {
        "E0001": "calculated", "E0002": "unchanged", "M0001": "unchanged"}
    assert correcting.employees_calculated == 3
    assert slips["E0001"].gross_pay == D("300.00")
    assert lines["OVERTIME"] == D("300.00")
    assert "BASIC" not in lines
    # (no tax: with nothing paid earlier in the year, eight months' free pay still covers the month)
    assert "TAX" not in lines
    assert lines["NI"] == D("24.00")  # 8% of £300, the month's earnings being above the primary threshold
    assert lines["ER_NI"] == D("45.00")  # 15%
    # and the year to date runs on from the whole month
    year_to_date = slips["E0001"].year_to_date
    assert D(year_to_date["gross_pay"]) == D(first.year_to_date["gross_pay"]) + D("300.00")
    assert D(year_to_date["employee_ni"]) == D(first.year_to_date["employee_ni"]) + D("24.00")
    # and the Bacs file pays the one employee the difference
    from django.core.files.storage import default_storage

    with default_storage.open(bacs_file, "rb") as stored:
        payments = read_standard18(stored.read().decode("ascii")).payments
    assert [payment.amount_pence for payment in payments] == [int(slips["E0001"].net_pay * 100)]
    # and the payslip says it is a correction
    from payroll.downloads import payslip_document_for

    with in_department(moj):
        document = payslip_document_for(Payslip.objects.select_related("employee", "run", "run__schedule").get(
            pk=slips["E0001"].pk), "Ministry of Justice")
    assert any("This payslip corrects a pay period already paid" in sentence for sentence in document.explanation)
    # and December starts from the corrected year to date
    december = calculate(services.pay_run_create(schedule=schedule, period_containing=datetime.date(2026, 12, 15),
                                                 acting_user=None))
    with in_department(moj):
        next_slip = Payslip.objects.get(run=december, employee=finance_setting.claimant)
    assert D(next_slip.year_to_date["gross_pay"]) == D(year_to_date["gross_pay"]) + next_slip.gross_pay
