"""A pay run's payslips as the RTI engine's dataclasses (``payroll.engine.rti.model``).

Streaming: ``fps_employees(run)`` reads the run's payslips in chunks of ``CHUNK_SIZE`` (keyed on
the payslip id) and, per chunk, a handful of set-based queries for what the payslip does not hold
(the employee's identity, hours, earlier payslips of the tax year, opening balances); memory is
bounded by one chunk however many employees the run pays (75,000 in a large department).

Where each figure comes from (``payroll.assembly``, ``payroll.services.calculation``):

- this period: the payslip's columns (``taxable_pay``, ``income_tax``, ``employee_ni``, …) and its
  after-tax lines (reimbursements: ``NonTaxOrNICPmt``; deductions from net pay: ``DednsFromNetPay``);
- year to date: the payslip's ``year_to_date`` (opening balances included), statutory family
  payments too (``smp``, ``sap``, … ; nil ones left out);
- NI bands: recomputed per period from ``working["ni"]`` (the period's NIable pay and the
  thresholds the engine used), summed over the tax year's payslips, the latest payslip of each
  period counting (a supplementary run's working is its whole period recalculated);
- identity, starter and leaver details: the HR employee record.

Run in the department's context (row-level security scopes every query).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from departments.models import Department
from hr.models import Employee, Employment
from payroll.engine.rti import exceptions_for
from payroll.engine.rti.model import (
    Address,
    Employer,
    FpsEmployee,
    Gateway,
    Gender,
    HoursBand,
    Name,
    NiLetterFigures,
    PayFrequency,
    Pension,
    PostgraduateLoan,
    Starter,
    StarterDeclaration,
    StatutoryPayYtd,
    StudentLoan,
    StudentLoanPlan,
    TaxCode,
)
from payroll.models import OpeningBalance, PayRun, Payslip, PayslipLine

CHUNK_SIZE = 2000
ZERO = Decimal("0.00")
POUND = Decimal("1")
EXCEPTION_PREFIX = "rti_"
_PLANS = {"plan1": StudentLoanPlan.PLAN_1, "plan2": StudentLoanPlan.PLAN_2, "plan4": StudentLoanPlan.PLAN_4,
          "plan5": StudentLoanPlan.PLAN_5}
POSTGRADUATE = "pgl"
STATUTORY_YTD_KEYS = ("smp", "spp", "sap", "shpp", "spbp", "sncp")
_FREQUENCIES = {"monthly": PayFrequency.MONTHLY, "weekly": PayFrequency.WEEKLY,
                "fortnightly": PayFrequency.FORTNIGHTLY, "four_weekly": PayFrequency.FOUR_WEEKLY}


def tax_year_start(tax_year: str) -> int:
    """``"2026-27"`` → 2026, the engine's way of naming a tax year."""
    return int(tax_year[:4])


def employer_for(department: Department) -> Employer:
    """The PAYE scheme's references. Blank ones are left blank: HMRC's schema then names them."""
    office, _, reference = department.employer_paye_reference.partition("/")
    return Employer(tax_office_number=office, tax_office_reference=reference,
                    accounts_office_reference=department.accounts_office_reference)


def missing_references(department: Department) -> dict[str, str]:
    """Which employer references an FPS or EPS cannot be built without, by field, in words."""
    missing = {}
    if not department.employer_paye_reference:
        missing["employer_paye_reference"] = "The department has no HMRC employer PAYE reference."
    if not department.accounts_office_reference:
        missing["accounts_office_reference"] = "The department has no HMRC accounts office reference."
    return missing


def gateway_for(*, test: bool | None = None) -> Gateway:
    """The GovTalk header. The stored file carries placeholder credentials: the transport puts the
    real ones in when it sends (the header is outside the IRmark), so no password is kept on disk."""
    return Gateway(sender_id="SENDER", password="PASSWORD",
                   vendor_id=str(getattr(settings, "RTI_VENDOR_ID", "") or "0000"),
                   product="Shared Services Payroll", product_version="1.0", timestamp=timezone.now(),
                   test=bool(getattr(settings, "RTI_GATEWAY_TEST", True)) if test is None else test)


class SlipRow(NamedTuple):
    """What the mapping reads of one payslip: a stored one, or one a calculation chunk is writing."""

    employee: int
    tax_code: str
    week1_month1: bool
    ni_category: str
    gross_pay: Decimal
    taxable_pay: Decimal
    income_tax: Decimal
    employee_ni: Decimal
    employer_ni: Decimal
    pension_employee: Decimal
    student_loan: Decimal
    postgraduate_loan: Decimal
    year_to_date: dict[str, str]
    working: dict[str, Any]
    payslip_id: int | None = None

    @classmethod
    def of(cls, row: Any, payslip_id: int | None = None) -> SlipRow:
        """From anything with the payslip's field names (a calculation chunk's row)."""
        money = [Decimal(str(getattr(row, name))) for name in _MONEY]
        return cls._make([row.employee, row.tax_code, bool(row.week1_month1), row.ni_category, *money,
                          row.year_to_date or {}, row.working or {}, payslip_id])


_MONEY = ("gross_pay", "taxable_pay", "income_tax", "employee_ni", "employer_ni", "pension_employee",
          "student_loan", "postgraduate_loan")
_STORED = ("employee_id", "tax_code", "week1_month1", "ni_category", *_MONEY, "year_to_date", "working", "id")
# What the FPS reads of a stored payslip: of its working, the NI part only (a fraction of the whole).
_STORED_FOR_FPS = (*_STORED[:13], "working__ni", "id")


class _Person(NamedTuple):
    pk: int
    payroll_number: str
    title: str
    first_name: str
    last_name: str
    date_of_birth: datetime.date
    ni_number: str
    sex: str
    address_line_1: str
    address_line_2: str
    town: str
    postcode: str
    start_date: datetime.date
    leave_date: datetime.date | None
    student_loans: list[str]
    pension_scheme: str
    starter_declaration: str
    previous_payroll_id: str


@dataclass
class _NiYear:
    """One NI letter's figures over the tax year for one employee."""

    gross: Decimal = ZERO
    at_lel: Decimal = ZERO
    lel_to_pt: Decimal = ZERO
    pt_to_uel: Decimal = ZERO
    employee: Decimal = ZERO
    employer: Decimal = ZERO


@dataclass
class _Chunk:
    """Everything the chunk's employees need beside their payslips, one query per kind."""

    people: dict[int, _Person]
    reported_before: set[int]
    migrated: set[int]
    opening_ids: dict[int, str]
    openings: dict[int, tuple[str, Decimal, Decimal]]
    periods: dict[int, dict[datetime.date, tuple[str, dict[str, Any]]]]
    earlier_nics: dict[int, dict[str, tuple[Decimal, Decimal]]]
    hours: dict[int, Decimal] = field(default_factory=dict)
    after_tax: dict[int, tuple[Decimal, Decimal]] = field(default_factory=dict)
    retired_ids: frozenset[str] = frozenset()


def _money(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else ZERO


def _statutory_ytd(ytd: dict[str, Any]) -> StatutoryPayYtd:
    """The family payments included in pay so far this year (the payslip's ``year_to_date`` keys
    smp, spp, sap, shpp, spbp, sncp); an absent or nil one is left off the FPS."""
    return StatutoryPayYtd(**{key: _money(ytd.get(key)) or None for key in STATUTORY_YTD_KEYS})


def _bands(nicable: Decimal, thresholds: dict[str, Any]) -> tuple[Decimal, Decimal, Decimal]:
    """(at the LEL, LEL to PT, PT to UEL) for one period's NIable pay (RTI.md §3.2, DI82/82A/169)."""
    lel, pt, uel = (_money(thresholds.get(name)) for name in ("LEL", "PT", "UEL"))
    if nicable < lel or not lel:
        return ZERO, ZERO, ZERO
    # AtLELYTD is reported in whole pounds: a period LEL with pence is rounded down (RTI.md §3.2).
    return lel.quantize(POUND, rounding="ROUND_FLOOR"), min(nicable, pt) - lel, max(ZERO, min(nicable, uel) - pt)


def _load_chunk(run: PayRun, employee_ids: Sequence[int], *, full: bool,
                payslip_ids: Sequence[int] = ()) -> _Chunk:
    people = {row[0]: _Person._make(row) for row in Employee.objects.filter(pk__in=employee_ids).values_list(
        *_Person._fields)}
    earlier_runs = PayRun.objects.filter(status=PayRun.Status.FINALISED).exclude(pk=run.pk).filter(
        Q(pay_date__lt=run.pay_date) | Q(pay_date=run.pay_date, pk__lt=run.pk))
    # Paid by an earlier finalised run, in any tax year: this is not the employment's first FPS.
    reported_before = set(Payslip.objects.filter(
        run__in=earlier_runs, employee_id__in=employee_ids, status=Payslip.Status.CALCULATED,
    ).values_list("employee_id", flat=True).distinct())
    opening_ids: dict[int, str] = {}
    openings: dict[int, tuple[str, Decimal, Decimal]] = {}
    migrated: set[int] = set()
    for employee_id, tax_year, previous_id, letter, ni_employee, ni_employer in OpeningBalance.objects.filter(
            employee_id__in=employee_ids).values_list("employee_id", "tax_year", "previous_payroll_id", "ni_category",
                                                      "ni_employee", "ni_employer"):
        migrated.add(employee_id)
        if previous_id:
            opening_ids[employee_id] = previous_id
        if tax_year == run.tax_year:
            openings[employee_id] = (letter, ni_employee, ni_employer)
    periods: dict[int, dict[datetime.date, tuple[str, dict[str, Any]]]] = defaultdict(dict)
    earlier_nics: dict[int, dict[str, tuple[Decimal, Decimal]]] = defaultdict(dict)
    rows = Payslip.objects.filter(
        run__in=earlier_runs.filter(tax_year=run.tax_year), employee_id__in=employee_ids,
        status=Payslip.Status.CALCULATED,
    ).order_by("run__pay_date", "run_id").values_list("employee_id", "run__period_start", "ni_category",
                                                      "working__ni", "employee_ni", "employer_ni")
    for employee_id, period_start, letter, ni_working, employee_ni, employer_ni in rows:
        # The latest payslip of a period stands for the whole period (a supplementary run's
        # working is the period recalculated), so bands are never counted twice.
        periods[employee_id][period_start] = (letter, ni_working or {})
        before = earlier_nics[employee_id].get(letter, (ZERO, ZERO))
        earlier_nics[employee_id][letter] = (before[0] + employee_ni, before[1] + employer_ni)
    chunk = _Chunk(people, reported_before, migrated, opening_ids, openings, periods, earlier_nics)
    # A payroll ID another employment of the scheme reported before (a migrated employee's old
    # one) must never be reused (RTI.md §5): HMRC would match the payment to that employment.
    holders = {person.payroll_number: person.pk for person in people.values()}
    pairs = [*Employee.objects.filter(previous_payroll_id__in=list(holders)).values_list("previous_payroll_id", "pk"),
             *OpeningBalance.objects.filter(previous_payroll_id__in=list(holders)).values_list(
                 "previous_payroll_id", "employee_id")]
    retired = {number for number, owner in pairs if owner != holders[number]}
    chunk.retired_ids = frozenset(retired)
    if full:
        for employee_id, hours, fte in (Employment.objects.filter(
                employee_id__in=employee_ids, superseded_at__isnull=True, valid_from__lte=run.period_end)
                .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=run.period_start))
                .order_by("valid_from").values_list("employee_id", "contracted_hours", "fte")):
            # contracted_hours are the post's full-time hours; the FTE scales them to the person's.
            chunk.hours[employee_id] = hours * fte
        sums: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
        wanted = set(payslip_ids)
        # The chunk's payslips by their id range (one index range scan, not an id per payslip).
        lines = PayslipLine.objects.filter(run=run, payslip_id__gte=min(wanted), payslip_id__lte=max(wanted),
                                           after_tax=True) if wanted else PayslipLine.objects.none()
        for payslip_id, section, amount in lines.values_list("payslip_id", "section", "amount"):
            if payslip_id in wanted:
                sums[payslip_id][0 if section == "payment" else 1] += amount
        chunk.after_tax = {payslip_id: (paid, deducted) for payslip_id, (paid, deducted) in sums.items()}
    return chunk


def _hours_band(hours: Decimal | None) -> HoursBand:
    if hours is None:
        return HoursBand.OTHER
    if hours < 16:
        return HoursBand.UNDER_16
    if hours < 24:
        return HoursBand.FROM_16_TO_23_99
    if hours < 30:
        return HoursBand.FROM_24_TO_29_99
    return HoursBand.THIRTY_OR_MORE


def _ni_blocks(run: PayRun, slip: SlipRow, chunk: _Chunk) -> tuple[NiLetterFigures, ...]:
    ni_working = slip.working.get("ni", {})
    periods = dict(chunk.periods.get(slip.employee, {}))
    replaced = periods.get(run.period_start)
    periods[run.period_start] = (slip.ni_category, ni_working)
    years: dict[str, _NiYear] = defaultdict(_NiYear)
    for letter, working in periods.values():
        nicable = _money(working.get("nicable_pay"))
        at_lel, lel_to_pt, pt_to_uel = _bands(nicable, working.get("thresholds", {}))
        year = years[letter]
        year.gross += nicable
        year.at_lel += at_lel
        year.lel_to_pt += lel_to_pt
        year.pt_to_uel += pt_to_uel
    for letter, (employee_ni, employer_ni) in chunk.earlier_nics.get(slip.employee, {}).items():
        years[letter].employee += employee_ni
        years[letter].employer += employer_ni
    opening = chunk.openings.get(slip.employee)
    if opening is not None:
        letter = opening[0] or slip.ni_category
        years[letter].employee += opening[1]
        years[letter].employer += opening[2]
    current = years[slip.ni_category]
    current.employee += slip.employee_ni
    current.employer += slip.employer_ni
    # A supplementary run pays the period's difference: its NIable pay is the recalculated
    # period's less what the period's earlier payslip counted.
    in_period = _money(ni_working.get("nicable_pay"))
    if replaced is not None:
        in_period -= _money(replaced[1].get("nicable_pay"))
    blocks = []
    for letter, year in years.items():
        this = letter == slip.ni_category
        blocks.append(NiLetterFigures(
            letter=letter, gross_in_period=in_period if this else ZERO, gross_ytd=year.gross,
            at_lel_ytd=year.at_lel, lel_to_pt_ytd=year.lel_to_pt, pt_to_uel_ytd=year.pt_to_uel,
            employer_in_period=slip.employer_ni if this else ZERO, employer_ytd=year.employer,
            employee_in_period=slip.employee_ni if this else ZERO, employee_ytd=year.employee))
    return tuple(blocks)


def _employee(run: PayRun, slip: SlipRow, chunk: _Chunk) -> FpsEmployee:
    person = chunk.people[slip.employee]
    ytd = slip.year_to_date
    first_fps = slip.employee not in chunk.reported_before
    old_id = person.previous_payroll_id or chunk.opening_ids.get(slip.employee, "")
    id_changed = first_fps and bool(old_id) and old_id != person.payroll_number
    migrated = bool(old_id) or slip.employee in chunk.migrated
    year_starts = datetime.date(tax_year_start(run.tax_year), 4, 6)
    plans = [_PLANS[plan] for plan in person.student_loans if plan in _PLANS]
    starter = None
    # RTI.md §5 rule 4 and §6.1: a new employment's first FPS carries the starter details; a
    # continuing employee brought over from the previous payroll is never a starter.
    if first_fps and not migrated and person.start_date >= year_starts:
        starter = Starter(start_date=person.start_date,
                          declaration=StarterDeclaration(person.starter_declaration)
                          if person.starter_declaration else None,
                          student_loan=bool(plans), postgraduate_loan=POSTGRADUATE in person.student_loans)
    lines = tuple(line for line in (person.address_line_1, person.address_line_2, person.town) if line.strip())
    address = Address(lines=lines, uk_postcode=person.postcode or None) if lines else None
    # The leaving date goes on every FPS from the one for the period they leave in (RTI.md §6.2).
    leaving = person.leave_date if person.leave_date and person.leave_date <= run.period_end else None
    student_loan = None
    if plans or slip.student_loan:
        # Plan 5 is HMRC's default where the plan is not known, from 2026-27 (RTI.md §7.2).
        student_loan = StudentLoan(plan=plans[0] if plans else StudentLoanPlan.PLAN_5,
                                   recovered_in_period=slip.student_loan,
                                   recovered_ytd=_money(ytd.get("student_loan")))
    postgraduate = None
    if POSTGRADUATE in person.student_loans or slip.postgraduate_loan:
        postgraduate = PostgraduateLoan(recovered_in_period=slip.postgraduate_loan,
                                        recovered_ytd=_money(ytd.get("postgraduate_loan")))
    pension = Pension()
    if person.pension_scheme:
        # The civil service schemes are net pay arrangements: contributions come off before tax.
        pension = Pension(net_pay_in_period=slip.pension_employee,
                          net_pay_ytd=_money(ytd.get("pension_employee")))
    code = TaxCode.parse(slip.tax_code)
    if slip.week1_month1 and not code.non_cumulative:
        code = TaxCode(code.code, non_cumulative=True, regime=code.regime)
    paid_after_tax, deducted_after_tax = chunk.after_tax.get(slip.payslip_id or 0, (ZERO, ZERO))
    return FpsEmployee(
        name=Name(surname=person.last_name, forenames=(person.first_name,) if person.first_name else (),
                  title=person.title or None),
        gender=Gender(person.sex), payroll_id=person.payroll_number, payment_date=run.pay_date,
        pay_frequency=_FREQUENCIES.get(run.schedule.frequency, PayFrequency.MONTHLY),
        period_number=run.tax_period, hours=_hours_band(chunk.hours.get(slip.employee)), tax_code=code,
        taxable_pay_in_period=slip.taxable_pay, tax_in_period=slip.income_tax,
        taxable_pay_ytd=_money(ytd.get("taxable_pay")), tax_ytd=_money(ytd.get("tax")),
        nino=person.ni_number or None, address=address, birth_date=person.date_of_birth,
        payroll_id_changed=id_changed, old_payroll_id=old_id if id_changed else None, starter=starter,
        leaving_date=leaving,
        # Paid in a period after the one they left in: reported with the original leaving date.
        payment_after_leaving=person.leave_date is not None and person.leave_date < run.period_start,
        pay_after_statutory_deductions=(slip.taxable_pay - slip.income_tax - slip.employee_ni - slip.student_loan
                                        - slip.postgraduate_loan),
        non_tax_or_nic_payment=paid_after_tax, deductions_from_net_pay=deducted_after_tax,
        ni=_ni_blocks(run, slip, chunk), student_loan=student_loan, postgraduate_loan=postgraduate,
        pension=pension, statutory_pay=_statutory_ytd(ytd))


def fps_employees(run: PayRun, *, chunk_size: int = CHUNK_SIZE) -> Iterator[FpsEmployee]:
    """Everyone the run paid, in payslip order, as the FPS describes them; a chunk at a time.

    A payslip that failed, or a supplementary run's "nothing more to pay", is not a payment and is
    left out (RTI.md §2.1: only employees paid in this run).
    """
    last = 0
    while True:
        rows = list(Payslip.objects.filter(run=run, status=Payslip.Status.CALCULATED, pk__gt=last)
                    .order_by("pk").values_list(*_STORED_FOR_FPS)[:chunk_size])
        if not rows:
            return
        last = rows[-1][-1]
        slips = [SlipRow._make([*row[:4], *(Decimal(value) for value in row[4:12]), row[12] or {},
                                {"ni": row[13]} if row[13] is not None else {}, row[14]]) for row in rows]
        chunk = _load_chunk(run, [slip.employee for slip in slips], full=True,
                            payslip_ids=[slip.payslip_id for slip in slips if slip.payslip_id])
        for slip in slips:
            yield _employee(run, slip, chunk)


def run_exceptions(*, run: PayRun, slips: Iterable[Any]) -> list[tuple[int, int, str, str]]:
    """(run, employee, code, reason) for the calculated payslips of a chunk the FPS could not
    describe as they stand (``payroll.engine.rti.exceptions_for``), codes prefixed ``rti_``.

    Runs beside the calculation, so it never raises for one employee's data: a value the mapping
    cannot read becomes that employee's exception instead.
    """
    rows = [slip if isinstance(slip, SlipRow) else SlipRow.of(slip) for slip in slips]
    if not rows:
        return []
    chunk = _load_chunk(run, [row.employee for row in rows], full=False)
    described: list[FpsEmployee] = []
    owners: list[int] = []
    found: list[tuple[int, int, str, str]] = []
    for row in rows:
        try:
            described.append(_employee(run, row, chunk))
            owners.append(row.employee)
        except (ValueError, KeyError, ArithmeticError) as error:
            found.append((run.pk, row.employee, f"{EXCEPTION_PREFIX}data", f"RTI: {error}"[:500]))
    for exception in exceptions_for(described, retired_payroll_ids=chunk.retired_ids):
        for reason in exception.reasons:
            code = f"{EXCEPTION_PREFIX}{reason.field}".split("[")[0][:40]
            found.append((run.pk, owners[exception.index], code, f"RTI: {reason.message}"[:500]))
    return found
