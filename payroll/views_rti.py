"""The department's RTI pages: its submissions to HMRC with their state, errors and XML, an EPS
for a tax month, and building a submission again after a rejection."""

from __future__ import annotations

from functools import cached_property
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, TemplateView

from departments.roles import Scope
from departments.web import DepartmentPageMixin
from payroll import selectors, selectors_rti, services
from payroll.models import PayRun, RtiSubmission
from payroll.periods import tax_year_label
from shared_services.accounts.models import User
from shared_services.core.forms import add_service_errors


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


class EpsForm(forms.Form):
    tax_year = forms.RegexField(regex=r"^\d{4}-\d{2}$", label="Tax year",
                                error_messages={"required": "Enter the tax year, like 2026-27",
                                                "invalid": "Enter the tax year like 2026-27"})
    tax_month = forms.IntegerField(label="Tax month", min_value=1, max_value=12,
                                   error_messages={"required": "Enter the tax month, from 1 to 12",
                                                   "invalid": "Enter the tax month as a number from 1 to 12",
                                                   "min_value": "Enter a tax month from 1 to 12",
                                                   "max_value": "Enter a tax month from 1 to 12"})
    final = forms.BooleanField(label="This is the last EPS of the tax year", required=False)


class RtiSubmissionsView(DepartmentPageMixin, FormView):
    """Every FPS and EPS, newest first (``?run=`` narrows them to one pay run), and the EPS form."""

    template_name = "payroll/rti/submissions.html"
    form_class = EpsForm
    required_scope = Scope.PAYROLL_READ

    @cached_property
    def run(self) -> PayRun | None:
        wanted = self.request.GET.get("run", "")
        return selectors.pay_run_get(run_id=int(wanted)) if wanted.isdigit() else None

    def get_initial(self) -> dict[str, Any]:
        return {"tax_year": tax_year_label(timezone.localdate())}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        rows = selectors_rti.rti_submissions_of_run(run=self.run) if self.run else selectors_rti.rti_submissions()
        context.update(run=self.run, query=f"&run={self.run.pk}" if self.run else "",
                       page=Paginator(rows, 50).get_page(self.request.GET.get("page")),
                       can_submit=self.department_access.allows(Scope.PAYROLL_SUBMIT))
        return context

    def form_valid(self, form: EpsForm) -> HttpResponse:
        if not self.department_access.allows(Scope.PAYROLL_SUBMIT):
            raise PermissionDenied(f"Building an EPS needs the '{Scope.PAYROLL_SUBMIT}' permission.")
        try:
            submission = services.eps_submission_build(department=self.department, acting_user=_user(self.request),
                                                       **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"The EPS for tax month {submission.tax_month} is built: "
                                       f"{submission.get_status_display().lower()}")
        return redirect("payroll:rti-submission", department_slug=self.department.slug, submission_id=submission.pk)


class RtiSubmissionMixin:
    kwargs: dict[str, Any]

    @cached_property
    def submission(self) -> RtiSubmission:
        return selectors_rti.rti_submission_get(submission_id=self.kwargs["submission_id"])


class RtiSubmissionView(DepartmentPageMixin, RtiSubmissionMixin, TemplateView):
    template_name = "payroll/rti/submission.html"
    required_scope = Scope.PAYROLL_READ

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        submission = self.submission
        can_resubmit = self.department_access.allows(Scope.PAYROLL_SUBMIT) and submission.status in (
            RtiSubmission.Status.REJECTED, RtiSubmission.Status.INVALID)
        return super().get_context_data(**kwargs) | {"submission": submission, "can_resubmit": can_resubmit}


class RtiSubmissionDocumentView(DepartmentPageMixin, RtiSubmissionMixin, View):
    required_scope = Scope.PAYROLL_READ

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FileResponse:
        submission = self.submission
        if not submission.document:
            raise Http404("This submission has no document: it could not be built.")
        response = FileResponse(default_storage.open(submission.document, "rb"), as_attachment=True,
                                filename=f"{self.department.slug}-{submission.kind}-{submission.pk}.xml",
                                content_type="application/xml")
        response["Cache-Control"] = "private, no-store"
        return response


class RtiSubmissionResubmitView(DepartmentPageMixin, RtiSubmissionMixin, View):
    required_scope = Scope.PAYROLL_SUBMIT

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        submission = self.submission
        try:
            again = services.rti_submission_resubmit(submission=submission, acting_user=_user(request))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            again = submission
        else:
            messages.success(request, f"Built again: {again.get_status_display().lower()}")
        return redirect("payroll:rti-submission", department_slug=self.department.slug, submission_id=again.pk)
