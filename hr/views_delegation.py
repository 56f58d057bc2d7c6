"""The deputies page: a line manager names who decides for them while they are away, and a
deputy sees whom they decide for. Thin views over ``hr.selectors_delegation`` and
``hr.services.delegation``."""

from __future__ import annotations

import datetime
from functools import cached_property
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views import View
from django.views.generic import FormView

from departments.roles import Scope
from departments.web import DepartmentPageMixin
from hr import selectors, selectors_delegation, services
from hr.forms_delegation import DelegationForm, DeputySearchForm
from hr.models import ApprovalDelegation, Employee
from hr.views import OwnRecordMixin
from shared_services.core.forms import add_service_errors

SHOWN = 50


def _day(value: datetime.date) -> str:
    return f"{value:%-d %B %Y}"


def _row(delegation: ApprovalDelegation, today: datetime.date) -> dict[str, Any]:
    """A delegation as the page lists it: its state in words, its tag colour, and whether it can end."""
    if delegation.cancelled_at is not None:
        status, colour = "Cancelled", "govuk-tag--grey"
    elif delegation.ends_on < today:
        status, colour = "Ended", "govuk-tag--grey"
    elif delegation.starts_on > today:
        status, colour = "Planned", "govuk-tag--blue"
    else:
        status, colour = "Running now", "govuk-tag--green"
    can_cancel = delegation.cancelled_at is None and delegation.ends_on >= today
    return {"delegation": delegation, "status": status, "colour": colour, "can_cancel": can_cancel}


class MyDelegationsView(DepartmentPageMixin, OwnRecordMixin, FormView):
    """Name a deputy for dated days (line managers), see and cancel one's delegations, and see
    whom one deputises for."""

    template_name = "hr/delegation/my_delegations.html"
    form_class = DelegationForm
    required_scope = Scope.SELF_SERVICE

    @cached_property
    def today(self) -> datetime.date:
        return timezone.localdate()

    @cached_property
    def is_manager(self) -> bool:
        return self.own_record is not None and selectors.direct_reports(manager=self.own_record,
                                                                         on=self.today).exists()

    @cached_property
    def search_form(self) -> DeputySearchForm:
        # The search travels in the page's address, and in the naming form as a hidden field, so a
        # form returned with errors lists the same people.
        form = DeputySearchForm(self.request.POST if self.request.method == "POST" else self.request.GET)
        form.is_valid()
        return form

    @cached_property
    def search(self) -> str:
        return str(self.search_form.cleaned_data.get("q") or "").strip()

    @cached_property
    def candidates(self) -> list[Employee]:
        if not self.is_manager or not self.search or self.own_record is None:
            return []
        return selectors_delegation.deputy_candidates(search=self.search, manager=self.own_record, day=self.today)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["candidates"] = self.candidates
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(is_manager=self.is_manager, search_form=self.search_form, search=self.search,
                       candidates=self.candidates)
        if self.own_record is not None:
            context.update(
                given=[_row(delegation, self.today)
                       for delegation in selectors_delegation.delegations_of(manager=self.own_record)[:SHOWN]],
                held=[_row(delegation, self.today)
                      for delegation in selectors_delegation.delegations_held_by(deputy=self.own_record)[:SHOWN]],
            )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.own_record is None:
            return redirect("hr:my-delegations", department_slug=self.department.slug)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: DelegationForm) -> HttpResponse:
        assert self.own_record is not None
        data = form.cleaned_data
        try:
            delegation = services.approval_delegation_create(
                manager=self.own_record, deputy=data["deputy"], starts_on=data["starts_on"],
                ends_on=data["ends_on"], note=data["note"], acting_user=self.acting_user)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{delegation.deputy.display_name} is your deputy from "
                                       f"{_day(delegation.starts_on)} to {_day(delegation.ends_on)}")
        return redirect("hr:my-delegations", department_slug=self.department.slug)


class MyDelegationCancelView(DepartmentPageMixin, OwnRecordMixin, View):
    """End one of the signed-in manager's own delegations (anyone else's is not found)."""

    required_scope = Scope.SELF_SERVICE

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.own_record is None:
            raise Http404("There is no delegation of yours with that number.")
        delegation = selectors_delegation.delegation_get(delegation_id=kwargs["delegation_id"],
                                                         manager=self.own_record)
        try:
            services.approval_delegation_cancel(delegation=delegation, acting_user=self.acting_user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{delegation.deputy.display_name} is no longer your deputy")
        return redirect("hr:my-delegations", department_slug=self.department.slug)
