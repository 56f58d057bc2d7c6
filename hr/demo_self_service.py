"""Demo self-service for the demo departments, made before the current pay run opens so that its
review shows what a payroll officer would really meet: the employee persona moved house and then
changed bank details (flagged: right after a contact change), a second employee's pay now goes
into an account a colleague already uses (flagged: shared account), HR's proposed change for a
third that waits for a second officer's check, a change of surname waiting for HR with its
evidence, a leave request waiting for the line manager persona, and that manager's deputy for
their coming leave. Every person and account is invented; all of it goes through the services
people use."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import TextIO

from django.utils import timezone

from departments.models import Department
from departments.tenancy import department_context
from hr import services
from hr.models import BankDetailsChange, Employee, LeaveType
from hr.selectors import direct_reports
from hr.services.bank_details import (
    bank_details_change_confirm,
    bank_details_change_propose,
    bank_details_change_request,
)
from hr.services.delegation import approval_delegation_create
from hr.services.self_service import detail_change_request_create, employee_personal_details_change
from shared_services.accounts.models import User

# A one-page PDF, enough for the evidence check (which reads the file's first bytes) and to open.
EVIDENCE = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _others(*, exclude: set[int], count: int, today: datetime.date) -> list[Employee]:
    """Staff employed today with a sign-in, in payroll number order, not among ``exclude``."""
    people = Employee.objects.filter(user__isnull=False, leave_date__isnull=True, start_date__lte=today,
                                     bank_account_number__gt="") \
        .exclude(pk__in=exclude).order_by("payroll_number")[:count]
    return list(people)


def seed_department(department: Department, *, hr_officer: User, hr_admin: User, employee_persona: User | None,
                    manager_persona: User | None, out: TextIO, today: datetime.date | None = None) -> None:
    today = today or timezone.localdate()
    with department_context(department.id):
        if BankDetailsChange.objects.exists():
            out.write(f"  {department.slug}: self-service demo data there already\n")
            return
        employee = Employee.objects.filter(user=employee_persona).first() if employee_persona else None
        manager = Employee.objects.filter(user=manager_persona).first() if manager_persona else None
        taken = {person.pk for person in (employee, manager) if person is not None}
        made = []
        if employee is not None and employee.user is not None:
            employee_personal_details_change(
                employee=employee, acting_user=employee.user,
                changes={"address_line_1": "14 Albert Embankment", "address_line_2": "", "town": "London",
                         "postcode": "SE1 7SP", "phone": "07700 900461"})
            bank_details_change_request(employee=employee, sort_code="401276", account_number="51384402",
                                        acting_user=employee.user)
            detail_change_request_create(
                employee=employee, changes={"last_name": "Okonkwo-Lee"}, reason="I married in October.",
                evidence=io.BytesIO(EVIDENCE), evidence_name="marriage-certificate.pdf", acting_user=employee.user)
            made += ["a contact change then a bank change", "a surname change waiting for HR"]
        sharer, proposed = (_others(exclude=taken, count=2, today=today) + [None, None])[:2]
        if sharer is not None and employee is not None:
            # Two people paid into one account: the pattern of a diverted salary.
            change = bank_details_change_propose(
                employee=sharer, sort_code="401276", account_number="51384402",
                reason=f"Employee's letter of {today - datetime.timedelta(days=5):%-d %B}",
                evidence=io.BytesIO(EVIDENCE), evidence_name="letter.pdf", acting_user=hr_officer)
            bank_details_change_confirm(change=change, acting_user=hr_admin, note="Checked against the letter")
            made.append("an account shared by two people")
        if proposed is not None:
            bank_details_change_propose(
                employee=proposed, sort_code="309634", account_number="28419065",
                reason="New account after a bank merger",
                evidence=io.BytesIO(EVIDENCE), evidence_name="bank-letter.pdf", acting_user=hr_officer)
            made.append("a proposal waiting for a second officer's check")
        if employee is not None and employee.user is not None:
            annual = LeaveType.objects.filter(code="ANNUAL").first() or LeaveType.objects.order_by("pk").first()
            if annual is not None:
                start = today + datetime.timedelta(days=(7 - today.weekday()) % 7 + 21)
                services.leave_request_create(employee=employee, leave_type=annual, start_date=start,
                                              end_date=start + datetime.timedelta(days=4), acting_user=employee.user,
                                              hours=Decimal("37.50"))
                made.append("a leave request for the line manager")
        if manager is not None:
            reports = {version.employee_id for version in direct_reports(manager=manager, on=today)}
            deputy = next(iter(_others(exclude=taken | reports, count=1, today=today)), None)
            if deputy is not None:
                start = today + datetime.timedelta(days=14)
                approval_delegation_create(manager=manager, deputy=deputy, starts_on=start,
                                           ends_on=start + datetime.timedelta(days=11), note="Annual leave",
                                           acting_user=manager.user)
                made.append(f"{deputy.first_name} {deputy.last_name} as the line manager's deputy")
        out.write(f"  {department.slug}: self-service: {', '.join(made) or 'no personas to show it'}\n")
