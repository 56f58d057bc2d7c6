"""The employee's own documents: every tax year's payslips, P60, P45 and yearly summary on one page,
and the P60, P45 and yearly summary as pages and PDFs. Every page reads the signed-in person's own
employee record, never one named in the address, so a colleague's or a report's documents are not
reachable (a tax year they have nothing in is a 404). Thin: reads through
``payroll.selectors_documents``."""

from __future__ import annotations

from functools import cached_property
from typing import Any, cast

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from departments.roles import Scope
from departments.web import DepartmentPageMixin
from hr.models import Employee
from hr.selectors import employee_of_user
from payroll import selectors_documents as selectors
from payroll.p45_document import p45_pdf_response
from payroll.periods import tax_year_label
from payroll.yearly_summary import COLUMNS
from payroll.yearly_summary_document import yearly_summary_pdf_response
from shared_services.accounts.models import User

NOT_LINKED = "Your account is not linked to an employee record here."


class OwnRecordMixin:
    """The signed-in person's own employee record in the department, or a 404."""

    request: HttpRequest

    @cached_property
    def own(self) -> Employee:
        own = employee_of_user(user_id=cast(User, self.request.user).pk)
        if own is None:
            raise Http404(NOT_LINKED)
        return own


class MyDocumentsView(DepartmentPageMixin, TemplateView):
    template_name = "payroll/documents/my_documents.html"
    required_scope = Scope.SELF_SERVICE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        own = employee_of_user(user_id=cast(User, self.request.user).pk)
        context.update(own_record=own,
                       years=selectors.document_years(department=self.department, employee=own) if own else [])
        return context


class MyP60View(DepartmentPageMixin, OwnRecordMixin, TemplateView):
    """The P60 as a page; its PDF is ``payroll:my-p60``."""

    template_name = "payroll/documents/p60.html"
    required_scope = Scope.SELF_SERVICE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["p60"] = selectors.own_p60(department=self.department, employee=self.own,
                                           tax_year=self.kwargs["tax_year"])
        return context


class MyP45View(DepartmentPageMixin, OwnRecordMixin, TemplateView):
    template_name = "payroll/documents/p45.html"
    required_scope = Scope.SELF_SERVICE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["p45"] = selectors.own_p45(department=self.department, employee=self.own)
        return context


class MyP45PdfView(DepartmentPageMixin, OwnRecordMixin, View):
    required_scope = Scope.SELF_SERVICE

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return p45_pdf_response(selectors.own_p45(department=self.department, employee=self.own))


class MyYearlySummaryView(DepartmentPageMixin, OwnRecordMixin, TemplateView):
    template_name = "payroll/documents/yearly_summary.html"
    required_scope = Scope.SELF_SERVICE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        summary = selectors.yearly_summary_of(department=self.department, employee=self.own,
                                              tax_year=self.kwargs["tax_year"])
        context.update(summary=summary, columns=COLUMNS, is_current=summary.tax_year == tax_year_label(
            timezone.localdate()))
        return context


class MyYearlySummaryPdfView(DepartmentPageMixin, OwnRecordMixin, View):
    required_scope = Scope.SELF_SERVICE

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return yearly_summary_pdf_response(selectors.yearly_summary_of(
            department=self.department, employee=self.own, tax_year=kwargs["tax_year"]))
