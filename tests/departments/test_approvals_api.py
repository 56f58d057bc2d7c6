"""The approvals inbox through /api/v1/me/departments/<slug>/approvals/: the same items and rules
as the page, problem+json errors, and 404 for anything the caller may not decide."""

from __future__ import annotations

import pytest

from departments.roles import TOKEN_SCOPES
from departments.services import api_token_create
from finance.models import ExpenseClaim
from hr.models import LeaveRequest
from tests.departments import test_approvals_inbox
from tests.departments.test_approvals_inbox import status_of

pytestmark = pytest.mark.django_db
inbox = test_approvals_inbox.inbox  # the same team, requests and claims as the page's tests


def base(moj) -> str:
    return f"/api/v1/me/departments/{moj.slug}/approvals/"


def test_the_list_gives_counts_and_items_oldest_first(api_client, moj, inbox):
    # given
    api_client.force_authenticate(moj.manager)
    # when
    response = api_client.get(base(moj))
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["counts"] == {"leave": 2, "expense": 2}
    assert [(item["kind"], item["id"]) for item in body["items"]][:2] == [("leave", inbox.leave.pk),
                                                                          ("leave", inbox.second_leave.pk)]
    large = next(item for item in body["items"] if item["id"] == inbox.large_claim.pk and item["kind"] == "expense")
    assert large["bulk_allowed"] is False
    assert "Over £250.00" in large["bulk_refused_reason"]
    assert large["url"].endswith(f"/departments/{moj.slug}/finance/expenses/{inbox.large_claim.pk}/")
    assert large["decide"].endswith(f"{base(moj)}expense/{inbox.large_claim.pk}/decide/")
    assert large["acting_as_deputy_for"] == ""


def test_the_list_filters_by_kind_and_refuses_an_unknown_one(api_client, moj, inbox):
    api_client.force_authenticate(moj.manager)
    only_expenses = api_client.get(base(moj), {"kind": "expense"}).json()
    assert {item["kind"] for item in only_expenses["items"]} == {"expense"}
    refused = api_client.get(base(moj), {"kind": "payslips"})
    assert refused.status_code == 400
    assert refused["Content-Type"].startswith("application/problem+json")
    assert refused.json()["errors"][0]["field"] == "kind"


def test_deciding_one_item(api_client, moj, inbox, in_department):
    api_client.force_authenticate(moj.manager)
    response = api_client.post(f"{base(moj)}leave/{inbox.leave.pk}/decide/", {"approve": True}, format="json")
    assert response.status_code == 200
    assert response.json()["approved"] is True
    assert status_of(LeaveRequest, inbox.leave.pk, moj, in_department) == "approved"


def test_rejecting_without_a_reason_is_a_400_naming_the_note_and_changes_nothing(api_client, moj, inbox,
                                                                                 in_department):
    api_client.force_authenticate(moj.manager)
    url = f"{base(moj)}expense/{inbox.small_claim.pk}/decide/"
    response = api_client.post(url, {"approve": False, "note": " "}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert [error["field"] for error in response.json()["errors"]] == ["note"]
    assert status_of(ExpenseClaim, inbox.small_claim.pk, moj, in_department) == "submitted"
    rejected = api_client.post(url, {"approve": False, "note": "No receipt"}, format="json")
    assert rejected.status_code == 200
    assert status_of(ExpenseClaim, inbox.small_claim.pk, moj, in_department) == "rejected"


def test_a_missing_approve_is_a_400(api_client, moj, inbox):
    api_client.force_authenticate(moj.manager)
    response = api_client.post(f"{base(moj)}leave/{inbox.leave.pk}/decide/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "approve"


def test_items_the_caller_may_not_decide_answer_404(api_client, moj, inbox, in_department):
    # given the employee who asked, and a finance officer who manages nobody
    for person in (moj.employee, moj.finance_officer):
        api_client.force_authenticate(person)
        # when they try the manager's items, an unknown kind and a made-up id
        for path in (f"leave/{inbox.leave.pk}", f"expense/{inbox.small_claim.pk}", f"payslip/{inbox.leave.pk}",
                     "leave/999999"):
            response = api_client.post(f"{base(moj)}{path}/decide/", {"approve": True}, format="json")
            # then
            assert response.status_code == 404, path
            assert response["Content-Type"].startswith("application/problem+json")
        # and a rejection without a reason is a 404 too, not a 400 that would confirm the item exists
        response = api_client.post(f"{base(moj)}leave/{inbox.leave.pk}/decide/", {"approve": False}, format="json")
        assert response.status_code == 404
        assert api_client.get(base(moj)).json()["items"] == []
    assert status_of(LeaveRequest, inbox.leave.pk, moj, in_department) == "pending"


def test_bulk_approve_answers_for_each_item(api_client, moj, inbox, in_department):
    # given
    api_client.force_authenticate(moj.manager)
    items = [{"kind": "leave", "id": inbox.leave.pk}, {"kind": "expense", "id": inbox.small_claim.pk},
             {"kind": "expense", "id": inbox.large_claim.pk}, {"kind": "leave", "id": 999999}]
    # when
    response = api_client.post(f"{base(moj)}bulk-approve/", {"items": items}, format="json")
    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["approved"], body["not_approved"]) == (2, 2)
    assert [(result["id"], result["result"], result["status"]) for result in body["results"]] == [
        (inbox.leave.pk, "approved", 200), (inbox.small_claim.pk, "approved", 200),
        (inbox.large_claim.pk, "refused", 422), (999999, "not_waiting", 404)]
    assert status_of(ExpenseClaim, inbox.large_claim.pk, moj, in_department) == "submitted"
    assert status_of(ExpenseClaim, inbox.small_claim.pk, moj, in_department) == "manager_approved"


def test_bulk_approve_needs_items(api_client, moj, inbox):
    api_client.force_authenticate(moj.manager)
    for body in ({"items": []}, {}, {"items": [{"kind": "leave"}]}):
        response = api_client.post(f"{base(moj)}bulk-approve/", body, format="json")
        assert response.status_code == 400
        assert response["Content-Type"].startswith("application/problem+json")
    too_many = [{"kind": "leave", "id": n} for n in range(1, 102)]
    assert api_client.post(f"{base(moj)}bulk-approve/", {"items": too_many}, format="json").status_code == 400


def test_another_department_and_api_tokens_are_kept_out(api_client, moj, dft, inbox):
    # a dft member: moj does not exist for them
    api_client.force_authenticate(dft.manager)
    assert api_client.get(base(moj)).status_code == 404
    assert api_client.post(f"{base(moj)}bulk-approve/", {"items": [{"kind": "leave", "id": inbox.leave.pk}]},
                           format="json").status_code == 404
    # a dft token reaches no moj address; a moj token is a machine, with no inbox of its own
    api_client.force_authenticate(None)
    _, dft_raw = api_token_create(department=dft.department, name="All", acting_user=None, scopes=TOKEN_SCOPES)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {dft_raw}")
    assert api_client.get(base(moj)).status_code == 404
    _, moj_raw = api_token_create(department=moj.department, name="All", acting_user=None, scopes=TOKEN_SCOPES)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {moj_raw}")
    assert api_client.get(base(moj)).status_code == 403


def test_signed_out_callers_are_refused(api_client, moj):
    assert api_client.get(base(moj)).status_code in (401, 403)


def test_the_schema_documents_the_inbox(api_client):
    paths = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    prefix = "/api/v1/me/departments/{department_slug}/approvals/"
    assert "get" in paths[prefix]
    assert "post" in paths[f"{prefix}bulk-approve/"]
    assert paths[f"{prefix}{{kind}}/{{item_id}}/decide/"]["post"]["operationId"] == "me_approvals_decide"
