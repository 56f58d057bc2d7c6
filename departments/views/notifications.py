"""A person's e-mail settings in a department: how items waiting for their decision reach them,
and the e-mails sent to them lately."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.generic import TemplateView

from departments.forms_notifications import NotificationPreferenceForm, digest_time
from departments.notifications import (
    notification_preference_daily_digest,
    notification_preference_set,
    notifications_of,
)
from departments.roles import Scope
from departments.web import DepartmentPageMixin
from shared_services.accounts.models import User

__all__ = ["NotificationPreferencesView"]

RECENT_SHOWN = 10


class NotificationPreferencesView(DepartmentPageMixin, TemplateView):
    template_name = "departments/notification_preferences.html"
    required_scope = Scope.SELF_SERVICE

    def _person(self) -> User:
        return self.request.user  # type: ignore[return-value]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        person = self._person()
        context.setdefault("form", NotificationPreferenceForm.for_preference(
            daily_digest=notification_preference_daily_digest(user=person)))
        context.update(recent=list(notifications_of(user=person)[:RECENT_SHOWN]), digest_time=digest_time())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = NotificationPreferenceForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        notification_preference_set(department=self.department, user=self._person(), daily_digest=form.daily_digest,
                                    acting_user=self._person())
        messages.success(request, f"Items waiting for your decision will come in a daily digest at {digest_time()}"
                         if form.daily_digest else "Items waiting for your decision will come in one e-mail each")
        return redirect("departments:notification-preferences", department_slug=self.department.slug)
