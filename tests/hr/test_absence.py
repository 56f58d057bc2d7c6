"""Leave and absence: entitlement, requests and approval, the ledger, bank holidays, sickness spells."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from hr import selectors, services
from hr.models import LeaveBalanceEntry, LeaveType
from tests.factories import EmploymentFactory, UserFactory

pytestmark = pytest.mark.django_db
D = datetime.date
YEAR = D(2026, 4, 1)  # the demo departments' leave year starts on 1 April


@pytest.fixture
def team(moj, in_department):
    """An employee (with a sign-in) and their line manager (with a sign-in), and the leave types."""
    services.leave_types_install_defaults(department=moj.department, acting_user=None)
    manager_version = EmploymentFactory(department=moj.department, employee__start_date=D(2015, 1, 5))
    manager = manager_version.employee
    manager.user = moj.manager
    employee_version = EmploymentFactory(department=moj.department, employee__start_date=D(2024, 4, 1),
                                         line_manager=manager, fte=Decimal("0.8"))
    employee = employee_version.employee
    employee.user = moj.employee
    with in_department(moj):
        manager.save(update_fields=["user"])
        employee.save(update_fields=["user"])
        annual = LeaveType.objects.get(code="ANNUAL")
    return {"manager": manager, "employee": employee, "annual": annual}


def test_entitlement_is_pro_rata_by_fte_and_service(moj, team, in_department):
    with in_department(moj):
        balance = services.leave_balance_recalculate(employee=team["employee"], leave_type=team["annual"],
                                                     year_start=YEAR)
        manager_balance = services.leave_balance_recalculate(employee=team["manager"], leave_type=team["annual"],
                                                             year_start=YEAR)
    # 187.5 full-time hours × 0.8 FTE; the manager has over 5 years' service: 225 hours
    assert balance == Decimal("150.00")
    assert manager_balance == Decimal("225.00")


def test_part_year_starters_get_a_share(moj, in_department):
    services.leave_types_install_defaults(department=moj.department, acting_user=None)
    starter = EmploymentFactory(department=moj.department, employee__start_date=D(2026, 10, 1)).employee
    with in_department(moj):
        annual = LeaveType.objects.get(code="ANNUAL")
        balance = services.leave_balance_recalculate(employee=starter, leave_type=annual, year_start=YEAR)
    # 182 of 365 days employed (1 Oct 2026 to 31 Mar 2027): 187.5 × 182 / 365 = 93.49
    assert balance == Decimal("93.49")


def test_request_approve_and_cancel_move_the_balance_and_rerun_identically(moj, team, in_department):
    request = services.leave_request_create(employee=team["employee"], leave_type=team["annual"],
                                            start_date=D(2026, 7, 6), end_date=D(2026, 7, 10), hours=Decimal("30"),
                                            acting_user=moj.employee)
    services.leave_request_decide(request=request, approve=True, acting_user=moj.manager)
    with in_department(moj):
        assert services.leave_balance(employee=team["employee"], leave_type=team["annual"], year_start=YEAR) == \
            Decimal("120.00")
        ledger = list(LeaveBalanceEntry.objects.values_list("kind", "hours").order_by("kind"))
        services.leave_balance_recalculate(employee=team["employee"], leave_type=team["annual"], year_start=YEAR)
        assert list(LeaveBalanceEntry.objects.values_list("kind", "hours").order_by("kind")) == ledger
    services.leave_request_cancel(request=request, acting_user=moj.employee)
    with in_department(moj):
        assert services.leave_balance(employee=team["employee"], leave_type=team["annual"], year_start=YEAR) == \
            Decimal("150.00")


def test_more_leave_than_is_left_is_refused(moj, team):
    with pytest.raises(ValidationError) as error:
        services.leave_request_create(employee=team["employee"], leave_type=team["annual"], start_date=D(2026, 8, 3),
                                      end_date=D(2026, 9, 4), hours=Decimal("160"), acting_user=moj.employee)
    assert "Only 150.00 hours" in error.value.message_dict["hours"][0]


def test_overlapping_and_back_to_front_requests_are_refused(moj, team):
    services.leave_request_create(employee=team["employee"], leave_type=team["annual"], start_date=D(2026, 7, 6),
                                  end_date=D(2026, 7, 10), hours=Decimal("30"), acting_user=None)
    with pytest.raises(ValidationError, match="overlaps"):
        services.leave_request_create(employee=team["employee"], leave_type=team["annual"], start_date=D(2026, 7, 9),
                                      end_date=D(2026, 7, 9), hours=Decimal("7.5"), acting_user=None)
    with pytest.raises(ValidationError) as error:
        services.leave_request_create(employee=team["employee"], leave_type=team["annual"], start_date=D(2026, 8, 9),
                                      end_date=D(2026, 8, 1), hours=Decimal("7.5"), acting_user=None)
    assert "end_date" in error.value.message_dict


def test_only_the_line_manager_or_hr_decides_and_never_ones_own(moj, team):
    request = services.leave_request_create(employee=team["employee"], leave_type=team["annual"],
                                            start_date=D(2026, 7, 6), end_date=D(2026, 7, 6), hours=Decimal("7.5"),
                                            acting_user=moj.employee)
    another_manager = UserFactory()
    with pytest.raises(ValidationError, match="line manager"):
        services.leave_request_decide(request=request, approve=True, acting_user=another_manager)
    with pytest.raises(ValidationError, match="your own"):
        services.leave_request_decide(request=request, approve=True, acting_user=moj.employee, acting_as_hr=True)
    decided = services.leave_request_decide(request=request, approve=False, acting_user=moj.hr_officer,
                                            acting_as_hr=True, note="Team cover needed")
    assert decided.status == "rejected"
    with pytest.raises(ValidationError, match="rejected already"):
        services.leave_request_decide(request=request, approve=True, acting_user=moj.manager)


def test_a_manager_sees_only_their_reports_requests(moj, team, in_department):
    services.leave_request_create(employee=team["employee"], leave_type=team["annual"], start_date=D(2026, 7, 6),
                                  end_date=D(2026, 7, 6), hours=Decimal("7.5"), acting_user=None)
    with in_department(moj):
        assert len(selectors.leave_requests_awaiting(manager_user_id=moj.manager.pk)) == 1
        assert len(selectors.leave_requests_awaiting(manager_user_id=moj.hr_admin.pk)) == 0


def test_bank_holidays_differ_by_region():
    england = {day for day, _ in selectors.bank_holidays(region="england-and-wales", year=2026)}
    scotland = {day for day, _ in selectors.bank_holidays(region="scotland", year=2026)}
    northern_ireland = {day for day, _ in selectors.bank_holidays(region="northern-ireland", year=2026)}
    assert D(2026, 12, 28) in england  # Boxing Day falls on a Saturday: substitute Monday
    assert D(2026, 4, 6) in england
    assert D(2026, 4, 6) not in scotland
    assert D(2026, 1, 2) in scotland
    assert D(2026, 11, 30) in scotland
    assert D(2026, 3, 17) in northern_ireland
    assert D(2026, 7, 13) in northern_ireland
    with pytest.raises(ValueError, match="region"):
        selectors.bank_holidays(region="wales", year=2026)


def test_sickness_periods_link_into_spells_for_ssp(moj, team, in_department):
    employee = team["employee"]
    services.sickness_record(employee=employee, first_day=D(2026, 5, 4), last_day=D(2026, 5, 8),
                             reason="Flu", acting_user=moj.hr_officer)
    services.sickness_record(employee=employee, first_day=D(2026, 6, 15), last_day=D(2026, 6, 18),
                             acting_user=moj.hr_officer)  # 37 days later: linked
    services.sickness_record(employee=employee, first_day=D(2026, 9, 1), last_day=D(2026, 9, 2),
                             acting_user=moj.hr_officer)  # two days: not a period of incapacity
    with in_department(moj):
        spells = selectors.sickness_spells(employee=employee, until=D(2026, 12, 31))
    assert len(spells) == 1
    assert (spells[0].first_day, spells[0].last_day, spells[0].qualifying_days) == (D(2026, 5, 4), D(2026, 6, 18), 9)


def test_overlapping_sickness_is_refused_and_the_reason_is_masked_in_the_audit_log(moj, team, in_department):
    services.sickness_record(employee=team["employee"], first_day=D(2026, 5, 4), last_day=None,
                             reason="Back injury", acting_user=moj.hr_officer)
    with pytest.raises(ValidationError, match="overlaps"):
        services.sickness_record(employee=team["employee"], first_day=D(2026, 6, 1), last_day=D(2026, 6, 2),
                                 acting_user=None)
    from departments.models import AuditEvent

    with in_department(moj):
        event = AuditEvent.objects.get(action="sickness.record")
    assert event.changes["sickness_reason"]["after"] == "••••"
