"""Year-end pages: HR's bundle of P60s (started, watched while it is produced, downloaded) and an
employee's own P60. Thin: reads through ``payroll.selectors_year_end``, writes through the
year-end services."""

from __future__ import annotations

from functools import cached_property
from typing import Any, cast

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views import View
from django.views.generic import FormView, TemplateView

from departments.roles import Scope
from departments.web import DepartmentPageMixin
from hr.selectors import employee_of_user
from payroll import selectors_year_end
from payroll.models import DocumentBatch, PayRun
from payroll.p60_document import p60_pdf
from payroll.services.year_end import p60_batch_start
from payroll.tasks_year_end import start_p60_batch
from shared_services.accounts.models import User
from shared_services.core.forms import add_service_errors


def _years_with_p60s() -> list[str]:
    """Tax years that are over and that a finalised run paid in, newest first."""
    years = PayRun.objects.filter(status=PayRun.Status.FINALISED).values_list("tax_year", flat=True).distinct()
    return sorted((year for year in years if selectors_year_end.tax_year_is_over(year)), reverse=True)


class P60BatchForm(forms.Form):
    tax_year = forms.ChoiceField(label="Tax year", widget=forms.RadioSelect, error_messages={
        "required": "Choose the tax year to produce P60s for.",
        "invalid_choice": "Choose a tax year that has ended and that a finalised pay run paid in."})

    def __init__(self, *args: Any, tax_years: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["tax_year"])
        field.choices = [(year, f"{year} (to 5 April 20{year[-2:]})") for year in tax_years]


class P60BatchListView(DepartmentPageMixin, FormView):
    """HR's P60 bundles: start one for a year that has ended, and the recent ones to download."""

    template_name = "payroll/year_end/p60_batches.html"
    form_class = P60BatchForm
    required_scope = Scope.PAYROLL_READ

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "tax_years": _years_with_p60s()}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(batches=selectors_year_end.document_batches()[:20],
                       can_start=self.department_access.allows(Scope.PAYROLL_SUBMIT))
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.department_access.allows(Scope.PAYROLL_SUBMIT):
            raise PermissionDenied("Producing P60s needs the payroll:submit permission.")
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: forms.Form) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def form_valid(self, form: forms.Form) -> HttpResponse:
        try:
            batch = p60_batch_start(department=self.department, tax_year=form.cleaned_data["tax_year"],
                                    acting_user=cast(User, self.request.user))
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        start_p60_batch(batch)
        return redirect("payroll:p60-batch", department_slug=self.department.slug, batch_id=batch.pk)


class P60BatchMixin:
    kwargs: dict[str, Any]

    @cached_property
    def batch(self) -> DocumentBatch:
        return selectors_year_end.document_batch_get(batch_id=self.kwargs["batch_id"])


class P60BatchView(DepartmentPageMixin, P60BatchMixin, TemplateView):
    template_name = "payroll/year_end/p60_batch.html"
    required_scope = Scope.PAYROLL_READ

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["batch"] = self.batch
        return context


class P60BatchProgressView(DepartmentPageMixin, P60BatchMixin, TemplateView):
    """The progress panel alone, which the page fetches again every second while the batch runs."""

    template_name = "payroll/year_end/_p60_progress.html"
    required_scope = Scope.PAYROLL_READ

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["batch"] = self.batch
        return context

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        response = super().render_to_response(context, **kwargs)
        if self.batch.status in (DocumentBatch.Status.DONE, DocumentBatch.Status.FAILED):
            response["HX-Refresh"] = "true"  # htmx reloads the whole page once, to offer the download
        return response


class P60BatchDownloadView(DepartmentPageMixin, P60BatchMixin, View):
    required_scope = Scope.PAYROLL_READ

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FileResponse:
        batch = self.batch
        if batch.status != DocumentBatch.Status.DONE or not batch.file:
            raise Http404("These P60s are not ready yet.")
        response = FileResponse(default_storage.open(batch.file, "rb"), as_attachment=True,
                                filename=f"p60s-{batch.tax_year}.zip", content_type="application/zip")
        response["Cache-Control"] = "private, no-store"
        return response


class MyP60PdfView(DepartmentPageMixin, View):
    """The signed-in employee's own P60 for a year that is over; anyone else's is a 404."""

    required_scope = Scope.SELF_SERVICE

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        own = employee_of_user(user_id=cast(User, request.user).pk)
        if own is None:
            raise Http404("Your account is not linked to an employee record here.")
        p60 = selectors_year_end.p60_of_employee(department=self.department, employee_id=own.pk,
                                                 tax_year=kwargs["tax_year"])
        response = HttpResponse(p60_pdf(p60), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="P60-{p60.tax_year}-{own.payroll_number}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response
