"""Self-service reaches only one's own records.

Every self-service page (a route with ``/me/`` under ``/departments/<slug>/``) and every route under
``/api/v1/me/departments/<slug>/`` is found from the URL configuration. A route that names a record
by id is called, with each method it handles, by one employee with the id of another employee's
record in the same department, and must answer 404; the other's record must be unchanged. A route
without an id answers for the caller alone by construction; it must still refuse a department the
caller has no record in. A new route joins by being added to ``OTHERS_RECORD`` (or ``OWN_ONLY``);
the first test fails until it is.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from departments.roles import Role
from hr.models import ApprovalDelegation, BankDetailsChange, DetailChangeRequest, LeaveRequest
from payroll.models import PayRun
from tests.factories.departments import MembershipFactory, UserFactory
from tests.factories.finance import ExpenseClaimFactory
from tests.factories.hr import (
    ApprovalDelegationFactory,
    BankDetailsChangeFactory,
    DetailChangeRequestFactory,
    EmployeeFactory,
    FamilyLeaveFactory,
    LeaveRequestFactory,
)
from tests.factories.payroll import PayRunFactory, PayslipFactory

PAGE_PREFIX = "departments/<slug:department_slug>/"
API_PREFIX = "api/v1/me/departments/<slug:department_slug>/"


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, Any]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else (
                pattern.namespace or namespace)
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner or "")
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), f"{namespace}:{pattern.name}".lstrip(":"), pattern.callback


def self_service_routes() -> list[tuple[str, str, Any]]:
    return [(route, name, view) for route, name, view in _walk(get_resolver().url_patterns)
            if route.startswith(API_PREFIX) or (route.startswith(PAGE_PREFIX) and "/me/" in route)]


# Route name -> which of the other employee's records its id parameters name.
OTHERS_RECORD: dict[str, dict[str, str]] = {
    "hr:my-family-leave": {"leave_id": "family_leave"},
    "hr:my-details-request-withdraw": {"request_id": "detail_request"},
    "hr:my-bank-details-change": {"change_id": "bank_change"},
    "hr:my-delegation-cancel": {"delegation_id": "delegation"},
    "me-hr:detail-change-request": {"request_id": "detail_request"},
    "me-hr:detail-change-request-withdraw": {"request_id": "detail_request"},
    "me-hr-leave:leave-request": {"request_id": "leave_request"},
    "me-hr-leave:leave-request-cancel": {"request_id": "leave_request"},
    "me-hr-leave:deputy-cancel": {"delegation_id": "delegation"},
    "me-payroll:payslip": {"payslip_id": "payslip"},
    "me-payroll:payslip-pdf": {"payslip_id": "payslip"},
    "me-finance:expense": {"claim_id": "expense_claim"},
    "me-finance:expense-submit": {"claim_id": "expense_claim"},
    "me-departments:approval-decide": {"item_id": "leave_request"},
}
# What an API route that decides needs in its body, so that it is the id, not the body, that is refused.
API_BODIES: dict[str, str] = {"me-departments:approval-decide": '{"approve": true, "note": "Checked"}'}
# Routes that name no record by id, or only a tax year of the caller's own documents.
OWN_ONLY = {
    "hr:my-leave", "hr:my-leave-request", "hr:my-family-leave-request", "hr:my-details",
    "hr:my-details-change", "hr:my-details-request", "hr:my-bank-details", "hr:my-delegations",
    "payroll:my-payslips", "payroll:my-p60", "payroll:my-documents", "payroll:my-documents-p60",
    "payroll:my-documents-p45", "payroll:my-documents-p45-pdf", "payroll:my-yearly-summary",
    "payroll:my-yearly-summary-pdf",
    "me-hr:details", "me-hr:detail-change-requests", "me-hr-bank:bank-details", "me-hr-bank:bank-details-changes",
    "me-hr-leave:leave", "me-hr-leave:deputies", "me-payroll:payslips", "me-payroll:documents",
    "me-payroll:p60", "me-payroll:p60-pdf", "me-payroll:p45", "me-payroll:p45-pdf", "me-payroll:yearly-summary",
    "me-payroll:yearly-summary-pdf", "me-finance:expenses", "me-departments:approvals",
    "me-departments:approvals-bulk-approve", "me-notifications:notification-preferences",
    "me-notifications:notifications",
}


def test_every_self_service_route_is_in_the_contract() -> None:
    routes = self_service_routes()
    assert any(route.startswith(API_PREFIX) for route, _, _ in routes)
    unknown = sorted(f"{name} ({route})" for route, name, _ in routes
                     if name not in OTHERS_RECORD and name not in OWN_ONLY)
    assert not unknown, f"Self-service routes outside the isolation contract: {unknown}"
    for route, name, _ in routes:
        ids = set(re.findall(r"<int:(\w+)>", route))
        if name in OTHERS_RECORD:
            assert ids == set(OTHERS_RECORD[name]), f"{name}: its id parameters are {ids}"
        else:
            assert not ids, f"{name} names a record by id: add it to OTHERS_RECORD"


@pytest.fixture
def two_employees(moj: Any, in_department: Callable[[Any], Any]) -> dict[str, Any]:
    """Grace (the caller) and Hana, both employees of moj with sign-ins; Hana manages Ian, and
    every kind of Hana's self-service record exists."""
    hana_user = UserFactory(email="hana@moj.test", full_name="Hana Novak")
    ian_user = UserFactory(email="ian@moj.test", full_name="Ian Murray")
    for user in (hana_user, ian_user):
        MembershipFactory(user=user, department=moj.department, role=Role.EMPLOYEE)
    with in_department(moj):
        grace = EmployeeFactory(department=moj.department, user=moj.employee, first_name="Grace")
        hana = EmployeeFactory(department=moj.department, user=hana_user, first_name="Hana")
        ian = EmployeeFactory(department=moj.department, user=ian_user, first_name="Ian")
        run = PayRunFactory(department=moj.department, status=PayRun.Status.FINALISED)
        records = {
            "family_leave": FamilyLeaveFactory(department=moj.department, employee=hana),
            "detail_request": DetailChangeRequestFactory(department=moj.department, employee=hana,
                                                         requested_by=hana_user),
            "bank_change": BankDetailsChangeFactory(department=moj.department, employee=hana, requested_by=hana_user),
            "delegation": ApprovalDelegationFactory(department=moj.department, manager=hana, deputy=ian,
                                                    starts_on=timezone.localdate(),
                                                    ends_on=timezone.localdate() + datetime.timedelta(days=7)),
            "leave_request": LeaveRequestFactory(department=moj.department, employee=hana,
                                                 start_date=timezone.localdate() + datetime.timedelta(days=30),
                                                 end_date=timezone.localdate() + datetime.timedelta(days=31),
                                                 hours=Decimal("15.00")),
            "payslip": PayslipFactory(department=moj.department, run=run, employee=hana),
            "expense_claim": ExpenseClaimFactory(department=moj.department, employee=hana),
        }
    return {"grace": grace, "hana": hana, "records": records}


def _state(department: Any, in_department: Callable[[Any], Any]) -> dict[str, Any]:
    """What a refused call must leave untouched: each of Hana's records as stored."""
    with in_department(department):
        return {
            "detail_requests": list(DetailChangeRequest.objects.values_list("pk", "status")),
            "bank_changes": list(BankDetailsChange.objects.values_list("pk", "status", "sort_code")),
            "delegations": list(ApprovalDelegation.objects.values_list("pk", "cancelled_at")),
            "leave": list(LeaveRequest.objects.values_list("pk", "status")),
        }


def _methods(view: Any) -> list[str]:
    view_class = getattr(view, "cls", None) or getattr(view, "view_class", None)
    if view_class is None:
        return ["get", "post"]
    return [method for method in ("get", "post", "put", "patch", "delete") if hasattr(view_class, method)]


def test_another_employees_ids_answer_404_on_every_page_and_api_route(moj: Any, two_employees: dict[str, Any],
                                                                     client: Any, stepped_up: Callable[[], None],
                                                                     in_department: Callable[[Any], Any]) -> None:
    # given Grace signed in, with a fresh second factor so that step-up pages answer for themselves
    client.force_login(moj.employee)
    stepped_up()
    before = _state(moj, in_department)
    called = 0
    # when she calls every route that names a record with the id of Hana's record of that kind
    for route, name, view in self_service_routes():
        if name not in OTHERS_RECORD:
            continue
        path = route.replace("<slug:department_slug>", moj.slug)
        for parameter, record in OTHERS_RECORD[name].items():
            path = path.replace(f"<int:{parameter}>", str(two_employees["records"][record].pk))
        path = re.sub(r"<slug:\w+>", "leave", path)  # the approvals kind: a leave request of Hana's
        for method in _methods(view):
            if method == "get" or (method == "post" and not route.startswith(API_PREFIX)):
                response = getattr(client, method)("/" + path)
            else:
                response = getattr(client, method)("/" + path, data=API_BODIES.get(name, "{}"),
                                                   content_type="application/json")
            called += 1
            # then each answers 404, never the record, a form for it, or a redirect past it
            assert response.status_code == 404, f"{method.upper()} /{path} ({name}) answered {response.status_code}"
    assert called >= len(OTHERS_RECORD)
    # and nothing of Hana's changed
    assert _state(moj, in_department) == before


def test_a_department_without_the_callers_record_answers_404(moj: Any, dft: Any, two_employees: dict[str, Any],
                                                            client: Any, stepped_up: Callable[[], None]) -> None:
    # given Grace, an employee of moj only
    client.force_login(moj.employee)
    stepped_up()
    # when she asks for her own records in dft
    for route, name, _view in self_service_routes():
        if not route.startswith(API_PREFIX) or "<int:" in route:
            continue
        path = "/" + re.sub(r"<str:tax_year>", "2026-27", route.replace("<slug:department_slug>", dft.slug))
        response = client.get(path)
        # then the API answers 404 (or 405 for a route that only takes a POST)
        assert response.status_code in (404, 405), f"GET {path} ({name}) answered {response.status_code}"
