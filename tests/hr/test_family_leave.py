"""Family leave in HR: recorded by HR (confirmed), requested in self-service (HR confirms), changed and
cancelled; every bad input refused by field with nothing stored; unauthorised absence; allowances."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from departments.models import AuditEvent
from hr import selectors_absence, services
from hr.models import FamilyLeave, LeaveRequest, LeaveType
from tests.factories import EmploymentFactory, SicknessPeriodFactory
from tests.factories.hr import FamilyLeaveFactory

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def mother(moj, in_department):
    """An employee since 2020 with a sign-in; her baby is expected in the week of Sunday 20 September 2026."""
    employee = EmploymentFactory(department=moj.department, employee__payroll_number="MJ0200",
                                 employee__start_date=D(2020, 4, 1)).employee
    employee.user = moj.employee
    with in_department(moj):
        employee.save(update_fields=["user"])
    return employee


def maternity(**overrides):
    fields = {"kind": "maternity", "start_date": D(2026, 8, 30), "end_date": D(2027, 8, 28),
              "expected_date": D(2026, 9, 23), "evidence_date": D(2026, 6, 1), "evidence_received_on": D(2026, 6, 3),
              "evidence_reference": "MATB1 from Dr Khan"}
    return {**fields, **overrides}


def adoption(**overrides):
    fields = {"kind": "adoption", "start_date": D(2026, 10, 4), "end_date": D(2027, 4, 3),
              "matched_date": D(2026, 8, 14), "expected_date": D(2026, 10, 5), "evidence_date": D(2026, 8, 20),
              "evidence_received_on": D(2026, 8, 24)}
    return {**fields, **overrides}


def paternity(**overrides):
    fields = {"kind": "paternity_birth", "start_date": D(2026, 9, 21), "end_date": D(2026, 10, 4),
              "expected_date": D(2026, 9, 20), "statutory_weeks": 2}
    return {**fields, **overrides}


def bereavement(**overrides):
    fields = {"kind": "parental_bereavement", "start_date": D(2026, 5, 4), "end_date": D(2026, 5, 10),
              "event_date": D(2026, 4, 28), "statutory_weeks": 1}
    return {**fields, **overrides}


def shared_parental(**overrides):
    fields = {"kind": "shared_parental", "start_date": D(2027, 1, 3), "end_date": D(2027, 4, 3),
              "expected_date": D(2026, 9, 20), "statutory_weeks": 13}
    return {**fields, **overrides}


def neonatal(**overrides):
    fields = {"kind": "neonatal_care", "start_date": D(2026, 9, 27), "end_date": D(2026, 10, 10),
              "event_date": D(2026, 9, 15), "statutory_weeks": 2}
    return {**fields, **overrides}


def _stored(moj, in_department):
    with in_department(moj):
        return (FamilyLeave.objects.count(),
                AuditEvent.objects.filter(action__startswith="family_leave.").count())


# --- Recording and requesting ---------------------------------------------------------------------


def test_hr_records_maternity_leave_confirmed_at_once_and_audited(moj, mother, in_department):
    # when
    leave = services.family_leave_record(employee=mother, acting_user=moj.hr_officer,
                                         keeping_in_touch_days=[D(2027, 2, 3), D(2027, 1, 6), D(2027, 2, 3)],
                                         **maternity())
    # then
    assert leave.status == FamilyLeave.Status.CONFIRMED
    assert leave.confirmed_by == moj.hr_officer
    assert leave.keeping_in_touch_days == [D(2027, 1, 6), D(2027, 2, 3)]  # sorted, once each
    with in_department(moj):
        event = AuditEvent.objects.get(action="family_leave.record")
    assert event.changes["kind"]["after"] == "maternity"
    assert event.changes["expected_date"]["after"] == "2026-09-23"


@pytest.mark.parametrize("fields", [adoption(), paternity(), bereavement(), shared_parental(), neonatal(),
                                    paternity(kind="paternity_adoption", matched_date=D(2026, 8, 1),
                                              expected_date=D(2026, 9, 21), evidence_date=D(2026, 8, 3),
                                              evidence_received_on=D(2026, 8, 5), statutory_weeks=1,
                                              end_date=D(2026, 9, 27))],
                         ids=["adoption", "paternity", "bereavement", "shared_parental", "neonatal",
                              "paternity_adoption"])
def test_each_kind_is_recorded_with_the_dates_it_needs(moj, mother, fields):
    leave = services.family_leave_record(employee=mother, acting_user=moj.hr_officer, **fields)
    assert (leave.kind, leave.status) == (fields["kind"], "confirmed")


def test_maternity_may_start_before_the_eleventh_week_when_the_baby_came_early(moj, mother):
    # given a baby born on 1 June, long before the 11th week before the expected week (from 5 July)
    fields = maternity(start_date=D(2026, 6, 2), end_date=D(2027, 5, 31), event_date=D(2026, 6, 1),
                       evidence_date=D(2026, 5, 20), evidence_received_on=D(2026, 6, 3))
    # when / then
    assert services.family_leave_record(employee=mother, acting_user=moj.hr_officer, **fields).pk


def test_shared_parental_allows_twenty_split_days(moj, mother):
    days = [D(2027, 1, 4) + datetime.timedelta(days=n) for n in range(20)]
    leave = services.family_leave_record(employee=mother, acting_user=moj.hr_officer,
                                         keeping_in_touch_days=days, **shared_parental())
    assert len(leave.keeping_in_touch_days) == 20


BAD_INPUT = [
    ("end before start", maternity(end_date=D(2026, 8, 29)), "end_date"),
    ("maternity without the expected week", maternity(expected_date=None), "expected_date"),
    ("maternity before the 11th week", maternity(start_date=D(2026, 7, 4)), "start_date"),
    ("maternity over 52 weeks", maternity(end_date=D(2027, 8, 29)), "end_date"),
    ("maternity without the MATB1 date", maternity(evidence_date=None), "evidence_date"),
    ("a MATB1 dated over 20 weeks before the week due", maternity(evidence_date=D(2026, 5, 2)), "evidence_date"),
    ("evidence received before its date", maternity(evidence_received_on=D(2026, 5, 30)), "evidence_received_on"),
    ("HR confirms without the evidence received", maternity(evidence_received_on=None), "evidence_received_on"),
    ("eleven KIT days", maternity(keeping_in_touch_days=[D(2027, 1, 4) + datetime.timedelta(days=n)
                                                         for n in range(11)]), "keeping_in_touch_days"),
    ("a KIT day outside the leave", maternity(keeping_in_touch_days=[D(2027, 9, 1)]), "keeping_in_touch_days"),
    ("maternity pay over 39 weeks", maternity(statutory_weeks=40), "statutory_weeks"),
    ("adoption without the match", adoption(matched_date=None), "matched_date"),
    ("adoption without the placement", adoption(expected_date=None), "expected_date"),
    ("placement before the match", adoption(expected_date=D(2026, 8, 1)), "expected_date"),
    ("adoption without the matching certificate", adoption(evidence_date=None), "evidence_date"),
    ("paternity of three weeks", paternity(end_date=D(2026, 10, 11)), "end_date"),
    ("paternity of ten days", paternity(end_date=D(2026, 9, 30)), "end_date"),
    ("paternity before the birth", paternity(start_date=D(2026, 9, 13), end_date=D(2026, 9, 19)), "start_date"),
    ("paternity after 52 weeks", paternity(start_date=D(2027, 9, 19), end_date=D(2027, 9, 25)), "end_date"),
    ("paternity without weeks of pay", paternity(statutory_weeks=None), "statutory_weeks"),
    ("three weeks of paternity pay", paternity(statutory_weeks=3), "statutory_weeks"),
    ("two weeks of pay in one week of leave", paternity(end_date=D(2026, 9, 27)), "statutory_weeks"),
    ("KIT days in paternity leave", paternity(keeping_in_touch_days=[D(2026, 9, 22)]), "keeping_in_touch_days"),
    ("bereavement without the date of death", bereavement(event_date=None), "event_date"),
    ("bereavement after 56 weeks", bereavement(start_date=D(2027, 5, 25), end_date=D(2027, 5, 31)), "end_date"),
    ("bereavement pay of three weeks", bereavement(statutory_weeks=3), "statutory_weeks"),
    ("shared parental without weeks of pay", shared_parental(statutory_weeks=None), "statutory_weeks"),
    ("shared parental pay of 38 weeks", shared_parental(end_date=D(2027, 12, 31), statutory_weeks=38),
     "statutory_weeks"),
    ("21 SPLIT days", shared_parental(keeping_in_touch_days=[D(2027, 1, 4) + datetime.timedelta(days=n)
                                                             for n in range(21)]), "keeping_in_touch_days"),
    ("neonatal care without the birth", neonatal(event_date=None), "event_date"),
    ("neonatal care of 13 weeks", neonatal(end_date=D(2026, 12, 26), statutory_weeks=12), "end_date"),
    ("neonatal care pay of 13 weeks", neonatal(statutory_weeks=13), "statutory_weeks"),
    ("leave before the employee started", bereavement(event_date=D(2020, 3, 1), start_date=D(2020, 3, 2),
                                                      end_date=D(2020, 3, 8)), "start_date"),
    ("an unknown kind", maternity(kind="sabbatical"), "kind"),
    ("an expected date in year 1", maternity(expected_date=D(1, 1, 1)), "expected_date"),
    ("paternity at the end of the calendar", paternity(start_date=D(9999, 12, 20), end_date=D(9999, 12, 26),
                                                       expected_date=D(9999, 12, 19)), "start_date"),
]


@pytest.mark.parametrize(("fields", "field"), [case[1:] for case in BAD_INPUT], ids=[case[0] for case in BAD_INPUT])
def test_bad_input_is_refused_by_field_and_nothing_is_stored(moj, mother, in_department, fields, field):
    # given
    before = _stored(moj, in_department)
    # when
    with pytest.raises(ValidationError) as refused:
        services.family_leave_record(employee=mother, acting_user=moj.hr_officer, **fields)
    # then
    assert field in refused.value.message_dict
    assert _stored(moj, in_department) == before


def test_leave_after_the_last_working_day_is_refused(moj, mother, in_department):
    mother.leave_date = D(2026, 12, 31)
    with in_department(moj):
        mother.save(update_fields=["leave_date"])
    with pytest.raises(ValidationError) as refused:
        services.family_leave_record(employee=mother, acting_user=moj.hr_officer, **maternity())
    assert "start_date" in refused.value.message_dict


def test_overlapping_family_leave_is_refused_but_cancelled_leave_does_not_count(moj, mother, in_department):
    # given maternity leave recorded
    first = services.family_leave_record(employee=mother, acting_user=moj.hr_officer, **maternity())
    # when shared parental leave overlapping it is recorded
    with pytest.raises(ValidationError) as refused:
        services.family_leave_record(employee=mother, acting_user=moj.hr_officer,
                                     **shared_parental(start_date=D(2027, 3, 7), end_date=D(2027, 6, 5)))
    # then it is refused, naming the leave it overlaps
    assert "overlaps maternity leave" in refused.value.message_dict["start_date"][0]
    # when the maternity leave is cancelled, the same dates are free
    services.family_leave_cancel(leave=first, acting_user=moj.hr_officer, reason="Entered in error")
    assert services.family_leave_record(employee=mother, acting_user=moj.hr_officer,
                                        **shared_parental(start_date=D(2027, 3, 7), end_date=D(2027, 6, 5))).pk


def test_an_employee_requests_leave_with_the_evidence_date_and_hr_confirms_it(moj, mother, in_department):
    # when the employee asks (no evidence in HR's hands yet)
    leave = services.family_leave_request(employee=mother, acting_user=moj.employee,
                                          **maternity(evidence_received_on=None))
    # then it waits for HR
    assert leave.status == FamilyLeave.Status.REQUESTED
    # when HR confirms without saying when the MATB1 arrived, it is refused and stays waiting
    with pytest.raises(ValidationError) as refused:
        services.family_leave_confirm(leave=leave, evidence_received_on=None, acting_user=moj.hr_officer)
    assert "evidence_received_on" in refused.value.message_dict
    with in_department(moj):
        assert FamilyLeave.objects.get(pk=leave.pk).status == "requested"
    # when HR confirms with the date received
    confirmed = services.family_leave_confirm(leave=leave, evidence_received_on=D(2026, 6, 4),
                                              acting_user=moj.hr_officer)
    # then
    assert (confirmed.status, confirmed.evidence_received_on, confirmed.confirmed_by) == (
        "confirmed", D(2026, 6, 4), moj.hr_officer)
    with pytest.raises(ValidationError) as again:
        services.family_leave_confirm(leave=confirmed, evidence_received_on=D(2026, 6, 4), acting_user=moj.hr_officer)
    assert "status" in again.value.message_dict


def test_a_request_without_evidence_is_refused_as_evidence_required(moj, mother, in_department):
    with pytest.raises(ValidationError) as refused:
        services.family_leave_request(employee=mother, acting_user=moj.employee,
                                      **maternity(evidence_date=None, evidence_received_on=None))
    assert refused.value.message_dict["evidence_date"][0].startswith("Evidence is required")
    assert _stored(moj, in_department) == (0, 0)


def test_nobody_requests_family_leave_for_someone_else(moj, mother, in_department):
    with pytest.raises(ValidationError) as refused:
        services.family_leave_request(employee=mother, acting_user=moj.manager, **paternity())
    assert "__all__" in refused.value.message_dict
    assert _stored(moj, in_department) == (0, 0)


def test_an_employee_withdraws_a_waiting_request_but_not_a_confirmed_one(moj, mother):
    waiting = services.family_leave_request(employee=mother, acting_user=moj.employee, **paternity())
    withdrawn = services.family_leave_cancel(leave=waiting, acting_user=moj.employee, as_employee=True)
    assert withdrawn.status == "cancelled"
    confirmed = services.family_leave_record(employee=mother, acting_user=moj.hr_officer, **paternity())
    with pytest.raises(ValidationError) as refused:
        services.family_leave_cancel(leave=confirmed, acting_user=moj.employee, as_employee=True)
    assert "status" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.family_leave_cancel(leave=withdrawn, acting_user=moj.hr_officer)


def test_hr_changes_dates_and_kit_days_and_bad_changes_leave_it_as_it_was(moj, mother, in_department):
    # given
    leave = services.family_leave_record(employee=mother, acting_user=moj.hr_officer, **maternity())
    # when the return is brought forward and KIT days added
    changed = services.family_leave_change(leave=leave, acting_user=moj.hr_officer, changes={
        "end_date": D(2027, 5, 29), "keeping_in_touch_days": [D(2027, 3, 3)]})
    # then
    assert (changed.end_date, changed.keeping_in_touch_days) == (D(2027, 5, 29), [D(2027, 3, 3)])
    with in_department(moj):
        assert AuditEvent.objects.filter(action="family_leave.change").count() == 1
    # when a change would put a KIT day outside the leave, or change the kind
    for changes, field in (({"end_date": D(2027, 3, 1)}, "keeping_in_touch_days"), ({"kind": "adoption"}, "kind")):
        with pytest.raises(ValidationError) as refused:
            services.family_leave_change(leave=changed, acting_user=moj.hr_officer, changes=changes)
        assert field in refused.value.message_dict
    # then nothing changed
    with in_department(moj):
        stored = FamilyLeave.objects.get(pk=leave.pk)
        assert (stored.kind, stored.end_date) == ("maternity", D(2027, 5, 29))
        assert AuditEvent.objects.filter(action="family_leave.change").count() == 1


# --- Unauthorised absence -------------------------------------------------------------------------


def test_unauthorised_absence_is_approved_unpaid_leave_of_the_contracted_hours(moj, mother, in_department):
    # given a department without leave types yet
    with in_department(moj):
        assert not LeaveType.objects.exists()
    # when HR records Monday to Wednesday (and the weekend before) as unauthorised absence
    absence = services.unauthorised_absence_record(employee=mother, start_date=D(2026, 3, 7), end_date=D(2026, 3, 11),
                                                   acting_user=moj.hr_officer, note="Did not attend")
    # then it is approved unpaid leave of the "unauthorised" kind, 3 days of a 37-hour week
    assert absence.status == LeaveRequest.Status.APPROVED
    assert (absence.leave_type.kind, absence.leave_type.is_paid) == ("unauthorised", False)
    assert absence.hours == Decimal("22.20")
    with in_department(moj):
        assert AuditEvent.objects.filter(action="unauthorised_absence.record").count() == 1


@pytest.mark.parametrize(("start", "end", "field"), [
    (D(2026, 3, 11), D(2026, 3, 9), "end_date"),
    (D(2020, 3, 30), D(2020, 4, 2), "start_date"),
    (D(2026, 3, 7), D(2026, 3, 8), "hours"),  # a weekend: no working hours
    (D(2026, 6, 3), D(2026, 6, 4), "start_date"),  # overlaps leave already requested
])
def test_bad_unauthorised_absence_is_refused_by_field(moj, mother, in_department, start, end, field):
    services.leave_types_install_defaults(department=moj.department, acting_user=None)
    with in_department(moj):
        annual = LeaveType.objects.get(code="ANNUAL")
    services.leave_request_create(employee=mother, leave_type=annual, start_date=D(2026, 6, 1),
                                  end_date=D(2026, 6, 5), hours=Decimal("37"), acting_user=None)
    with in_department(moj):
        before = LeaveRequest.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.unauthorised_absence_record(employee=mother, start_date=start, end_date=end,
                                             acting_user=moj.hr_officer, note="")
    assert field in refused.value.message_dict
    with in_department(moj):
        assert LeaveRequest.objects.count() == before


def test_the_default_leave_types_include_bereavement_neonatal_care_and_unauthorised_absence(moj, in_department):
    services.leave_types_install_defaults(department=moj.department, acting_user=None)
    with in_department(moj):
        kinds = {leave_type.kind: leave_type.is_paid for leave_type in LeaveType.objects.all()}
    assert kinds["parental_bereavement"] is True
    assert kinds["neonatal_care"] is True
    assert kinds["unauthorised"] is False


# --- Allowances -----------------------------------------------------------------------------------


def test_sick_pay_allowance_counts_sickness_in_the_rolling_period(moj, mother, in_department):
    # given 10 days of sickness in March 2026, and 200 days long before the four-year rolling period
    SicknessPeriodFactory(department=moj.department, employee=mother, first_day=D(2026, 3, 2),
                          last_day=D(2026, 3, 11))
    SicknessPeriodFactory(department=moj.department, employee=mother, first_day=D(2020, 4, 1),
                          last_day=D(2020, 10, 17))
    # when
    with in_department(moj):
        allowance = selectors_absence.sick_pay_allowance_for(employee=mother, on=D(2026, 6, 1))
    # then the default scheme: 183 days at full pay, of which 10 are used; 182 at half pay untouched
    assert (allowance.days("full", "allowed"), allowance.days("full", "used"), allowance.days("full", "remaining")) \
        == (183, 10, 173)
    assert (allowance.days("half", "used"), allowance.days("half", "remaining")) == (0, 182)
    # and once the department's own scheme gives 5 days' full pay, 5 spill into half pay
    services.absence_pay_scheme_set(department=moj.department, kind="sickness", name="Short scheme",
                                    steps=[{"pay": "full", "days": 5}, {"pay": "half", "days": 5}],
                                    rolling_period_days=365, qualifying_service_weeks=0, acting_user=moj.hr_admin)
    with in_department(moj):
        allowance = selectors_absence.sick_pay_allowance_for(employee=mother, on=D(2026, 6, 1))
    assert [(step.pay, step.used_days, step.remaining_days) for step in allowance.steps] == [
        ("full", 5, 0), ("half", 5, 0)]


def test_family_leave_allowance_shows_weeks_used_and_remaining(moj, mother, in_department):
    # given confirmed maternity leave from 30 August 2026, and a cancelled one that does not count
    FamilyLeaveFactory(department=moj.department, employee=mother, start_date=D(2026, 8, 30),
                       end_date=D(2027, 8, 28))
    FamilyLeaveFactory(department=moj.department, employee=mother, status="cancelled", start_date=D(2028, 1, 2),
                       end_date=D(2028, 6, 3))
    # when read 30 weeks in (26 weeks' full pay used, 4 of 13 statutory-only weeks)
    with in_department(moj):
        [allowance] = selectors_absence.family_leave_allowances(employee=mother, on=D(2027, 3, 27))
    # then
    assert allowance.weeks_into_leave == 30
    assert [(step.pay, step.used_weeks, step.remaining_weeks) for step in allowance.steps] == [
        ("full", 26, 0), ("statutory", 4, 9), ("nil", 0, 13)]
    assert allowance.step_now_words == "week 30, statutory pay only"
    assert allowance.qualifies
