"""The Full Payment Submission (FPS), streamed: ``build_fps(header, employees, out)``.

Element order, names and formats follow the schema as RTI.md §3.2 lays it out (order is enforced
by HMRC). ``employees`` may be any iterable, a generator over a pay run's payslips for instance:
each employee is turned into text, written and dropped, so memory stays flat however many there
are. Nothing here checks the figures; ``exceptions_for`` and ``validate_fps`` do.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import IO

from payroll.engine.rti.envelope import write_submission
from payroll.engine.rti.model import (
    Address,
    FinalSubmission,
    FpsEmployee,
    FpsHeader,
    Name,
    NiLetterFigures,
    fps_namespace,
    tax_year_end,
    tax_year_label,
)
from payroll.engine.rti.xmltext import date, element, money, plain, text, whole_pounds

FPS_CLASS = "HMRC-PAYE-RTI-FPS"


def build_fps(header: FpsHeader, employees: Iterable[FpsEmployee], out: IO[bytes]) -> str:
    """Write the whole GovTalk FPS message (UTF-8) to ``out``; return its IRmark (Base64).

    A seekable ``out`` (a file, ``BytesIO``) is written once; any other stream is fed from a
    temporary file, because the IRmark sits ahead of the employees it covers.
    """
    return write_submission(
        out,
        message_class=FPS_CLASS,
        gateway=header.gateway,
        employer=header.employer,
        namespace=fps_namespace(header.tax_year),
        period_end=tax_year_end(header.tax_year),
        content=_content(header, employees),
    )


def fps_bytes(header: FpsHeader, employees: Iterable[FpsEmployee]) -> bytes:
    """The FPS message in memory: for a handful of employees (a test, a download of one run)."""
    buffer = io.BytesIO()
    build_fps(header, employees, buffer)
    return buffer.getvalue()


def _content(header: FpsHeader, employees: Iterable[FpsEmployee]) -> Iterator[str]:
    employer = header.employer
    refs = [
        "  <FullPaymentSubmission>\n    <EmpRefs>\n",
        element("      ", "OfficeNo", text(employer.tax_office_number)),
        element("      ", "PayeRef", text(employer.tax_office_reference)),
        element("      ", "AORef", text(employer.accounts_office_reference)),
    ]
    if employer.self_assessment_utr:
        refs.append(element("      ", "SAUTR", text(employer.self_assessment_utr)))
    if employer.corporation_tax_reference:
        refs.append(element("      ", "COTAXRef", text(employer.corporation_tax_reference)))
    refs.append("    </EmpRefs>\n")
    refs.append(element("    ", "RelatedTaxYear", tax_year_label(header.tax_year)))
    yield "".join(refs)
    for number, employee in enumerate(employees, start=1):
        yield employee_xml(employee, number=number)
    if header.final_submission is not None:
        yield final_submission_xml(header.final_submission, "    ")
    yield "  </FullPaymentSubmission>\n"


def final_submission_xml(final: FinalSubmission, indent: str) -> str:
    inner = indent + "  "
    lines = [f"{indent}<FinalSubmission>\n"]
    if final.scheme_ceased_on is not None:
        lines.append(element(inner, "BecauseSchemeCeased", "yes"))
        lines.append(element(inner, "DateSchemeCeased", date(final.scheme_ceased_on)))
    if final.for_year:
        lines.append(element(inner, "ForYear", "yes"))
    lines.append(f"{indent}</FinalSubmission>\n")
    return "".join(lines)


def employee_xml(employee: FpsEmployee, *, number: int = 1) -> str:
    """One ``<Employee>`` element, indented for its place in the FPS. ``number`` (the employee's
    position) is only used to say which employee a bad value belongs to."""
    try:
        lines = ["    <Employee>\n"]
        _details(lines, employee)
        lines.append("      <Employment>\n")
        _employment_identity(lines, employee)
        _figures_to_date(lines, employee)
        _payment(lines, employee)
        for figures in employee.ni:
            _ni(lines, figures)
        lines.append("      </Employment>\n    </Employee>\n")
    except ValueError as error:
        raise type(error)(f"employee {number} ({employee.payroll_id or 'no payroll ID'}): {error}") from error
    return "".join(lines)


def _name(lines: list[str], name: Name) -> None:
    lines.append("        <Name>\n")
    if name.title:
        lines.append(element("          ", "Ttl", text(plain(name.title))))
    for forename in name.forenames[:2]:
        lines.append(element("          ", "Fore", text(plain(forename))))
    if name.initials and not name.forenames:
        lines.append(element("          ", "Initials", text(plain(name.initials))))
    lines.append(element("          ", "Sur", text(plain(name.surname))))
    lines.append("        </Name>\n")


def _address(lines: list[str], address: Address) -> None:
    lines.append("        <Address>\n")
    for line in address.lines[:4]:
        lines.append(element("          ", "Line", text(plain(line))))
    if address.uk_postcode:
        lines.append(element("          ", "UKPostcode", text(address.uk_postcode.upper())))
    elif address.foreign_country:
        lines.append(element("          ", "ForeignCountry", text(plain(address.foreign_country))))
    lines.append("        </Address>\n")


def _details(lines: list[str], employee: FpsEmployee) -> None:
    lines.append("      <EmployeeDetails>\n")
    if employee.nino:
        lines.append(element("        ", "NINO", text(employee.nino.replace(" ", "").upper())))
    _name(lines, employee.name)
    if employee.address is not None:
        _address(lines, employee.address)
    if employee.birth_date is not None:
        lines.append(element("        ", "BirthDate", date(employee.birth_date)))
    lines.append(element("        ", "Gender", employee.gender.value))
    lines.append("      </EmployeeDetails>\n")


def _employment_identity(lines: list[str], employee: FpsEmployee) -> None:
    starter = employee.starter
    if starter is not None:
        lines.append("        <Starter>\n")
        lines.append(element("          ", "StartDate", date(starter.start_date)))
        if starter.declaration is not None:
            lines.append(element("          ", "StartDec", starter.declaration.value))
        if starter.student_loan:
            lines.append("          <StudentLoan>yes</StudentLoan>\n")
        if starter.postgraduate_loan:
            lines.append("          <PostgradLoan>yes</PostgradLoan>\n")
        lines.append("        </Starter>\n")
    if employee.payroll_id:
        lines.append(element("        ", "PayId", text(employee.payroll_id)))
    if employee.payroll_id_changed:
        # RTI.md §5: sent on the first FPS after the change only; the old ID lets HMRC match the
        # employment instead of opening a duplicate.
        lines.append("        <PayIdChgd>\n          <PayrollIdChangedIndicator>yes</PayrollIdChangedIndicator>\n")
        if employee.old_payroll_id:
            lines.append(element("          ", "OldPayrollId", text(employee.old_payroll_id)))
        lines.append("        </PayIdChgd>\n")
    if employee.irregular_payment_pattern:
        lines.append("        <IrrEmp>yes</IrrEmp>\n")
    if employee.leaving_date is not None:
        lines.append(element("        ", "LeavingDate", date(employee.leaving_date)))


def _optional_money(lines: list[str], indent: str, name: str, value: Decimal | None) -> None:
    # Optional amounts that are absent or zero are left out (RTI.md §3.4).
    if value is not None and value != 0:
        lines.append(element(indent, name, money(value, name)))


def _figures_to_date(lines: list[str], employee: FpsEmployee) -> None:
    i = "          "
    lines.append("        <FiguresToDate>\n")
    lines.append(element(i, "TaxablePay", money(employee.taxable_pay_ytd, "FiguresToDate/TaxablePay")))
    lines.append(element(i, "TotalTax", money(employee.tax_ytd, "FiguresToDate/TotalTax")))
    if employee.student_loan is not None and employee.student_loan.recovered_ytd:
        lines.append(element(i, "StudentLoansTD", whole_pounds(employee.student_loan.recovered_ytd, "StudentLoansTD")))
    if employee.postgraduate_loan is not None and employee.postgraduate_loan.recovered_ytd:
        lines.append(
            element(i, "PostgradLoansTD", whole_pounds(employee.postgraduate_loan.recovered_ytd, "PostgradLoansTD"))
        )
    _optional_money(lines, i, "EmpeePenContribnsPaidYTD", employee.pension.net_pay_ytd)
    _optional_money(lines, i, "EmpeePenContribnsNotPaidYTD", employee.pension.relief_at_source_ytd)
    lines.append("        </FiguresToDate>\n")


def _tax_code(employee: FpsEmployee) -> str:
    code = employee.tax_code
    attributes = ' BasisNonCumulative="yes"' if code.non_cumulative else ""
    if code.regime:
        attributes += f' TaxRegime="{text(code.regime)}"'
    return f"          <TaxCode{attributes}>{text(code.code)}</TaxCode>\n"


def _payment(lines: list[str], employee: FpsEmployee) -> None:
    i = "          "
    lines.append("        <Payment>\n")
    lines.append(element(i, "PayFreq", employee.pay_frequency.value))
    lines.append(element(i, "PmtDate", date(employee.payment_date)))
    if employee.late_reason is not None:
        lines.append(element(i, "LateReason", employee.late_reason.value))
    lines.append(element(i, "WeekNo" if employee.uses_week_number else "MonthNo", str(employee.period_number)))
    lines.append(element(i, "PeriodsCovered", str(employee.periods_covered)))
    if employee.payment_after_leaving:
        lines.append(element(i, "PmtAfterLeaving", "yes"))
    lines.append(element(i, "HoursWorked", employee.hours.value))
    lines.append(_tax_code(employee))
    lines.append(element(i, "TaxablePay", money(employee.taxable_pay_in_period, "Payment/TaxablePay")))
    _optional_money(lines, i, "NonTaxOrNICPmt", employee.non_tax_or_nic_payment)
    _optional_money(lines, i, "DednsFromNetPay", employee.deductions_from_net_pay)
    _optional_money(lines, i, "PayAfterStatDedns", employee.pay_after_statutory_deductions)
    _optional_money(lines, i, "EmpeePenContribnsPaid", employee.pension.net_pay_in_period)
    _optional_money(lines, i, "EmpeePenContribnsNotPaid", employee.pension.relief_at_source_in_period)
    loan = employee.student_loan
    if loan is not None and loan.recovered_in_period:
        amount = whole_pounds(loan.recovered_in_period, "StudentLoanRecovered")
        lines.append(f'{i}<StudentLoanRecovered PlanType="{loan.plan.value}">{amount}</StudentLoanRecovered>\n')
    postgraduate = employee.postgraduate_loan
    if postgraduate is not None and postgraduate.recovered_in_period:
        amount = whole_pounds(postgraduate.recovered_in_period, "PostgradLoanRecovered")
        lines.append(element(i, "PostgradLoanRecovered", amount))
    lines.append(element(i, "TaxDeductedOrRefunded", money(employee.tax_in_period, "TaxDeductedOrRefunded")))
    statutory = employee.statutory_pay
    _optional_money(lines, i, "SMPYTD", statutory.smp)
    _optional_money(lines, i, "SPPYTD", statutory.spp)
    _optional_money(lines, i, "SAPYTD", statutory.sap)
    _optional_money(lines, i, "ShPPYTD", statutory.shpp)
    _optional_money(lines, i, "SPBPYTD", statutory.spbp)
    _optional_money(lines, i, "SNCPYTD", statutory.sncp)
    lines.append("        </Payment>\n")


def _ni(lines: list[str], figures: NiLetterFigures) -> None:
    i = "          "
    lines.append("        <NIlettersAndValues>\n")
    lines.append(element(i, "NIletter", text(figures.letter)))
    lines.append(element(i, "GrossEarningsForNICsInPd", money(figures.gross_in_period, "GrossEarningsForNICsInPd")))
    lines.append(element(i, "GrossEarningsForNICsYTD", money(figures.gross_ytd, "GrossEarningsForNICsYTD")))
    lines.append(element(i, "AtLELYTD", whole_pounds(figures.at_lel_ytd, "AtLELYTD")))
    lines.append(element(i, "LELtoPTYTD", money(figures.lel_to_pt_ytd, "LELtoPTYTD")))
    lines.append(element(i, "PTtoUELYTD", money(figures.pt_to_uel_ytd, "PTtoUELYTD")))
    lines.append(element(i, "TotalEmpNICInPd", money(figures.employer_in_period, "TotalEmpNICInPd")))
    lines.append(element(i, "TotalEmpNICYTD", money(figures.employer_ytd, "TotalEmpNICYTD")))
    lines.append(element(i, "EmpeeContribnsInPd", money(figures.employee_in_period, "EmpeeContribnsInPd")))
    lines.append(element(i, "EmpeeContribnsYTD", money(figures.employee_ytd, "EmpeeContribnsYTD")))
    lines.append("        </NIlettersAndValues>\n")
