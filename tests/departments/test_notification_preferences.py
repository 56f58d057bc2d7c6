"""How a person hears about items waiting for their decision: chosen on their notifications page
or through the self-service API, saved per person per department and audited; bad input refused
naming the field; each person sees only their own choice and e-mails, and another department's
people reach neither."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from departments.models import AuditEvent, Notification, NotificationPreference
from departments.notifications import notification_preference_set
from departments.roles import TOKEN_SCOPES, Role
from departments.services import api_token_create
from departments.tenancy import department_context
from tests.factories import MembershipFactory
from tests.factories.departments import NotificationFactory

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def _page(slug):
    return f"/departments/{slug}/notifications/"


def _preference_api(slug):
    return f"/api/v1/me/departments/{slug}/notification-preferences/"


def _notifications_api(slug):
    return f"/api/v1/me/departments/{slug}/notifications/"


def _preference(people, user):
    with department_context(people.department.id):
        return NotificationPreference.objects.filter(user=user).first()


# --- The page ------------------------------------------------------------------------------------

def test_the_page_shows_one_email_each_until_a_digest_is_chosen(sign_in, moj):
    # given a manager who has not chosen
    client = sign_in(moj.manager)
    # when they open their notifications page
    page = client.get(_page(moj.slug))
    # then it asks about items waiting, with one e-mail each chosen
    assert page.status_code == 200
    html = page.content.decode()
    assert "Items waiting for your decision" in html
    assert 'value="each" checked' in html
    assert 'value="daily_digest" checked' not in html
    assert "A daily digest: one e-mail each morning at 7am" in html


def test_choosing_a_daily_digest_saves_it_for_this_department_and_audits_it(sign_in, moj, dft, in_department):
    client = sign_in(moj.manager)
    # when the manager chooses the digest
    response = client.post(_page(moj.slug), {"items_waiting": "daily_digest"}, follow=True)
    # then it is saved for them in moj only, the page says so and shows it chosen
    assert response.redirect_chain[-1][0] == _page(moj.slug)
    html = response.content.decode()
    assert "Items waiting for your decision will come in a daily digest at 7am" in html
    assert 'value="daily_digest" checked' in html
    assert _preference(moj, moj.manager).daily_digest is True
    assert _preference(dft, moj.manager) is None
    with in_department(moj):
        event = AuditEvent.objects.get(action="notification_preference.set")
    assert event.actor == moj.manager
    assert event.changes == {"daily_digest": {"before": None, "after": True}}
    # when they go back to one e-mail each
    client.post(_page(moj.slug), {"items_waiting": "each"})
    assert _preference(moj, moj.manager).daily_digest is False


@pytest.mark.parametrize(("data", "message"), [
    ({}, "Select how you want to hear about items waiting for your decision"),
    ({"items_waiting": "weekly"}, "Select one e-mail for each item or a daily digest"),
])
def test_no_choice_or_an_unknown_one_shows_an_error_summary_and_saves_nothing(sign_in, moj, data, message):
    client = sign_in(moj.manager)
    page = client.post(_page(moj.slug), data)
    assert page.status_code == 200
    html = page.content.decode()
    assert "govuk-error-summary" in html
    assert f'<a href="#id_items_waiting">{message}</a>' in html
    assert "<title>Error: " in html
    assert _preference(moj, moj.manager) is None


def test_the_page_lists_the_persons_own_recent_emails_only(sign_in, moj, in_department):
    # given an e-mail to the employee and one to a colleague
    NotificationFactory(department=moj.department, user=moj.employee, subject="Your payslip is ready")
    NotificationFactory(department=moj.department, user=moj.manager, subject="Leave request from Esme waiting")
    # when the employee opens their page
    html = sign_in(moj.employee).get(_page(moj.slug)).content.decode()
    # then they see theirs, not the colleague's
    assert "Your payslip is ready" in html
    assert "Leave request from Esme waiting" not in html


def test_another_departments_people_reach_no_page_and_an_auditor_has_none(client, sign_in, moj, dft):
    assert sign_in(dft.employee).get(_page(moj.slug)).status_code == 404
    assert sign_in(dft.employee).post(_page(moj.slug), {"items_waiting": "daily_digest"}).status_code == 404
    assert _preference(moj, dft.employee) is None
    assert sign_in(moj.auditor).get(_page(moj.slug)).status_code == 403


def test_signed_out_people_are_sent_to_sign_in(client, moj):
    response = client.get(_page(moj.slug))
    assert response.status_code == 302
    assert "/accounts/sign-in/" in response["Location"]


# --- The API -------------------------------------------------------------------------------------

def test_the_api_reads_and_sets_the_callers_own_preference(api_client, moj, in_department):
    api_client.force_login(moj.manager)
    assert api_client.get(_preference_api(moj.slug)).json() == {"daily_digest": False}
    response = api_client.put(_preference_api(moj.slug), {"daily_digest": True}, format="json")
    assert response.status_code == 200
    assert response.json() == {"daily_digest": True}
    assert api_client.get(_preference_api(moj.slug)).json() == {"daily_digest": True}
    assert _preference(moj, moj.manager).daily_digest is True
    with in_department(moj):
        assert AuditEvent.objects.filter(action="notification_preference.set", actor=moj.manager).count() == 1
    # setting it again to the same changes nothing and records nothing
    api_client.put(_preference_api(moj.slug), {"daily_digest": True}, format="json")
    with in_department(moj):
        assert AuditEvent.objects.filter(action="notification_preference.set").count() == 1


@pytest.mark.parametrize("body", [{}, {"daily_digest": "sometimes"}, {"daily_digest": None}])
def test_bad_input_is_a_problem_naming_the_field_and_saves_nothing(api_client, moj, body):
    api_client.force_login(moj.manager)
    response = api_client.put(_preference_api(moj.slug), body, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert [error["field"] for error in response.json()["errors"]] == ["daily_digest"]
    assert _preference(moj, moj.manager) is None


def test_the_api_lists_the_callers_own_emails_newest_first(api_client, moj, settings):
    settings.PLATFORM_BASE_URL = "https://shared-services.example"
    older = NotificationFactory(department=moj.department, user=moj.employee, subject="Your payslip is ready",
                                link="/departments/moj/payroll/me/payslips/")
    newer = NotificationFactory(department=moj.department, user=moj.employee, subject="Your P60 is ready",
                                status=Notification.Status.SENT)
    NotificationFactory(department=moj.department, user=moj.manager, subject="Someone else's")
    api_client.force_login(moj.employee)
    body = api_client.get(_notifications_api(moj.slug), {"limit": 1}).json()
    assert body["count"] == 2
    assert body["next"] is not None
    (first,) = body["results"]
    assert (first["id"], first["subject"], first["status"]) == (newer.pk, "Your P60 is ready", "sent")
    second = api_client.get(_notifications_api(moj.slug), {"limit": 1, "offset": 1}).json()["results"][0]
    assert second["id"] == older.pk
    assert second["link"] == "https://shared-services.example/departments/moj/payroll/me/payslips/"
    assert set(second) == {"id", "kind", "subject", "body", "link", "to_address", "status", "created_at",
                           "sent_at"}


def test_every_route_answers_404_to_another_departments_people(api_client, moj, dft):
    # given moj's manager chose a digest and has an e-mail
    notification_preference_set(department=moj.department, user=moj.manager, daily_digest=True,
                                acting_user=moj.manager)
    NotificationFactory(department=moj.department, user=moj.manager)
    # when dft's employee calls moj's addresses
    api_client.force_login(dft.employee)
    answers = [api_client.get(_preference_api(moj.slug)).status_code,
               api_client.put(_preference_api(moj.slug), {"daily_digest": False}, format="json").status_code,
               api_client.get(_notifications_api(moj.slug)).status_code]
    # then each is "not found", and nothing changed
    assert answers == [404, 404, 404]
    assert _preference(moj, moj.manager).daily_digest is True
    assert _preference(moj, dft.employee) is None


def test_a_person_in_both_departments_has_a_choice_and_emails_in_each(api_client, moj, dft):
    # given moj's manager, who is also an employee in dft, chose the digest in moj and has an e-mail there
    MembershipFactory(user=moj.manager, department=dft.department, role=Role.EMPLOYEE)
    notification_preference_set(department=moj.department, user=moj.manager, daily_digest=True,
                                acting_user=moj.manager)
    NotificationFactory(department=moj.department, user=moj.manager, subject="In moj")
    # when they look in dft
    api_client.force_login(moj.manager)
    # then dft has neither their moj choice nor their moj e-mails
    assert api_client.get(_preference_api(dft.slug)).json() == {"daily_digest": False}
    assert api_client.get(_notifications_api(dft.slug)).json()["count"] == 0
    assert api_client.get(_notifications_api(moj.slug)).json()["count"] == 1


def test_api_tokens_have_no_self_service(api_client, moj, dft):
    _, raw = api_token_create(department=moj.department, name="Everything", acting_user=None, scopes=TOKEN_SCOPES)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get(_preference_api(moj.slug)).status_code == 403
    assert api_client.put(_preference_api(moj.slug), {"daily_digest": True}, format="json").status_code == 403
    assert api_client.get(_notifications_api(moj.slug)).status_code == 403
    assert api_client.get(_notifications_api(dft.slug)).status_code == 404


def test_the_schema_documents_the_notification_operations(tmp_path):
    schema = tmp_path / "schema.yaml"
    call_command("spectacular", "--fail-on-warn", "--file", str(schema))
    text = schema.read_text()
    for operation in ("me_notification_preference_retrieve", "me_notification_preference_update",
                      "me_notifications_list"):
        assert f"operationId: {operation}" in text
