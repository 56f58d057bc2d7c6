"""The cut-over pages: the onboarding task list, parallel runs (start, progress, differences,
explanations, rerun, report) and the two sign-offs.

Thin views: forms parse, ``onboarding.services_parallel`` writes, ``onboarding.selectors_parallel``
reads. Who may do what: reading needs HR write access or payroll or finance read access; starting,
explaining and rerunning need HR write or payroll submit access; signing needs the lead's role,
which the service checks.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from functools import cached_property
from typing import Any, ClassVar, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import FormView, TemplateView, View

from departments.roles import Scope
from departments.web import DepartmentPageMixin
from onboarding import selectors, selectors_parallel
from onboarding import services_parallel as services
from onboarding.forms_parallel import (
    DifferenceFilterForm,
    ExplainForm,
    ParallelRunStartForm,
    SignOffForm,
    WithdrawForm,
)
from onboarding.models import CutoverSignOff, ParallelRun, ParallelRunDifference
from onboarding.tasks import start_parallel_run
from shared_services.accounts.models import User
from shared_services.core.forms import add_service_errors

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
READ_SCOPES = (Scope.HR_WRITE, Scope.PAYROLL_READ, Scope.FINANCE_READ)
WRITE_SCOPES = (Scope.HR_WRITE, Scope.PAYROLL_SUBMIT)
PAGE_SIZE = 50


class _ScopesCheck:
    """After the department page base has found the caller's access: any one of ``allowed_scopes``."""

    allowed_scopes: ClassVar[tuple[str, ...]] = READ_SCOPES
    department_access: Any

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not any(self.department_access.allows(scope) for scope in self.allowed_scopes):
            raise PermissionDenied("This page needs HR, payroll or finance access.")
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc,no-any-return]


class CutoverPageMixin(DepartmentPageMixin, _ScopesCheck):
    required_scope = Scope.DEPARTMENT_READ
    kwargs: dict[str, Any]

    @property
    def acting_user(self) -> User:
        return cast(User, self.request.user)

    @property
    def can_write(self) -> bool:
        return any(self.department_access.allows(scope) for scope in WRITE_SCOPES)


class ParallelRunMixin(CutoverPageMixin):
    @cached_property
    def parallel_run(self) -> ParallelRun:
        run = selectors_parallel.parallel_run_get(department=self.department,
                                                  parallel_run_id=int(self.kwargs["parallel_run_id"]))
        if run is None:
            raise Http404("There is no parallel run with this number.")
        return run

    def back(self) -> HttpResponse:
        return redirect("onboarding:parallel-run", department_slug=self.department.slug,
                        parallel_run_id=self.parallel_run.pk)


class OnboardingOverviewView(CutoverPageMixin, TemplateView):
    template_name = "onboarding/overview.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        tasks = selectors_parallel.onboarding_overview(department=self.department)
        if not self.department_access.allows(Scope.HR_WRITE):
            # The import's own pages are HR's: others see those steps without a link they could not follow.
            tasks = [dataclasses.replace(task, url_name="") if task.url_name == "onboarding:jobs" else task
                     for task in tasks]
        context["tasks"] = tasks
        return context


class ParallelRunListView(CutoverPageMixin, TemplateView):
    template_name = "onboarding/parallel_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        runs = list(selectors_parallel.parallel_runs(department=self.department)[:50])
        context.update(runs=[(run, selectors_parallel.matched_share(run)) for run in runs], can_write=self.can_write)
        return context


class ParallelRunStartView(CutoverPageMixin, FormView):
    template_name = "onboarding/parallel_start.html"
    allowed_scopes = WRITE_SCOPES

    def get_form(self, form_class: Any = None) -> ParallelRunStartForm:
        return ParallelRunStartForm(**self.get_form_kwargs(), today=timezone.localdate(),
                                    mappings=selectors.import_mappings(department=self.department))

    def form_valid(self, form: ParallelRunStartForm) -> HttpResponse:  # type: ignore[override]
        upload = form.cleaned_data["upload"]
        try:
            run = services.parallel_run_start(
                department=self.department, period=services.period_from_text(form.cleaned_data["period"]),
                upload=upload, original_name=upload.name, mapping=form.chosen_mapping(),
                tolerance=form.cleaned_data.get("tolerance") or Decimal("0"), acting_user=self.acting_user)
            start_parallel_run(services.parallel_run_calculate(parallel_run=run, acting_user=self.acting_user),
                               acting_user=self.acting_user)
        except ValidationError as error:
            add_service_errors(form, error, aliases={"file": "upload", "schedule": "period", "status": "upload"})
            return self.form_invalid(form)
        return redirect("onboarding:parallel-run", department_slug=self.department.slug, parallel_run_id=run.pk)


class ParallelRunView(ParallelRunMixin, TemplateView):
    template_name = "onboarding/parallel_run.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        run = self.parallel_run
        context.update(run=run, can_write=self.can_write, finished=run.status in ParallelRun.FINISHED)
        if run.status != ParallelRun.Status.COMPARED:
            return context
        filters = DifferenceFilterForm(self.request.GET or None)
        chosen = filters.cleaned_data if filters.is_valid() else {}
        rows = selectors_parallel.differences(run=run, classification=chosen.get("classification", ""),
                                              resolution=chosen.get("resolution", ""),
                                              payroll_number=chosen.get("payroll_number", ""))
        page = Paginator(rows, PAGE_SIZE).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            summary=selectors_parallel.summary(run=run), bars=(bars := selectors_parallel.class_bars(run)),
            chart_height=len(bars) * selectors_parallel.BAR_PITCH,
            filters=filters if filters.is_bound else DifferenceFilterForm(), page=page, query=query.urlencode(),
            differences=[(difference, selectors_parallel.inputs_text(difference.inputs or {}),
                          selectors_parallel.FIGURE_LABELS.get(difference.figure, ""))
                         for difference in page.object_list],
            explain_form=kwargs.get("explain_form") or ExplainForm(),
            sign_offs=selectors_parallel.live_sign_offs(run=run))
        return context


class ParallelRunProgressView(ParallelRunMixin, TemplateView):
    """The progress panel alone, for the page to refresh while the shadow run is calculated."""

    template_name = "onboarding/parallel_progress.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["run"] = self.parallel_run
        return context

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        response = super().render_to_response(context, **kwargs)
        if self.parallel_run.status in ParallelRun.FINISHED:
            response["HX-Refresh"] = "true"  # htmx reloads the whole page once, to show the comparison
        return response


class ParallelRunExplainView(ParallelRunMixin, View):
    allowed_scopes = WRITE_SCOPES

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = ExplainForm(request.POST)
        if not form.is_valid():
            for texts in form.errors.values():
                for text in texts:
                    messages.error(request, str(text))
            return self.back()
        ids = list(form.cleaned_data["difference"])
        if form.cleaned_data["every_open_of_class"]:
            ids += list(selectors_parallel.differences(
                run=self.parallel_run, classification=form.cleaned_data["every_open_of_class"],
                resolution=ParallelRunDifference.Resolution.OPEN).values_list("pk", flat=True))
        try:
            count = services.parallel_run_differences_explain(parallel_run=self.parallel_run, difference_ids=ids,
                                                              note=form.cleaned_data["note"],
                                                              acting_user=self.acting_user)
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
            return self.back()
        messages.success(request, f"{count:,} difference{'s' if count != 1 else ''} marked explained.")
        return self.back()


class ParallelRunRerunView(ParallelRunMixin, View):
    allowed_scopes = WRITE_SCOPES

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            start_parallel_run(services.parallel_run_rerun(parallel_run=self.parallel_run,
                                                           acting_user=self.acting_user),
                               acting_user=self.acting_user)
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
        return self.back()


class ParallelRunReportView(ParallelRunMixin, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        run = self.parallel_run
        file_format = self.kwargs["file_format"]
        if file_format not in ("csv", "xlsx") or run.status != ParallelRun.Status.COMPARED:
            raise Http404("The report of a compared parallel run comes as .csv or .xlsx.")
        response: HttpResponseBase
        if file_format == "xlsx":
            response = HttpResponse(selectors_parallel.report_xlsx(run=run), content_type=XLSX_TYPE)
        else:
            response = StreamingHttpResponse(selectors_parallel.report_csv_lines(run=run),
                                             content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="parallel-run-{run.pk}.{file_format}"'
        return response


class ParallelRunSignOffView(ParallelRunMixin, FormView):
    template_name = "onboarding/parallel_sign_off.html"
    form_class = SignOffForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        run = self.parallel_run
        context.update(run=run, summary=selectors_parallel.summary(run=run) if run.status == "compared" else None,
                       sign_offs=selectors_parallel.live_sign_offs(run=run), withdraw_form=WithdrawForm(),
                       eligible={role: bool(self.department_access.roles & roles)
                                 and self.department_access.via == "membership"
                                 for role, roles in services.SIGN_OFF_ROLES.items()})
        return context

    def form_valid(self, form: SignOffForm) -> HttpResponse:  # type: ignore[override]
        try:
            services.cutover_sign_off(parallel_run=self.parallel_run, role=form.cleaned_data["role"],
                                      acting_user=self.acting_user, note=form.cleaned_data["note"])
        except ValidationError as error:
            add_service_errors(form, error, aliases={"status": "role"})
            return self.form_invalid(form)
        messages.success(self.request, "Your sign-off was recorded.")
        return redirect("onboarding:parallel-sign-off", department_slug=self.department.slug,
                        parallel_run_id=self.parallel_run.pk)


class CutoverSignOffWithdrawView(ParallelRunMixin, View):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        sign_off = next((item for item in selectors_parallel.live_sign_offs(run=self.parallel_run)
                         if item.pk == int(self.kwargs["sign_off_id"])), None)
        if sign_off is None:
            raise Http404("There is no such sign-off.")
        form = WithdrawForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError(list(form.errors["reason"]))
            services.cutover_sign_off_withdraw(sign_off=sign_off, acting_user=self.acting_user,
                                               reason=form.cleaned_data["reason"])
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
        else:
            messages.success(request, f"The {CutoverSignOff.Role(sign_off.role).label.lower()}'s sign-off was "
                                      "withdrawn.")
        return redirect("onboarding:parallel-sign-off", department_slug=self.department.slug,
                        parallel_run_id=self.parallel_run.pk)
