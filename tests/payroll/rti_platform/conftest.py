"""RTI on the platform: a department with its HMRC references, employees HMRC can identify, and a
finalised run whose FPS was built on finalising."""

from __future__ import annotations

import pytest

from departments.models import Department
from hr.models import Employee
from payroll import services

IDENTITIES = {
    "M0001": ("AB123456C", "1 High Street", "Leeds", "LS1 1AA"),
    "E0001": ("CE987654B", "22 Station Road", "Bristol", "BS1 4DJ"),
    "E0002": ("JK112233A", "5 Mill Lane", "York", "YO1 7HH"),
}


@pytest.fixture
def hmrc_ready(moj, finance_setting, in_department):
    """moj with its PAYE and accounts office references, and every employee with an NI number and
    an address."""
    Department.objects.filter(pk=moj.department.pk).update(employer_paye_reference="120/AB12345",
                                                           accounts_office_reference="120PA00012345")
    moj.department.refresh_from_db()
    with in_department(moj):
        for number, (nino, line_1, town, postcode) in IDENTITIES.items():
            Employee.objects.filter(payroll_number=number).update(ni_number=nino, address_line_1=line_1, town=town,
                                                                  postcode=postcode)
    return finance_setting


@pytest.fixture
def finalised_run(moj, hmrc_ready, approved_run, django_capture_on_commit_callbacks):
    """Build, approve and finalise this month's run; the FPS task runs on commit."""
    def build(*, before_open=None):
        run = approved_run(before_open=before_open)
        with django_capture_on_commit_callbacks(execute=True):
            return services.pay_run_finalise(run=run, acting_user=moj.payroll_approver)
    return build
