"""Separation of duties: declared pairs of roles one person may not hold together (a second HR admin
approves, or the grant is refused), conflicts shown on the people page, and an approver who changed
bank details in a pay period may not approve that period's run."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from departments import selectors, services
from departments.models import AuditEvent, DepartmentMembership, MembershipRequest, RoleConflict
from departments.roles import Role
from hr import services as hr_services
from hr.models import Employee
from payroll import services as payroll_services
from payroll.models import PayRun
from payroll.tasks import start_calculation
from tests.factories import MembershipFactory, UserFactory
from tests.payroll.conftest import finance_setting  # noqa: F401  (a fixture, shared)
from tests.payroll.settling import settle_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_admin(moj):
    admin = UserFactory(email="second.admin@moj.test", full_name="Second Admin")
    MembershipFactory(user=admin, department=moj.department, role=Role.HR_ADMIN)
    return admin


def _ask(moj, *, role=Role.PAYROLL_APPROVER, user=None, by=None):
    return services.role_grant(department=moj.department, email=(user or moj.payroll_officer).email, role=role,
                               reason="Covering approvals in August", acting_user=by or moj.hr_admin)


def test_a_new_department_declares_payroll_officer_with_approver_and_shows_it(client, moj):
    department = services.department_create(slug="hmrc", name="HM Revenue and Customs", acting_user=None)
    conflicts = selectors.department_role_conflicts(department=department)
    assert [(c.role_a, c.role_b, c.handling) for c in conflicts] == [
        (Role.PAYROLL_APPROVER, Role.PAYROLL_OFFICER, RoleConflict.Handling.SECOND_APPROVAL)]
    # installing again adds nothing
    assert services.role_conflicts_install_defaults(department=department, acting_user=None) == 0
    # a department created before (the fixture's) gets them on its first grant, and lists them
    _ask(moj, role=Role.AUDITOR, user=moj.employee)
    client.force_login(moj.hr_admin)
    assert "Payroll approver with Payroll officer" in client.get(f"/departments/{moj.slug}/people/").content.decode()


def test_a_conflicting_grant_waits_for_a_different_hr_admin_who_approves_it(moj, second_admin, in_department):
    # when the payroll officer is made an approver too
    request = _ask(moj)
    # then nothing is granted yet: a request waits
    assert isinstance(request, MembershipRequest)
    assert (request.status, request.conflicts_with) == (MembershipRequest.Status.PENDING, Role.PAYROLL_OFFICER)
    assert not DepartmentMembership.objects.filter(user=moj.payroll_officer, role=Role.PAYROLL_APPROVER).exists()
    # and the admin who asked cannot decide it
    with pytest.raises(ValidationError, match="another HR admin must decide it"):
        services.membership_request_approve(request=request, acting_user=moj.hr_admin)
    # when a second HR admin approves
    membership = services.membership_request_approve(request=request, acting_user=second_admin)
    # then the role is granted, and the person shows as holding a conflicting pair
    assert (membership.role, membership.granted_by) == (Role.PAYROLL_APPROVER, second_admin)
    held = selectors.role_conflicts_held(department=moj.department)
    assert [(item.user, str(item.conflict)) for item in held] == [
        (moj.payroll_officer, "Payroll approver with Payroll officer")]
    with in_department(moj):
        actions = list(AuditEvent.objects.filter(action__startswith="membership_request").order_by("id")
                       .values_list("action", "actor"))
    assert actions == [("membership_request.create", moj.hr_admin.pk),
                       ("membership_request.approve", second_admin.pk)]


def test_a_request_is_refused_with_a_reason_and_cannot_be_decided_twice(moj, second_admin):
    request = _ask(moj)
    with pytest.raises(ValidationError) as missing:
        services.membership_request_refuse(request=request, acting_user=second_admin, note="")
    assert "reason" in missing.value.message_dict
    refused = services.membership_request_refuse(request=request, acting_user=second_admin, note="Use the rota")
    assert (refused.status, refused.decision_note) == (MembershipRequest.Status.REFUSED, "Use the rota")
    with pytest.raises(ValidationError, match="already been decided"):
        services.membership_request_approve(request=refused, acting_user=second_admin)
    assert not DepartmentMembership.objects.filter(user=moj.payroll_officer, role=Role.PAYROLL_APPROVER).exists()


def test_asking_twice_for_the_same_conflicting_grant_is_refused(moj):
    _ask(moj)
    with pytest.raises(ValidationError, match="already waiting for a second HR admin"):
        _ask(moj)


def test_a_pair_declared_as_refused_blocks_the_grant(client, moj, in_department):
    client.force_login(moj.hr_admin)
    # when an HR admin declares finance officer with payroll officer as refused, on the people page
    response = client.post(f"/departments/{moj.slug}/people/conflicts/", {
        "conflict-role_a": Role.PAYROLL_OFFICER, "conflict-role_b": Role.FINANCE_OFFICER,
        "conflict-handling": RoleConflict.Handling.REFUSE})
    assert response.status_code == 302
    # then granting it is refused, naming the role
    with pytest.raises(ValidationError) as refused:
        _ask(moj, role=Role.FINANCE_OFFICER)
    assert refused.value.message_dict["role"] == [
        "MOJ payroll_officer is a Payroll officer, and Ministry of Justice does not allow one person to be a "
        "Finance officer as well."]
    with in_department(moj):
        assert AuditEvent.objects.filter(action="role_conflict.add", actor=moj.hr_admin).exists()


def test_declaring_a_pair_twice_or_with_one_role_shows_the_error_summary(client, moj):
    client.force_login(moj.hr_admin)
    same = client.post(f"/departments/{moj.slug}/people/conflicts/", {
        "conflict-role_a": Role.AUDITOR, "conflict-role_b": Role.AUDITOR,
        "conflict-handling": RoleConflict.Handling.REFUSE}).content.decode()
    assert "There is a problem" in same
    assert "Choose two different roles." in same


def test_a_removed_pair_no_longer_applies_and_is_not_installed_again(client, moj, in_department):
    services.role_conflicts_install_defaults(department=moj.department, acting_user=None)
    conflict = selectors.department_role_conflicts(department=moj.department)[0]
    client.force_login(moj.hr_admin)
    response = client.post(f"/departments/{moj.slug}/people/conflicts/{conflict.pk}/remove/")
    assert response.status_code == 302
    # the grant is now direct
    granted = _ask(moj)
    assert isinstance(granted, DepartmentMembership)
    assert selectors.department_role_conflicts(department=moj.department) == []
    with in_department(moj):
        assert AuditEvent.objects.get(action="role_conflict.remove").actor == moj.hr_admin


def test_the_people_page_lists_requests_and_the_requester_cannot_approve_their_own(client, moj, second_admin):
    request = _ask(moj)
    client.force_login(moj.hr_admin)
    listing = client.get(f"/departments/{moj.slug}/people/").content.decode()
    assert "Grants waiting for a second HR admin" in listing
    own = client.get(f"/departments/{moj.slug}/people/requests/{request.pk}/").content.decode()
    assert "You asked for this grant, so another HR admin must decide it." in own
    forced = client.post(f"/departments/{moj.slug}/people/requests/{request.pk}/", {"decision": "approve"})
    assert "You asked for this grant" in forced.content.decode()
    client.force_login(second_admin)
    response = client.post(f"/departments/{moj.slug}/people/requests/{request.pk}/", {"decision": "approve"})
    assert response.status_code == 302
    page = client.get(f"/departments/{moj.slug}/people/").content.decode()
    assert "People holding roles that should be kept apart" in page
    assert "MOJ payroll_officer: Payroll approver with Payroll officer" in page


@pytest.fixture
def calculated_run(moj, finance_setting, django_capture_on_commit_callbacks):  # noqa: F811
    schedule = payroll_services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly",
                                                    bank_sort_code="202959", bank_account_number="63748472",
                                                    bank_account_name="MOJ PAYROLL")
    run = payroll_services.pay_run_create(schedule=schedule, period_containing=timezone.localdate(),
                                          acting_user=None)
    payroll_services.pay_run_open(run=run, acting_user=moj.payroll_officer)
    with django_capture_on_commit_callbacks(execute=True):
        start_calculation(run=run, acting_user=moj.payroll_officer)
    # Its exceptions settled, so that only what each test sets up holds approval back.
    return settle_review(run, moj.payroll_officer)


def _change_bank_details(moj, in_department, *, by):
    with in_department(moj):
        employee = Employee.objects.get(payroll_number="E0001")
    row = hr_services.EmployeeImportRow(row_number=1, personal={
        "payroll_number": "E0001", "first_name": employee.first_name, "last_name": employee.last_name,
        "bank_sort_code": "404784", "bank_account_number": "70872490"}, terms={})
    hr_services.employees_import(department=moj.department, rows=[row], acting_user=by,
                                 effective_from=timezone.localdate(), reason="New bank account", fields_checked=True)


def test_an_approver_who_changed_bank_details_this_period_may_not_approve_the_run(moj, calculated_run,
                                                                                  in_department):
    # given the approver changed an employee's bank details during the run's period
    _change_bank_details(moj, in_department, by=moj.payroll_approver)
    # when they approve
    with pytest.raises(ValidationError) as refused:
        payroll_services.pay_run_approve(run=calculated_run, acting_user=moj.payroll_approver)
    # then it is refused, naming the rule, and the run is not approved
    assert "You changed an employee's bank details during this pay period" in refused.value.messages[0]
    assert refused.value.error_dict["__all__"][0].code == "bank_details_changed"
    with in_department(moj):
        calculated_run.refresh_from_db()
    assert calculated_run.status == PayRun.Status.CALCULATED
    # and another approver, who changed nothing, approves it
    colleague = UserFactory(email="approver.two@moj.test")
    MembershipFactory(user=colleague, department=moj.department, role=Role.PAYROLL_APPROVER)
    assert payroll_services.pay_run_approve(run=calculated_run, acting_user=colleague).status == (
        PayRun.Status.APPROVED)


def test_bank_details_changed_by_someone_else_do_not_stop_the_approver(moj, calculated_run, in_department):
    _change_bank_details(moj, in_department, by=moj.hr_officer)
    approved = payroll_services.pay_run_approve(run=calculated_run, acting_user=moj.payroll_approver)
    assert approved.status == PayRun.Status.APPROVED
