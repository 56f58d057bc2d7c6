"""The department's single sign-on settings, for its HR admins."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.generic import FormView

from departments import selectors, services
from departments.forms_sso import IdentityProviderForm
from departments.roles import Scope
from departments.web import DepartmentPageMixin
from shared_services.core.forms import add_service_errors

__all__ = ["IdentityProviderView"]


class IdentityProviderView(DepartmentPageMixin, FormView):
    template_name = "departments/sso/settings.html"
    form_class = IdentityProviderForm
    required_scope = Scope.MEMBERS_MANAGE

    def get_initial(self) -> dict[str, Any]:
        return IdentityProviderForm.initial_from(selectors.identity_provider_of(department=self.department))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        provider = selectors.identity_provider_of(department=self.department)
        context.update(provider=provider, callback_url=self.request.build_absolute_uri("/accounts/sso/callback/"))
        return context

    def form_valid(self, form: IdentityProviderForm) -> HttpResponse:
        try:
            services.identity_provider_configure(
                department=self.department, issuer=form.cleaned_data["issuer"],
                client_id=form.cleaned_data["client_id"], client_secret=form.cleaned_data["client_secret"],
                domains=form.domain_list(), staff_number_claim=form.cleaned_data["staff_number_claim"],
                is_enabled=form.cleaned_data["is_enabled"], acting_user=self.request.user,  # type: ignore[arg-type]
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Single sign-on settings saved.")
        return redirect("sso:settings", department_slug=self.department.slug)
