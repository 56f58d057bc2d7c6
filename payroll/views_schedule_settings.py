"""Pay schedules' details as department settings: the list, and a page that changes one schedule's
name, pay day, proration and the account net pay leaves from (``payroll:submit``)."""

from __future__ import annotations

from functools import cached_property
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.generic import FormView, TemplateView

from departments.roles import Scope
from departments.web import DepartmentPageMixin
from payroll import selectors
from payroll.forms_schedule_settings import PayScheduleDetailsForm
from payroll.models import PaySchedule
from payroll.services.schedules import pay_schedule_update
from shared_services.accounts.models import User
from shared_services.core.forms import add_service_errors


class PayScheduleSettingsListView(DepartmentPageMixin, TemplateView):
    template_name = "payroll/settings/schedules.html"
    required_scope = Scope.PAYROLL_SUBMIT

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["schedules"] = selectors.pay_schedules()
        return context


class PayScheduleDetailsChangeView(DepartmentPageMixin, FormView):
    template_name = "payroll/settings/schedule_form.html"
    form_class = PayScheduleDetailsForm
    required_scope = Scope.PAYROLL_SUBMIT

    @cached_property
    def schedule(self) -> PaySchedule:
        return selectors.pay_schedule_get(schedule_id=self.kwargs["schedule_id"])

    def get_initial(self) -> dict[str, Any]:
        return PayScheduleDetailsForm.initial_for(self.schedule)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["schedule"] = self.schedule
        return context

    def form_valid(self, form: PayScheduleDetailsForm) -> HttpResponse:
        try:
            schedule = pay_schedule_update(schedule=self.schedule, acting_user=cast(User, self.request.user),
                                           **form.service_arguments())
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"The pay schedule {schedule.name} is saved")
        return redirect("payroll:settings-schedules", department_slug=self.department.slug)
