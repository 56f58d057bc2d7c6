"""Settling a run's review in tests, as payroll staff do before approving: approval refuses a run
whose review is open (``payroll.services.approval``)."""

from __future__ import annotations

from departments.models import DepartmentMembership
from departments.roles import Role
from departments.tenancy import department_context
from hr.models import Employee
from payroll import services
from payroll.models import PayRun, PayRunException, PayRunPaymentRoute
from payroll.review_kinds import RECALCULATE_CODES, ROUTABLE_CODES
from payroll.selectors_review import pay_run_review
from shared_services.accounts.models import User

SETTLED_NOTE = "Checked against the employee records before approval"
HELD_NOTE = "Held until the employee gives bank details"


def _payroll_people(run: PayRun) -> list[User]:
    ids = (DepartmentMembership.objects.current()
           .filter(department_id=run.department_id, role__in=[Role.PAYROLL_OFFICER, Role.PAYROLL_APPROVER])
           .order_by("role", "pk").values_list("user_id", flat=True))
    return list(User.objects.filter(pk__in=list(ids)).order_by("pk"))


def settle_review(run: PayRun, *people: User) -> PayRun:
    """Acknowledge the run's open advisory exceptions with a note and hold the net pay of anyone a
    blocking exception stops from being paid by Bacs. Each of ``people`` (by default the
    department's payroll officers and approvers) settles what they may: nobody settles their own pay,
    so the next person settles that. Those whose calculation failed are left for a fix and a
    recalculation. A run not waiting for approval is left as it is."""
    with department_context(run.department_id):
        run.refresh_from_db()
        if run.status != PayRun.Status.CALCULATED or run.kind == PayRun.Kind.SHADOW:
            return run
        for person in people or _payroll_people(run):
            codes = [item.kind.code for item in pay_run_review(run=run).open_advisory]
            if codes:
                services.pay_run_exceptions_acknowledge(run=run, acting_user=person, note=SETTLED_NOTE, codes=codes)
            done = set(PayRunPaymentRoute.objects.filter(run=run).values_list("employee_id", flat=True)) | set(
                PayRunException.objects.filter(run=run, code__in=sorted(RECALCULATE_CODES))
                .values_list("employee_id", flat=True))
            own = Employee.objects.filter(user_id=person.pk).values_list("pk", flat=True).first()
            for employee_id in sorted(set(PayRunException.objects.filter(
                    run=run, code__in=sorted(ROUTABLE_CODES)).values_list("employee_id", flat=True)) - done):
                if employee_id != own:
                    services.pay_run_payment_route_set(run=run, employee_id=employee_id, route="hold", note=HELD_NOTE,
                                                       acting_user=person)
    return run
