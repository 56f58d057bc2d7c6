"""Pages for HMRC's tax code notices (upload, list with status and reasons) and leavers' P45s.
Thin: reads through ``payroll.selectors_tax_codes``, writes through ``payroll.services``."""

from __future__ import annotations

from functools import cached_property
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View
from django.views.generic import FormView, TemplateView
from rest_framework.exceptions import NotFound

from departments.roles import Scope
from departments.web import DepartmentPageMixin
from hr.models import Employee
from hr.selectors import employee_of_user
from payroll import selectors_tax_codes as selectors
from payroll import services
from payroll.forms_tax_codes import TaxCodeNoticeUploadForm
from payroll.models import TaxCodeNotice
from payroll.p45 import P45, P45Error
from payroll.p45_document import p45_of_leaver, p45_pdf_response
from shared_services.accounts.models import User
from shared_services.core.forms import add_service_errors


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


class TaxCodeNoticesView(DepartmentPageMixin, FormView):
    """The notices received, newest first, with their status and reasons; a file of them loaded."""

    template_name = "payroll/tax_codes/notices.html"
    form_class = TaxCodeNoticeUploadForm
    required_scope = Scope.PAYROLL_READ

    def _here(self) -> str:
        return reverse("payroll:tax-code-notices", kwargs={"department_slug": self.department.slug})

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", "")
        if status not in TaxCodeNotice.Status.values:
            status = ""
        context.update(status=status, statuses=TaxCodeNotice.Status.choices,
                       counts=selectors.tax_code_notice_counts(), columns=services.NOTICE_COLUMNS,
                       can_submit=self.department_access.allows(Scope.PAYROLL_SUBMIT),
                       page=Paginator(selectors.tax_code_notices(status=status), 100).get_page(
                           self.request.GET.get("page")),
                       page_query=f"&status={status}" if status else "")
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.department_access.allows(Scope.PAYROLL_SUBMIT):
            raise PermissionDenied("Loading tax code notices needs the payroll:submit permission.")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: TaxCodeNoticeUploadForm) -> HttpResponse:
        upload = form.cleaned_data["file"]
        name = upload.name or "upload"
        try:
            lines = services.tax_code_notice_lines_from_csv(content=upload.read(), source_name=name)
            outcome = services.tax_code_notices_receive(department=self.department, lines=lines,
                                                        acting_user=_user(self.request), source=name)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{name}: {outcome.applied} applied, {outcome.pending} waiting for a later "
                                       f"period, {outcome.rejected} rejected")
        return redirect(self._here())


class TaxCodeNoticesApplyView(DepartmentPageMixin, View):
    """Apply the waiting notices now due (after a run is finalised, for instance)."""

    required_scope = Scope.PAYROLL_SUBMIT

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        applied = services.tax_code_notices_apply_due(department=self.department, acting_user=_user(request))
        messages.success(request, f"{applied} waiting notice{'' if applied == 1 else 's'} applied")
        return redirect("payroll:tax-code-notices", department_slug=self.department.slug)


class P45Mixin:
    """A leaver's P45: HR and payroll (who see sensitive personal data) see any; a leaver their own."""

    kwargs: dict[str, Any]
    request: HttpRequest
    department: Any
    department_access: Any

    @cached_property
    def leaver(self) -> Employee:
        try:
            employee = selectors.leaver_get(payroll_number=self.kwargs["payroll_number"])
        except NotFound:
            raise Http404("No leaver has this payroll number.") from None
        if not self.department_access.allows(Scope.HR_SENSITIVE):
            own = employee_of_user(user_id=self.request.user.pk)  # type: ignore[arg-type]
            if own is None or own.pk != employee.pk:
                raise Http404("No leaver has this payroll number.")
        return employee

    def p45(self) -> P45 | None:
        try:
            return p45_of_leaver(employee=self.leaver, department=self.department)
        except P45Error:
            return None


class P45View(DepartmentPageMixin, P45Mixin, TemplateView):
    template_name = "payroll/p45/p45.html"
    required_scope = Scope.SELF_SERVICE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        p45 = self.p45()
        context.update(leaver=self.leaver, p45=p45, is_own=not self.department_access.allows(Scope.HR_SENSITIVE),
                       not_ready=None if p45 else "The P45 is written from the final pay: it is ready once the "
                                                  "run that paid it is finalised.")
        return context


class P45PdfView(DepartmentPageMixin, P45Mixin, View):
    required_scope = Scope.SELF_SERVICE

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        p45 = self.p45()
        if p45 is None:
            raise Http404("The P45 is ready once the run that paid the final pay is finalised.")
        return p45_pdf_response(p45)
