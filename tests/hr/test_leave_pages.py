"""A line manager decides their reports' leave on the approvals page, and only theirs."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils.html import escape

from hr import services
from hr.models import LeaveRequest, LeaveType
from tests.factories import EmploymentFactory

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def waiting_request(moj, in_department):
    services.leave_types_install_defaults(department=moj.department, acting_user=None)
    manager = EmploymentFactory(department=moj.department).employee
    employee = EmploymentFactory(department=moj.department, line_manager=manager,
                                 employee__start_date=D(2024, 4, 1)).employee
    manager.user = moj.manager
    with in_department(moj):
        manager.save(update_fields=["user"])
        annual = LeaveType.objects.get(code="ANNUAL")
    return services.leave_request_create(employee=employee, leave_type=annual, start_date=D(2026, 7, 6),
                                         end_date=D(2026, 7, 7), hours=Decimal("15"), acting_user=None)


def test_the_line_manager_sees_and_approves_a_request(client, moj, waiting_request, in_department):
    # given
    client.force_login(moj.manager)
    url = f"/departments/{moj.slug}/hr/leave-approvals/"
    # when
    page = client.get(url)
    response = client.post(url, {"request": waiting_request.pk, "decision": "approve"}, follow=True)
    # then
    assert page.status_code == 200
    assert escape(waiting_request.employee.display_name) in page.content.decode()  # names like O'Sullivan
    assert "Approved:" in response.content.decode()
    with in_department(moj):
        assert LeaveRequest.objects.get(pk=waiting_request.pk).status == "approved"


def test_another_manager_cannot_decide_it(client, moj, waiting_request, in_department):
    # given a manager role holder who does not manage this employee
    client.force_login(moj.hr_admin)
    from departments.services import membership_grant

    membership_grant(department=moj.department, user=moj.hr_admin, role="manager", acting_user=None)
    # when
    response = client.post(f"/departments/{moj.slug}/hr/leave-approvals/",
                           {"request": waiting_request.pk, "decision": "approve"}, follow=True)
    # then
    assert "not waiting for your decision" in response.content.decode()
    with in_department(moj):
        assert LeaveRequest.objects.get(pk=waiting_request.pk).status == "pending"


def test_the_page_needs_the_team_scope(client, moj):
    client.force_login(moj.payroll_officer)
    assert client.get(f"/departments/{moj.slug}/hr/leave-approvals/").status_code == 403


def test_the_record_shows_absence_and_masks_the_sickness_reason_without_hr_sensitive(client, moj, waiting_request):
    # given a period of sickness with a reason (health information)
    employee = waiting_request.employee
    services.sickness_record(employee=employee, first_day=D(2026, 5, 4), last_day=D(2026, 5, 8),
                             reason="Back injury", acting_user=None)
    url = f"/departments/{moj.slug}/hr/employees/{employee.payroll_number}/"
    # when an HR officer and an auditor (no hr:sensitive) open the record
    client.force_login(moj.hr_officer)
    for_hr = client.get(url).content.decode()
    client.force_login(moj.auditor)
    for_auditor = client.get(url).content.decode()
    # then both see the leave and the dates; only HR sees the reason
    assert "Annual leave" in for_hr
    assert "Back injury" in for_hr
    assert "4 May 2026" in for_auditor
    assert "Back injury" not in for_auditor
