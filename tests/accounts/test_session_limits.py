"""Session limits: idle and absolute timeouts end a session with a message saying why; "sign out
everywhere" ends every session begun before it; API calls with an ended session answer 401 problem+json;
activity is written at most once a minute; requests without a session cookie are untouched."""

from __future__ import annotations

import time

import pytest

from shared_services.accounts import two_factor
from shared_services.accounts.models import SecurityEvent

pytestmark = pytest.mark.django_db


def _age_session(client, *, started_ago: float, seen_ago: float) -> None:
    session = client.session
    now = time.time()
    session[two_factor.SESSION_STARTED_KEY] = now - started_ago
    session[two_factor.SESSION_SEEN_KEY] = now - seen_ago
    session.save()


def test_an_idle_session_ends_and_the_sign_in_page_says_why(client, moj, settings):
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 30 * 60
    client.force_login(moj.employee)
    _age_session(client, started_ago=40 * 60, seen_ago=35 * 60)
    response = client.get(f"/departments/{moj.slug}/", follow=True)
    assert response.redirect_chain[0][0].startswith("/accounts/sign-in/?next=")
    assert "had not used the service for 30 minutes" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert SecurityEvent.objects.filter(user=moj.employee, event="session.ended", detail__reason="idle").exists()


def test_a_session_past_its_absolute_limit_ends_even_when_busy(client, moj, settings):
    settings.SESSION_ABSOLUTE_TIMEOUT_SECONDS = 8 * 3600
    client.force_login(moj.employee)
    _age_session(client, started_ago=8 * 3600 + 5, seen_ago=5)
    response = client.get(f"/departments/{moj.slug}/", follow=True)
    assert "signed in for 8 hours" in response.content.decode()


def test_an_active_session_continues_and_activity_is_written_at_most_once_a_minute(client, moj):
    client.force_login(moj.employee)
    _age_session(client, started_ago=600, seen_ago=20)
    seen = client.session[two_factor.SESSION_SEEN_KEY]
    assert client.get(f"/departments/{moj.slug}/").status_code == 200
    assert client.session[two_factor.SESSION_SEEN_KEY] == seen
    _age_session(client, started_ago=600, seen_ago=90)
    client.get(f"/departments/{moj.slug}/")
    assert client.session[two_factor.SESSION_SEEN_KEY] > time.time() - 5


def test_sign_out_everywhere_ends_other_sessions_and_this_one(client, moj):
    from django.test import Client

    other_device = Client()
    other_device.force_login(moj.employee)
    assert other_device.get(f"/departments/{moj.slug}/").status_code == 200
    client.force_login(moj.employee)
    client.get(f"/departments/{moj.slug}/")
    # when the person signs out everywhere
    response = client.post("/accounts/security/sign-out-everywhere/", follow=True)
    assert "signed out on every device" in response.content.decode()
    # then the session on the other device is ended at its next request, saying why
    ended = other_device.get(f"/departments/{moj.slug}/", follow=True)
    assert "you chose to sign out everywhere" in ended.content.decode()
    # and an API call with that session answers 401 problem+json
    api_device = Client()
    api_device.force_login(moj.employee)
    _age_session(api_device, started_ago=3600, seen_ago=10)
    problem = api_device.get(f"/api/v1/departments/{moj.slug}/")
    assert problem.status_code == 401
    assert problem["Content-Type"] == "application/problem+json"
    assert "sign out everywhere" in problem.json()["detail"]


def test_an_api_token_call_is_not_touched_by_session_limits(api_client, moj):
    from departments import services as department_services

    _, token = department_services.api_token_create(department=moj.department, name="Export", scopes=["hr:read"],
                                                    acting_user=moj.hr_admin)
    response = api_client.get(f"/api/v1/departments/{moj.slug}/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert not SecurityEvent.objects.filter(event="session.ended").exists()
