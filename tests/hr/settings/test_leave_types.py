"""Leave types and their entitlement as HR admins set them: added, changed and retired on pages and
through the API, with the code and kind fixed once leave has been taken under a type, entitlement
checked band by band with the field named, and every change in the audit log."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from departments.models import AuditEvent
from departments.services import api_token_create
from hr import services
from hr.models import LeavePolicy, LeaveType
from hr.services.leave_types import leave_policy_set, leave_type_create, leave_type_update
from tests.factories import EmployeeFactory
from tests.factories.hr import LeaveRequestFactory

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


@pytest.fixture
def defaults(moj):
    services.leave_types_install_defaults(department=moj.department, acting_user=None)


def _create(moj, **overrides):
    fields = {"department": moj.department, "code": "carers", "name": "Carer's leave", "kind": "special",
              "is_paid": True, "uses_balance": False, "acting_user": moj.hr_admin}
    return leave_type_create(**{**fields, **overrides})


def _url(moj, name, **kwargs):
    return reverse(f"hr:{name}", kwargs={"department_slug": moj.slug, **kwargs})


def _api(moj, path=""):
    return f"/api/v1/departments/{moj.slug}/hr/leave-types/{path}"


# --- Services ---------------------------------------------------------------------------------------


def test_a_new_leave_type_is_stored_with_an_upper_case_code_and_audited(moj, in_department):
    leave_type = _create(moj)
    assert (leave_type.code, leave_type.name, leave_type.is_active) == ("CARERS", "Carer's leave", True)
    with in_department(moj):
        event = AuditEvent.objects.get(action="leave_type.create")
    assert event.changes["name"]["after"] == "Carer's leave"


def test_a_leave_type_from_a_balance_starts_with_a_policy_of_no_hours(moj, in_department):
    leave_type = _create(moj, code="STUDY", name="Study leave", uses_balance=True)
    with in_department(moj):
        assert LeavePolicy.objects.get(leave_type=leave_type).hours_by_service == [[0, "0.00"]]


@pytest.mark.parametrize(("overrides", "field"), [
    ({"code": "ANNUAL"}, "code"),
    ({"code": "has space"}, "code"),
    ({"name": "  "}, "name"),
    ({"name": "annual LEAVE"}, "name"),
    ({"kind": "holiday"}, "kind"),
])
def test_a_clashing_or_bad_leave_type_is_refused_by_field(moj, defaults, overrides, field):
    with pytest.raises(ValidationError) as refused:
        _create(moj, **overrides)
    assert field in refused.value.message_dict


def test_the_code_kind_and_pay_are_fixed_once_leave_is_taken_under_the_type(moj, in_department):
    # given a leave type someone has asked for
    leave_type = _create(moj)
    LeaveRequestFactory(department=moj.department, leave_type=leave_type,
                        employee=EmployeeFactory(department=moj.department))
    # when its code is changed
    with pytest.raises(ValidationError) as refused:
        leave_type_update(leave_type=leave_type, code="CARE", name="Carer's leave", is_paid=True,
                          uses_balance=False, is_active=True, acting_user=moj.hr_admin)
    # then it is refused on the code
    assert "code" in refused.value.message_dict
    # and on whether it is paid: payroll has already worked out pay for leave taken under it
    with pytest.raises(ValidationError) as unpaid:
        leave_type_update(leave_type=leave_type, name="Carer's leave", is_paid=False, uses_balance=False,
                          is_active=True, acting_user=moj.hr_admin)
    assert set(unpaid.value.message_dict) == {"is_paid"}
    # while the name can still change
    renamed = leave_type_update(leave_type=leave_type, name="Carers' leave", is_paid=True, uses_balance=False,
                                is_active=True, acting_user=moj.hr_admin)
    assert (renamed.code, renamed.name, renamed.is_paid) == ("CARERS", "Carers' leave", True)
    with in_department(moj):
        event = AuditEvent.objects.get(action="leave_type.update")
    assert event.changes["name"]["after"] == "Carers' leave"


def test_an_unused_leave_types_code_can_change(moj):
    leave_type = _create(moj)
    changed = leave_type_update(leave_type=leave_type, code="carer", name="Carer's leave", is_paid=True,
                                uses_balance=False, is_active=True, acting_user=moj.hr_admin)
    assert changed.code == "CARER"


def test_a_retired_leave_type_is_offered_for_no_new_request(moj, in_department):
    # given a retired leave type
    leave_type = _create(moj)
    leave_type_update(leave_type=leave_type, name=leave_type.name, is_paid=True, uses_balance=False,
                      is_active=False, acting_user=moj.hr_admin)
    employee = EmployeeFactory(department=moj.department)
    with in_department(moj):
        leave_type.refresh_from_db()
    # when someone asks for it
    with pytest.raises(ValidationError) as refused:
        services.leave_request_create(employee=employee, leave_type=leave_type,
                                      start_date=datetime.date(2026, 6, 1), end_date=datetime.date(2026, 6, 1),
                                      hours=Decimal("7.4"), acting_user=moj.hr_admin)
    # then it is refused on the leave type
    assert "no longer offered" in refused.value.message_dict["leave_type"][0]


def test_the_entitlement_is_set_by_years_of_service_and_audited(moj, defaults, in_department):
    with in_department(moj):
        annual = LeaveType.objects.get(code="ANNUAL")
    leave_policy_set(leave_type=annual, hours_by_service=[[10, "240"], [0, "200"]], carry_over_cap_hours="37",
                     acting_user=moj.hr_admin)
    with in_department(moj):
        policy = LeavePolicy.objects.get(leave_type=annual)
        event = AuditEvent.objects.get(action="leave_policy.update")
    assert policy.hours_by_service == [[0, "200.00"], [10, "240.00"]]
    assert policy.carry_over_cap_hours == Decimal("37.00")
    assert event.changes["hours_by_service"] == {"before": "0 years: 187.50 hours; 5 years: 225.00 hours",
                                                 "after": "0 years: 200.00 hours; 10 years: 240.00 hours"}


@pytest.mark.parametrize(("bands", "cap", "field", "message"), [
    ([[0, "187.5"], [5, "600"]], "0", "hours_by_service",
     "Entitlement for 5 years' service must be a number of hours from 0 to 500."),
    ([[0, "-1"]], "0", "hours_by_service", "Entitlement for 0 years' service must be a number of hours from 0 to 500."),
    ([[5, "200"]], "0", "hours_by_service",
     "Enter the entitlement for 0 years' service, which applies to new starters."),
    ([[0, "200"], [0, "210"]], "0", "hours_by_service", "There are two entitlements for 0 years' service."),
    ([[0, "200"]], "lots", "carry_over_cap_hours", "The carry-over cap must be a number of hours from 0 to 500."),
])
def test_a_bad_entitlement_names_the_field_and_changes_nothing(moj, defaults, in_department, bands, cap, field,
                                                                message):
    with in_department(moj):
        annual = LeaveType.objects.get(code="ANNUAL")
    with pytest.raises(ValidationError) as refused:
        leave_policy_set(leave_type=annual, hours_by_service=bands, carry_over_cap_hours=cap, acting_user=None)
    assert refused.value.message_dict[field] == [message]
    with in_department(moj):
        assert LeavePolicy.objects.get(leave_type=annual).hours_by_service == [[0, "187.50"], [5, "225.00"]]


# --- Pages ------------------------------------------------------------------------------------------


def test_an_hr_admin_adds_a_leave_type_and_sets_its_entitlement_on_the_pages(moj, sign_in, in_department):
    client = sign_in(moj.hr_admin)
    # when an HR admin adds a leave type taken from a balance
    added = client.post(_url(moj, "settings-leave-type-new"), {
        "code": "study", "name": "Study leave", "kind": "special", "is_paid": "yes", "uses_balance": "yes"})
    # then they are taken to its entitlement, which they set
    assert added["Location"] == _url(moj, "settings-leave-policy", code="STUDY")
    saved = client.post(added["Location"], {"years_1": "0", "hours_1": "37", "years_2": "3", "hours_2": "74",
                                            "carry_over_cap_hours": "0"})
    assert saved.status_code == 302
    listing = client.get(_url(moj, "settings-leave-types")).content.decode()
    assert "Study leave" in listing
    assert "74.00 hours a year from 3 years&#x27; service" in listing
    with in_department(moj):
        assert LeavePolicy.objects.get(leave_type__code="STUDY").hours_by_service == [[0, "37.00"], [3, "74.00"]]


def test_a_bad_band_on_the_entitlement_page_is_named_in_the_error_summary(moj, defaults, sign_in):
    response = sign_in(moj.hr_admin).post(_url(moj, "settings-leave-policy", code="ANNUAL"), {
        "years_1": "0", "hours_1": "187.5", "years_2": "5", "hours_2": "", "carry_over_cap_hours": "75"})
    page = response.content.decode()
    assert "There is a problem" in page
    assert 'href="#id_hours_2"' in page
    assert "Entitlement for 5 years&#x27; service must be a number of hours from 0 to 500" in page


def test_a_missing_name_is_shown_in_the_error_summary(moj, sign_in):
    response = sign_in(moj.hr_admin).post(_url(moj, "settings-leave-type-new"), {
        "code": "X1", "name": "", "kind": "special", "is_paid": "yes", "uses_balance": "no"})
    page = response.content.decode()
    assert 'href="#id_name"' in page
    assert "Enter a name for the leave type" in page


def test_a_leave_type_in_use_is_changed_without_its_code(moj, sign_in, in_department):
    leave_type = _create(moj)
    LeaveRequestFactory(department=moj.department, leave_type=leave_type,
                        employee=EmployeeFactory(department=moj.department))
    client = sign_in(moj.hr_admin)
    page = client.get(_url(moj, "settings-leave-type", code="CARERS")).content.decode()
    assert "so its code (CARERS) and kind" in page
    response = client.post(_url(moj, "settings-leave-type", code="CARERS"), {
        "code": "OTHER", "name": "Carer's leave", "kind": "unpaid", "is_paid": "yes", "uses_balance": "no",
        "is_active": "no"})
    assert response.status_code == 302
    with in_department(moj):
        leave_type.refresh_from_db()
    assert (leave_type.code, leave_type.kind, leave_type.is_active) == ("CARERS", "special", False)


@pytest.mark.parametrize("persona", ["hr_officer", "payroll_officer", "employee", "manager"])
def test_the_leave_type_pages_are_for_hr_admins(moj, defaults, sign_in, persona):
    client = sign_in(getattr(moj, persona))
    assert client.get(_url(moj, "settings-leave-types")).status_code == 403
    assert client.get(_url(moj, "settings-leave-type", code="ANNUAL")).status_code == 403


def test_another_departments_leave_type_is_not_found(moj, dft, defaults, sign_in):
    assert sign_in(dft.hr_admin).get(
        reverse("hr:settings-leave-type", kwargs={"department_slug": dft.slug, "code": "ANNUAL"})).status_code == 404


# --- API --------------------------------------------------------------------------------------------


def test_the_api_creates_and_updates_a_leave_type_with_its_policy(api_client, moj, in_department):
    api_client.force_login(moj.hr_admin)
    created = api_client.post(_api(moj), {"code": "study", "name": "Study leave", "kind": "special",
                                          "is_paid": True, "uses_balance": True}, format="json")
    assert created.status_code == 201
    assert created.json()["policy"] == {"hours_by_service": [[0, "0.00"]], "carry_over_cap_hours": "0.00"}
    updated = api_client.patch(_api(moj, "STUDY/"), {"name": "Study and exam leave", "policy": {
        "hours_by_service": [[0, "37.00"]], "carry_over_cap_hours": "7.40"}}, format="json")
    assert updated.status_code == 200
    assert updated.json()["name"] == "Study and exam leave"
    assert updated.json()["policy"]["carry_over_cap_hours"] == "7.40"
    assert [row["code"] for row in api_client.get(_api(moj)).json()] == ["STUDY"]
    with in_department(moj):
        assert set(AuditEvent.objects.values_list("action", flat=True)) >= {
            "leave_type.create", "leave_type.update", "leave_policy.update"}


def test_a_bad_policy_through_the_api_is_a_problem_naming_the_field(api_client, moj, defaults):
    api_client.force_login(moj.hr_admin)
    response = api_client.patch(_api(moj, "ANNUAL/"), {"policy": {
        "hours_by_service": [[0, "187.50"], [5, "900"]], "carry_over_cap_hours": "75"}}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    errors = response.json()["errors"]
    assert any("hours_by_service" in error["field"] and "5 years' service" in error["message"] for error in errors)


def test_a_clashing_code_through_the_api_is_a_problem(api_client, moj, defaults):
    api_client.force_login(moj.hr_admin)
    response = api_client.post(_api(moj), {"code": "ANNUAL", "name": "More annual leave", "kind": "annual",
                                           "is_paid": True}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert [error["field"] for error in response.json()["errors"]] == ["code"]


def test_without_settings_manage_leave_types_can_be_read_but_not_changed(api_client, moj, defaults):
    api_client.force_login(moj.hr_officer)
    assert api_client.get(_api(moj, "ANNUAL/")).status_code == 200
    assert api_client.patch(_api(moj, "ANNUAL/"), {"name": "Holiday"}, format="json").status_code == 403
    _, raw = api_token_create(department=moj.department, name="HR feed", acting_user=None,
                              scopes={"hr:read", "hr:write"})
    api_client.force_authenticate(None)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.post(_api(moj), {"code": "X", "name": "X", "kind": "special", "is_paid": True},
                           format="json").status_code == 403
    assert api_client.patch(_api(moj, "ANNUAL/"), {"name": "Holiday"}, format="json").status_code == 403
