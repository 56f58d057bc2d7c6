"""Demo finance for the demo departments: the default chart, a budget per cost centre from the
staff in it, and expense claims at each stage from the demo employee to their line manager and
finance. The year's payroll postings are the real journals of payroll's demo runs. Everything goes
through the services, so it is audited and balanced like real work."""

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
from finance.models import Account, ExpenseLine, financial_year_of
from hr.models import CostCentre, Employee, Employment
from shared_services.accounts.models import User

PENNY = Decimal("0.01")
# Employer NI and pension on top of salaries, roughly, for each cost centre's budget.
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


def _claimants(department: Department) -> tuple[Employee, Employee] | None:
    """The demo employee and their line manager, as HR's demo put them on the staff (``hr.demo_personas``)."""
    employee_user, manager_user = _persona(department, Role.EMPLOYEE), _persona(department, Role.MANAGER)
    if employee_user is None or manager_user is None:
        return None
    employee = Employee.objects.filter(user=employee_user).first()
    manager = Employee.objects.filter(user=manager_user).first()
    if employee is None or manager is None:
        return None
    return employee, manager


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
        # No payroll postings here: payroll's demo pays every month of the year so far, and each
        # finalised run posts its own journal (payroll/demo.py).
        people = _claimants(department)
        claims = 0
        if people is not None and people[1].user is not None:
            claims = _claims(department, people[0], people[1].user, _persona(department, Role.FINANCE_OFFICER))
        out.write(f"  {department.slug}: chart of accounts, {len(pay)} budgets, {claims} expense claims\n")


def seed(*, out: TextIO) -> None:
    for department in Department.objects.filter(slug__in=["moj", "dft"]).order_by("slug"):
        seed_department(department, out=out)
