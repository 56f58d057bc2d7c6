"""The audit log: written with each change, masked, attributed, and append-only in the database."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import ProgrammingError, connection, transaction
from django.utils import timezone

from departments import services
from departments.models import AuditEvent, Department
from departments.roles import Role
from shared_services.core.request_context import bind, request_context
from tests.factories import AuditEventFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_service_change_writes_its_audit_row_in_the_same_transaction(moj, in_department):
    # given
    newcomer = UserFactory(email="newcomer@moj.test")
    # when a grant fails after the service ran, both the change and its audit row are rolled back
    with pytest.raises(RuntimeError), transaction.atomic():
        services.membership_grant(department=moj.department, user=newcomer, role=Role.MANAGER,
                                  acting_user=moj.hr_admin)
        raise RuntimeError("later step failed")
    # then
    with in_department(moj):
        assert not AuditEvent.objects.filter(action="membership.grant", object_repr__contains="newcomer").exists()
    assert not newcomer.memberships.exists()


def test_audit_row_records_who_what_changes_and_request(moj, in_department):
    # given a request made through an operator assignment
    with request_context(request_id="req-123"):
        bind(operator_assignment_id=None)
        # when
        services.membership_grant(department=moj.department, user=moj.employee, role=Role.AUDITOR,
                                  acting_user=moj.hr_admin)
    # then
    with in_department(moj):
        event = AuditEvent.objects.get(action="membership.grant", changes__role__after=Role.AUDITOR)
    assert event.actor == moj.hr_admin
    assert event.request_id == "req-123"
    assert event.changes == {"role": {"before": None, "after": "auditor"},
                             "user": {"before": None, "after": "employee@moj.test"},
                             "source": {"before": None, "after": "granted"},
                             "valid_from": {"before": None, "after": timezone.localdate().isoformat()}}


def test_sensitive_values_are_masked():
    changes = services.audit_changes(
        {"bank_account_number": "12345678", "ni_number": "QQ123456C", "grade": "EO"},
        {"bank_account_number": "87654321", "ni_number": "QQ123456D", "grade": "HEO"},
    )
    assert changes["bank_account_number"] == {"before": "••••", "after": "••••"}
    assert changes["ni_number"] == {"before": "••••", "after": "••••"}
    assert changes["grade"] == {"before": "EO", "after": "HEO"}


def test_app_role_cannot_update_or_delete_audit_rows(moj, in_department, as_app_role):
    event = AuditEventFactory(department=moj.department)
    for statement in ("UPDATE departments_auditevent SET action = 'forged' WHERE id = %s",
                      "DELETE FROM departments_auditevent WHERE id = %s"):
        with in_department(moj), pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
            with as_app_role(), connection.cursor() as cursor:
                cursor.execute(statement, [event.id])


def test_even_the_schema_owner_cannot_rewrite_the_audit_log(moj, in_department):
    event = AuditEventFactory(department=moj.department)
    with in_department(moj), pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(id=event.id).update(action="forged")
    with in_department(moj):
        assert AuditEvent.objects.get(id=event.id).action == "test.event"


def test_app_role_can_append_and_read_the_audit_log(moj, in_department, as_app_role):
    with in_department(moj), as_app_role():
        services.audit_record(department=moj.department, action="test.append", acting_user=moj.hr_admin)
        assert AuditEvent.objects.filter(action="test.append").count() == 1


def test_department_create_is_audited_and_validates_references(db):
    department = services.department_create(slug="hmrc", name="HM Revenue and Customs",
                                            employer_paye_reference="123/AB45678", acting_user=None)
    from departments.tenancy import department_context

    with department_context(department.id):
        # created, with the default separation of duties declared
        assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
            "department.create", "role_conflict.add", "leave_types.install_defaults",
            "working_patterns.install_defaults"]
    with pytest.raises(ValidationError) as error:
        services.department_create(slug="bad slug!", name="", employer_paye_reference="12345",
                                   acting_user=None)
    assert set(error.value.message_dict) == {"slug", "name", "employer_paye_reference"}
    assert not Department.objects.filter(name="").exists()
