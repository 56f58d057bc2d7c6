"""Accounts and dated memberships from HR's plain records: joiners, movers, leavers, and the schedule
that ends leavers' access for good."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from departments import services
from departments.models import AuditEvent, DepartmentMembership
from departments.roles import Role
from departments.selectors import department_access_for_user
from departments.tasks import end_leavers_access
from shared_services.accounts.models import User
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
D = datetime.date
LONG_SERVING = D(2024, 4, 1)  # a start date well in the past


def _person(key: str, email: str, *, start: datetime.date = LONG_SERVING, last: datetime.date | None = None,
            name: str = "Asha Reid") -> services.PersonRecord:
    return services.PersonRecord(key=key, email=email, full_name=name, valid_from=start, valid_to=last)


def _on(day: datetime.date) -> mock._patch:
    """Moves "today" for the code under test (dates only: access is by calendar day)."""
    return mock.patch("django.utils.timezone.localdate", return_value=day)


def test_joiners_get_one_passwordless_account_each_and_an_employee_membership(moj, in_department):
    # when
    result = services.accounts_provision(
        department=moj.department, acting_user=moj.hr_admin,
        people=[_person("MJ1", " Asha.Reid@Justice.gov.uk"), _person("MJ2", "ben.cole@justice.gov.uk",
                                                                      name="Ben Cole")])
    # then
    asha = User.objects.get(email="asha.reid@justice.gov.uk")
    assert result.users == {"MJ1": asha.pk, "MJ2": User.objects.get(email="ben.cole@justice.gov.uk").pk}
    assert (result.accounts_created, result.memberships_created) == (2, 2)
    assert asha.full_name == "Asha Reid"
    assert not asha.has_usable_password()
    membership = DepartmentMembership.objects.get(user=asha, department=moj.department)
    assert (membership.role, membership.source, membership.valid_from, membership.valid_to) == (
        Role.EMPLOYEE, DepartmentMembership.Source.HR_RECORD, D(2024, 4, 1), None)
    with in_department(moj):
        event = AuditEvent.objects.get(action="membership.provision", object_id=str(membership.pk))
        assert event.actor == moj.hr_admin
        assert event.changes["account"]["after"] == "created"


def test_provisioning_again_creates_nothing_twice(moj):
    people = [_person(f"MJ{n}", f"person{n}@justice.gov.uk") for n in range(5)]
    services.accounts_provision(department=moj.department, people=people, acting_user=None)
    # when
    again = services.accounts_provision(department=moj.department, people=people, acting_user=None)
    # then
    assert (again.accounts_created, again.memberships_created, again.memberships_updated, again.already) == (0, 0, 0, 5)
    assert User.objects.filter(email__endswith="@justice.gov.uk").count() == 5
    assert DepartmentMembership.objects.filter(department=moj.department, role=Role.EMPLOYEE,
                                               user__email__endswith="@justice.gov.uk").count() == 5


def test_an_existing_account_is_reused_and_a_granted_role_is_left_alone(moj):
    # given the HR admin (granted access) is also on the payroll, with their sign-in address as work e-mail
    MembershipFactory(user=moj.hr_admin, department=moj.department, role=Role.EMPLOYEE)
    # when
    result = services.accounts_provision(department=moj.department, acting_user=None,
                                         people=[_person("MJ9", moj.hr_admin.email.upper(), last=D(2030, 1, 1))])
    # then
    assert result.users == {"MJ9": moj.hr_admin.pk}
    assert (result.accounts_created, result.already) == (0, 1)
    granted = DepartmentMembership.objects.get(user=moj.hr_admin, role=Role.EMPLOYEE)
    assert (granted.source, granted.valid_to) == (DepartmentMembership.Source.GRANTED, None)


def test_a_mover_keeps_one_account_with_a_dated_membership_in_each_department(moj, dft):
    # given
    services.accounts_provision(department=moj.department, acting_user=None,
                                people=[_person("MJ1", "asha.reid@civilservice.gov.uk")])
    # when she leaves moj on 31 May and starts at dft on 1 June
    services.accounts_provision(department=moj.department, acting_user=None,
                                people=[_person("MJ1", "asha.reid@civilservice.gov.uk", last=D(2026, 5, 31))])
    services.accounts_provision(department=dft.department, acting_user=None,
                                people=[_person("DT7", "asha.reid@civilservice.gov.uk", start=D(2026, 6, 1))])
    # then
    asha = User.objects.get(email="asha.reid@civilservice.gov.uk")
    assert User.objects.filter(email__iexact="asha.reid@civilservice.gov.uk").count() == 1
    dated = sorted(DepartmentMembership.objects.filter(user=asha).values_list("department__slug", "valid_from",
                                                                              "valid_to"))
    assert dated == [("dft", D(2026, 6, 1), None), ("moj", D(2024, 4, 1), D(2026, 5, 31))]
    with _on(D(2026, 5, 31)):
        assert department_access_for_user(user=asha, department_slug="moj") is not None
        assert department_access_for_user(user=asha, department_slug="dft") is None
    with _on(D(2026, 6, 1)):
        assert department_access_for_user(user=asha, department_slug="moj") is None
        assert department_access_for_user(user=asha, department_slug="dft").roles == {Role.EMPLOYEE}


def test_a_leaver_whose_last_day_has_passed_is_given_nothing(moj):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    result = services.accounts_provision(department=moj.department, acting_user=None,
                                         people=[_person("MJ1", "gone@justice.gov.uk", last=yesterday)])
    assert (result.left, result.users) == (1, {})
    assert not User.objects.filter(email="gone@justice.gov.uk").exists()


def test_bad_records_are_refused_by_field_and_nothing_is_written(moj):
    with pytest.raises(ValidationError) as bad_address:
        services.accounts_provision(department=moj.department, acting_user=None,
                                    people=[_person("MJ1", "a@justice.gov.uk"), _person("MJ2", "not an address")])
    with pytest.raises(ValidationError) as twice:
        services.accounts_provision(department=moj.department, acting_user=None,
                                    people=[_person("MJ1", "a@justice.gov.uk"), _person("MJ2", "A@justice.gov.uk")])
    assert "MJ2" in bad_address.value.message_dict["email"][0]
    assert "MJ1" in twice.value.message_dict["email"][0]
    assert not User.objects.filter(email="a@justice.gov.uk").exists()


def test_manager_access_follows_the_list_given_and_spares_granted_roles(moj):
    # given a manager role granted by an HR admin, and one from the HR record
    from_record = services.account_provision(department=moj.department, acting_user=None,
                                             person=_person("MJ5", "lead@justice.gov.uk"))
    services.manager_access_sync(department=moj.department, managers={from_record.pk: None}, acting_user=None)
    # when the HR record no longer names anyone as a manager
    granted, ended = services.manager_access_sync(department=moj.department, managers={}, acting_user=None)
    # then the record's manager role ends; the persona's granted one stays
    assert (granted, ended) == (0, 1)
    assert not DepartmentMembership.objects.current().filter(user=from_record, role=Role.MANAGER).exists()
    assert DepartmentMembership.objects.current().filter(user=moj.manager, role=Role.MANAGER).exists()


def test_beat_task_ends_expired_memberships_once_and_audits_them_per_department(moj, dft, in_department):
    # given a moj leaver whose last day was yesterday, and a dft starter who stays
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    leaver = services.account_provision(department=moj.department, acting_user=None,
                                        person=_person("MJ1", "leaver@justice.gov.uk", start=D(2020, 1, 6)))
    DepartmentMembership.objects.filter(user=leaver).update(valid_to=yesterday)
    services.account_provision(department=dft.department, acting_user=None,
                               person=_person("DT1", "stays@dft.gov.uk"))
    # when the schedule runs twice
    end_leavers_access.delay()
    end_leavers_access.delay()
    # then the leaver's membership is ended by no one, once, and the starter's is untouched
    ended = DepartmentMembership.objects.get(user=leaver)
    assert ended.ended_at is not None
    assert ended.ended_by is None
    assert ended.end_reason == "The last day of access has passed"
    assert DepartmentMembership.objects.filter(user__email="stays@dft.gov.uk", ended_at__isnull=True).count() == 1
    with in_department(moj):
        assert AuditEvent.objects.filter(action="membership.end", object_id=str(ended.pk)).count() == 1
    with in_department(dft):
        assert not AuditEvent.objects.filter(action="membership.end").exists()
