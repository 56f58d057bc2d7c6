"""The review on the page and in the API: exceptions grouped by kind with counts, blocking first,
filtered and a page at a time; acknowledged in bulk with a note; a blocking one's pay held or paid by
hand; and the confirmation asked before finalising or cancelling a run."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from departments import services as department_services
from hr.models import Employee
from payroll import services
from payroll.models import PayRun, PayRunException
from payroll.tasks import start_calculation
from tests.factories.payroll import PayRunExceptionFactory
from tests.payroll.settling import settle_review

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


@pytest.fixture
def calculated(moj, finance_setting, in_department, django_capture_on_commit_callbacks):
    """This month's run, calculated (Cal, E0002, has no bank account), with 30 more employees whose
    net pay changed a lot: 31 exceptions, two kinds."""
    schedule = services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly",
                                            bank_sort_code="202959", bank_account_number="63748472",
                                            bank_account_name="MOJ PAYROLL")
    run = services.pay_run_create(schedule=schedule, period_containing=timezone.localdate(), acting_user=None)
    services.pay_run_open(run=run, acting_user=moj.payroll_officer)
    with django_capture_on_commit_callbacks(execute=True):
        start_calculation(run=run, acting_user=moj.payroll_officer)
    with in_department(moj):
        PayRunException.objects.filter(run=run).exclude(code="no_bank_details").delete()
        PayRunExceptionFactory.create_batch(30, department=moj.department, run=run, code="net_pay_changed",
                                            reason="Net pay changed by +40% since last period.")
    return run


def _page(moj, run, rest=""):
    return f"/departments/{moj.slug}/payroll/runs/{run.pk}/{rest}"


def _api(moj, run, rest=""):
    return f"/api/v1/departments/{moj.slug}/payroll/runs/{run.pk}/{rest}"


def _client(moj, scopes):
    _, raw = department_services.api_token_create(department=moj.department, name="+".join(scopes),
                                                  acting_user=None, scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def _cal(moj, in_department):
    with in_department(moj):
        return Employee.objects.get(payroll_number="E0002")


# --- Pages --------------------------------------------------------------------------------------


def test_the_run_page_groups_exceptions_by_kind_and_the_review_page_filters_and_pages_them(
        client, moj, calculated, sign_in):
    sign_in(moj.payroll_officer)
    # when the officer opens the run
    page = client.get(_page(moj, calculated)).content.decode()
    # then it shows the kinds with counts, blocking first, not 31 rows
    assert page.index("No bank account") < page.index("Net pay changed a lot since last period")
    assert 'data-testid="review-kind-net_pay_changed"' in page
    assert "Review all 31 exceptions" in page
    assert page.count('data-testid="review-row-') == 0
    # when they open the review of the advisory kind
    review = client.get(_page(moj, calculated, "review/?kind=net_pay_changed&state=open")).content.decode()
    # then 25 rows show, with a link to the next page that keeps the filter
    assert review.count('data-testid="review-row-') == 25
    assert "?page=2&amp;kind=net_pay_changed&amp;state=open" in review
    assert "Acknowledge all 30 open: net pay changed a lot since last period" in review
    second = client.get(_page(moj, calculated, "review/?kind=net_pay_changed&state=open&page=2")).content.decode()
    assert second.count('data-testid="review-row-') == 5
    # and nothing is settled yet
    settled = client.get(_page(moj, calculated, "review/?state=settled")).content.decode()
    assert "No exceptions match this filter." in settled


def test_the_officer_acknowledges_a_kind_with_a_note_and_the_approver_sees_who(
        client, moj, calculated, sign_in, in_department):
    sign_in(moj.payroll_officer)
    url = _page(moj, calculated, "review/?kind=net_pay_changed")
    # when they acknowledge the whole kind without a note
    refused = client.post(url, {"acknowledge": "kind", "note": ""})
    # then a GOV.UK error summary links to the note and nothing is written
    assert refused.status_code == 200
    body = refused.content.decode()
    assert "<title>Error: " in body
    assert '<a href="#acknowledge-note">Enter what you checked' in body
    # when they tick nothing and press "Acknowledge selected"
    nothing = client.post(url, {"acknowledge": "chosen", "note": "Checked"}).content.decode()
    assert '<a href="#acknowledge-exceptions">Select the exceptions you have checked' in nothing
    # when they acknowledge the kind with a note
    done = client.post(url, {"acknowledge": "kind", "note": "October back pay, agreed with HR"})
    assert done.status_code == 302
    # then the approver sees each row acknowledged, by whom and with the note
    sign_in(moj.payroll_approver)
    review = client.get(_page(moj, calculated, "review/?state=settled")).content.decode()
    assert review.count("October back pay, agreed with HR") == 25
    assert "By MOJ payroll_officer on" in review
    run_page = client.get(_page(moj, calculated)).content.decode()
    assert "1 exception still open" in run_page
    assert 'data-testid="approve-waits-for-review"' in run_page


def test_the_officer_holds_pay_with_no_bank_account_on_its_own_page(client, moj, calculated, sign_in, in_department):
    cal = _cal(moj, in_department)
    sign_in(moj.payroll_officer)
    url = _page(moj, calculated, f"review/employees/{cal.pk}/payment-route/")
    # when they choose a manual payment without its reference
    refused = client.post(url, {"route": "manual", "note": "Paid by CHAPS"}).content.decode()
    assert '<a href="#id_reference">Enter the reference of the manual payment' in refused
    # when they hold it with a note
    held = client.post(url, {"route": "hold", "note": "Waiting for his new account"})
    assert held.status_code == 302
    # then the review shows the route, and the blocking kind is settled
    review = client.get(held.url).content.decode()
    assert "Held" in review
    assert "Waiting for his new account" in review
    run_page = client.get(_page(moj, calculated)).content.decode()
    assert '<td class="govuk-table__cell govuk-table__cell--numeric" data-testid="review-kind-open">0</td>' in run_page
    # and an employee a route does not settle has no such page
    with in_department(moj):
        esme = Employee.objects.get(payroll_number="E0001")
    assert client.get(_page(moj, calculated, f"review/employees/{esme.pk}/payment-route/")).status_code == 404


def test_finalising_and_cancelling_ask_for_confirmation_saying_what_will_happen(
        client, moj, calculated, sign_in, stepped_up, in_department, django_capture_on_commit_callbacks):
    settle_review(calculated, moj.payroll_officer)
    services.pay_run_approve(run=calculated, acting_user=moj.payroll_approver)
    sign_in(moj.payroll_approver)
    stepped_up()
    # when the approver posts the finalise step without confirming
    direct = client.post(_page(moj, calculated, "steps/finalise/"), follow=True)
    # then they land on the confirmation, told to confirm, and the run is still approved
    body = direct.content.decode()
    assert "it cannot be undone" in body
    with in_department(moj):
        assert PayRun.objects.get(pk=calculated.pk).status == PayRun.Status.APPROVED
    # and the confirmation says what finalising does, with the unpaid net pay
    assert "publish payslips to 3 people" in body
    assert "into 2 accounts" in body
    assert "send the Full Payment Submission (FPS) to HMRC" in body
    assert 'data-testid="unpaid-E0002"' in body
    assert "Held" in body
    # when the confirmation form is posted without its button
    unconfirmed = client.post(_page(moj, calculated, "confirm/finalise/"), {})
    assert "Use the confirm button to go ahead" in unconfirmed.content.decode()
    # when they confirm
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(_page(moj, calculated, "confirm/finalise/"), {"confirmed": "yes"})
    # then the run is finalised, and its page lists the unpaid net pay with its route and total
    page = client.get(confirmed.url).content.decode()
    assert "The run is finalised" in page
    assert 'data-testid="unpaid-net-pay"' in page
    assert "Total: held" in page
    # and a finalised run has nothing to confirm
    sign_in(moj.payroll_officer)
    assert "so it cannot be cancelled" in client.get(_page(moj, calculated, "confirm/cancel/")).content.decode()


def test_cancelling_asks_why_on_its_confirmation(client, moj, calculated, sign_in, in_department):
    sign_in(moj.payroll_officer)
    refused = client.post(_page(moj, calculated, "confirm/cancel/"), {"confirmed": "yes", "reason": ""})
    assert "Say why the run is cancelled." in refused.content.decode()
    done = client.post(_page(moj, calculated, "confirm/cancel/"), {"confirmed": "yes", "reason": "Wrong period"})
    assert done.status_code == 302
    with in_department(moj):
        assert PayRun.objects.get(pk=calculated.pk).status == PayRun.Status.CANCELLED
    assert client.get(_page(moj, calculated, "confirm/open/")).status_code == 404


# --- API ----------------------------------------------------------------------------------------


def test_the_api_summarises_filters_pages_and_settles_the_review(moj, calculated, in_department):
    officer = _client(moj, ["payroll:read", "payroll:submit"])
    approver = _client(moj, ["payroll:read", "payroll:approve"])
    # the summary gives each kind with its counts, blocking first
    summary = officer.get(_api(moj, calculated, "review/")).json()
    assert summary["settled"] is False
    assert [(kind["code"], kind["blocking"], kind["open"]) for kind in summary["kinds"]] == [
        ("no_bank_details", True, 1), ("net_pay_changed", False, 30)]
    # the list filters by kind and state, a page at a time
    listed = officer.get(_api(moj, calculated, "exceptions/?kind=net_pay_changed&state=open&limit=10")).json()
    assert (listed["count"], len(listed["results"])) == (30, 10)
    assert listed["results"][0]["state"] == "open"
    assert listed["results"][0]["blocking"] is False
    bad = officer.get(_api(moj, calculated, "exceptions/?state=closed"))
    assert (bad.status_code, bad["Content-Type"]) == (400, PROBLEM)
    # a blocking kind cannot be acknowledged, nor anything without a note
    blocking = officer.post(_api(moj, calculated, "review/acknowledgements/"),
                            {"codes": ["no_bank_details"], "note": "Seen"}, format="json")
    assert blocking.status_code == 400
    assert blocking["Content-Type"] == PROBLEM
    assert [error["field"] for error in blocking.json()["errors"]] == ["codes"]
    no_note = officer.post(_api(moj, calculated, "review/acknowledgements/"), {"codes": ["net_pay_changed"]},
                           format="json")
    assert [error["field"] for error in no_note.json()["errors"]] == ["note"]
    # approval through the API is refused while the review is open
    refused = approver.post(_api(moj, calculated, "approve/"))
    assert refused.status_code == 400
    assert [error["field"] for error in refused.json()["errors"]] == ["review"]
    # acknowledging the kind and holding Cal's pay settle it
    done = officer.post(_api(moj, calculated, "review/acknowledgements/"),
                        {"codes": ["net_pay_changed"], "note": "Back pay"}, format="json")
    assert done.json()["acknowledged"] == 30
    cal = _cal(moj, in_department)
    no_reference = officer.put(_api(moj, calculated, f"payment-routes/{cal.pk}/"),
                               {"route": "manual", "note": "CHAPS"}, format="json")
    assert [error["field"] for error in no_reference.json()["errors"]] == ["reference"]
    held = officer.put(_api(moj, calculated, f"payment-routes/{cal.pk}/"),
                       {"route": "hold", "note": "Waiting for his account"}, format="json")
    assert held.status_code == 200
    assert held.json()["route"] == "hold"
    assert officer.get(_api(moj, calculated, "review/")).json()["settled"] is True
    row = officer.get(_api(moj, calculated, "exceptions/?kind=no_bank_details")).json()["results"][0]
    assert (row["state"], row["payment_route"]["note"]) == ("routed", "Waiting for his account")
    # withdrawing the route opens it again
    assert officer.delete(_api(moj, calculated, f"payment-routes/{cal.pk}/")).status_code == 204
    assert officer.get(_api(moj, calculated, "review/")).json()["settled"] is False
    assert officer.delete(_api(moj, calculated, f"payment-routes/{cal.pk}/")).status_code == 400
    # and a token that only reads may not settle anything
    reader = _client(moj, ["payroll:read"])
    assert reader.post(_api(moj, calculated, "review/acknowledgements/"),
                       {"codes": ["net_pay_changed"], "note": "Seen"}, format="json").status_code == 403


def test_the_schema_documents_the_review_operations_without_warnings(tmp_path):
    schema_file = tmp_path / "schema.yaml"
    call_command("spectacular", "--fail-on-warn", "--file", str(schema_file))
    paths = yaml.safe_load(schema_file.read_text())["paths"]
    base = "/api/v1/departments/{department_slug}/payroll/runs/{run_id}/"
    assert paths[base + "review/"]["get"]["operationId"] == "payroll_run_review"
    assert paths[base + "review/acknowledgements/"]["post"]["operationId"] == "payroll_run_exceptions_acknowledge"
    route = paths[base + "payment-routes/{employee_id}/"]
    assert (route["put"]["operationId"], route["delete"]["operationId"]) == (
        "payroll_run_payment_route_set", "payroll_run_payment_route_clear")
    assert {parameter["name"] for parameter in paths[base + "exceptions/"]["get"]["parameters"]} >= {"kind", "state"}
