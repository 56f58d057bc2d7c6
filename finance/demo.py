"""Demo finance for the demo departments: the default chart, a budget per cost centre from the
staff in it, monthly payroll postings for the months of this financial year so far (with their
payments), and expense claims at each stage from the demo employee to their line manager and
finance. Everything goes through the services, so it is audited and balanced like real work."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import TextIO

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from departments.models import Department, DepartmentMembership
from departments.roles import Role
from departments.tenancy import department_context
from finance import services
from finance.models import Account, ExpenseLine, Journal, financial_year_of, period_number_of
from finance.services import JournalLineInput as Line
from hr import services as hr_services
from hr.models import CostCentre, Employee, Employment
from shared_services.accounts.models import User

PENNY = Decimal("0.01")
# Rough shares of gross pay, enough for believable demo ledgers (the payroll engine does it properly).
EMPLOYER_NI, EMPLOYER_PENSION = Decimal("0.105"), Decimal("0.2897")
EMPLOYEE_TAX_NI, EMPLOYEE_PENSION = Decimal("0.26"), Decimal("0.0605")
ON_COSTS = Decimal("1.43")


def _persona(department: Department, role: str) -> User | None:
    membership = (DepartmentMembership.objects.filter(department=department, role=role, ended_at__isnull=True)
                  .select_related("user").order_by("id").first())
    return membership.user if membership else None


def _monthly_pay_by_centre() -> dict[int, Decimal]:
    today = timezone.localdate()
    current = (Employment.objects.filter(superseded_at__isnull=True, valid_from__lte=today)
               .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today)))
    pay: dict[int, Decimal] = defaultdict(lambda: Decimal("0"))
    for row in current.values("cost_centre_id", "annual_salary", "fte"):
        pay[row["cost_centre_id"]] += row["annual_salary"] * row["fte"] / 12
    return {centre: amount.quantize(PENNY) for centre, amount in pay.items()}


def _payroll_month(department: Department, pay: dict[int, Decimal], centres: dict[int, CostCentre],
                   paid_on: datetime.date) -> None:
    lines: list[Line] = []
    paye = pension = net = Decimal("0")
    for centre_id, gross in sorted(pay.items()):
        employer_ni = (gross * EMPLOYER_NI).quantize(PENNY)
        employer_pension = (gross * EMPLOYER_PENSION).quantize(PENNY)
        tax_ni = (gross * EMPLOYEE_TAX_NI).quantize(PENNY)
        employee_pension = (gross * EMPLOYEE_PENSION).quantize(PENNY)
        centre = centres[centre_id]
        lines += [Line(account="5000", debit=gross, cost_centre=centre),
                  Line(account="5010", debit=employer_ni, cost_centre=centre),
                  Line(account="5020", debit=employer_pension, cost_centre=centre)]
        paye += tax_ni + employer_ni
        pension += employee_pension + employer_pension
        net += gross - tax_ni - employee_pension
    label = f"{paid_on:%B %Y}"
    reference = f"demo-{paid_on:%Y-%m}"
    lines += [Line(account="2100", credit=paye), Line(account="2120", credit=pension),
              Line(account="2200", credit=net)]
    services.journal_post(department=department, acting_user=None, posted_on=paid_on,
                          description=f"Payroll {label}", lines=lines, source=Journal.Source.PAYROLL,
                          source_reference=reference)
    services.journal_post(department=department, acting_user=None, posted_on=paid_on,
                          description=f"Net pay {label} paid by BACS", source=Journal.Source.PAYROLL,
                          source_reference=f"{reference}-bacs",
                          lines=[Line(account="2200", debit=net), Line(account="1100", credit=net)])


def _claimants(department: Department) -> tuple[Employee, Employee] | None:
    """The demo employee and line manager as staff (hired through HR's service if not yet)."""
    employee_user, manager_user = _persona(department, Role.EMPLOYEE), _persona(department, Role.MANAGER)
    if employee_user is None or manager_user is None:
        return None
    template = Employment.objects.filter(superseded_at__isnull=True, valid_to__isnull=True) \
        .select_related("organisation_unit", "grade", "cost_centre").order_by("id").first()
    if template is None:
        return None
    people: list[Employee] = []
    for index, (user, line_manager) in enumerate(((manager_user, None), (employee_user, "manager"))):
        existing = Employee.objects.filter(user=user).first()
        if existing is None:
            first, _, last = user.full_name.partition(" ")
            existing = hr_services.employee_hire(
                department=department, acting_user=None,
                personal={"payroll_number": f"{department.slug[:2].upper()}9{index:05d}", "first_name": first,
                          "last_name": last or "Demo", "date_of_birth": datetime.date(1986, 3, 14), "sex": "F",
                          "start_date": datetime.date(2021, 4, 1), "user": user, "email": user.email,
                          # Complete records, as HMRC's returns and the Bacs file need them.
                          "ni_number": f"JM9{index:05d}C", "address_line_1": "1 Horse Guards Road", "town": "London",
                          "postcode": "SW1A 2HQ", "bank_sort_code": "089999", "bank_account_number": "66374958"},
                terms={"post_title": "Team leader" if line_manager is None else "Caseworker",
                       "organisation_unit": template.organisation_unit, "grade": template.grade,
                       "cost_centre": template.cost_centre, "annual_salary": template.annual_salary,
                       "line_manager": people[0] if line_manager else None},
                salary_override_reason="Demo persona")
        people.append(existing)
    return people[1], people[0]


def _claims(department: Department, claimant: Employee, manager: User, finance: User | None) -> int:
    today = timezone.localdate()
    stages = [("Training course in Birmingham", "paid"), ("Court visits in the north", "approved"),
              ("Conference in Manchester", "manager_approved"), ("Site visit to Bristol", "submitted"),
              ("Team away day", "draft")]
    for number, (purpose, stage) in enumerate(stages):
        employee_user = claimant.user
        claim = services.expense_claim_create(employee=claimant, purpose=purpose, acting_user=employee_user)
        day = today - datetime.timedelta(days=30 - number * 5)
        services.expense_line_add(claim=claim, acting_user=employee_user, category=ExpenseLine.Category.TRAVEL,
                                  incurred_on=day, description="Standard class rail, return",
                                  amount=Decimal("64.30") + number)
        services.expense_line_add(claim=claim, acting_user=employee_user, category=ExpenseLine.Category.SUBSISTENCE,
                                  incurred_on=day, description="Lunch", amount=Decimal("8.75"), vat=Decimal("1.46"))
        services.expense_line_add(claim=claim, acting_user=employee_user, category=ExpenseLine.Category.MILEAGE,
                                  incurred_on=day, description="Home to station and back", vehicle="car",
                                  miles=Decimal("14.2"))
        if stage == "draft":
            continue
        claim = services.expense_claim_submit(claim=claim, acting_user=employee_user)
        if stage == "submitted":
            continue
        claim = services.expense_claim_manager_decide(claim=claim, approve=True, acting_user=manager)
        if stage == "manager_approved" or finance is None:
            continue
        claim = services.expense_claim_finance_decide(claim=claim, approve=True, acting_user=finance)
        if stage == "paid":
            services.expense_claims_mark_paid(department=department, claims=[claim], acting_user=finance)
    return len(stages)


@transaction.atomic
def seed_department(department: Department, *, out: TextIO) -> None:
    with department_context(department.id):
        if Account.objects.exists():
            out.write(f"  {department.slug}: has a chart of accounts already; finance demo data left as it is\n")
            return
        services.accounts_install_defaults(department=department, acting_user=None)
        centres = {centre.pk: centre for centre in CostCentre.objects.all()}
        pay = _monthly_pay_by_centre()
        year = financial_year_of(timezone.localdate())
        for centre_id, monthly in pay.items():
            services.budget_set(department=department, cost_centre=centres[centre_id], financial_year=year,
                                acting_user=None, annual_amount=(monthly * 12 * ON_COSTS).quantize(Decimal("1000")))
        # The months of this year already over, but for the last: payroll's demo finalises a real
        # pay run for it, which posts its own journal (payroll/demo.py).
        months = max(0, period_number_of(timezone.localdate()) - 2)
        for number in range(1, months + 1):
            month_start = services.period_dates(year, number)[0]
            _payroll_month(department, pay, centres, month_start.replace(day=25))
        people = _claimants(department)
        claims = 0
        if people is not None and people[1].user is not None:
            claims = _claims(department, people[0], people[1].user, _persona(department, Role.FINANCE_OFFICER))
        spent = Decimal(sum(pay.values())) * months
        out.write(f"  {department.slug}: chart of accounts, {len(pay)} budgets, {months} months of payroll postings "
                  f"(£{spent:,.0f} gross pay), {claims} expense claims\n")


def seed(*, out: TextIO) -> None:
    for department in Department.objects.filter(slug__in=["moj", "dft"]).order_by("slug"):
        seed_department(department, out=out)
