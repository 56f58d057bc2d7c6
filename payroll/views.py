"""Payroll pages: pay runs from start to finalised, their payslips, downloads, and employees' own
payslips. Thin: they read through ``payroll.selectors`` and write through ``payroll.services``."""

from __future__ import annotations

import datetime
from functools import cached_property
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, TemplateView

from departments.roles import Scope
from departments.web import DepartmentPageMixin
from hr import selectors as hr_selectors
from hr.selectors import employee_of_user
from payroll import downloads, selectors, selectors_review, selectors_year_end, services
from payroll.forms import MoveEmployeesForm, PayInputForm, PayInputUploadForm, PayScheduleForm
from payroll.models import PayRun, PaySchedule, Payslip
from payroll.periods import PeriodError
from payroll.steps import STEPS, steps_from
from payroll.tasks import take_step
from payroll.views_bank_changes import BankChangesMixin
from shared_services.accounts.models import User
from shared_services.accounts.step_up import step_up_is_fresh, step_up_redirect
from shared_services.core.forms import add_service_errors

MAX_INPUT_UPLOAD_BYTES = 10_000_000
# Approving and finalising release pay: they ask for a recent second factor (API tokens do not step up).
STEPS_NEEDING_STEP_UP = frozenset({"approve", "finalise"})



def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


class PayRunListView(DepartmentPageMixin, TemplateView):
    template_name = "payroll/runs.html"
    required_scope = Scope.PAYROLL_READ

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(runs=selectors.pay_runs()[:36], schedules=selectors.pay_schedules(),
                       can_submit=self.department_access.allows(Scope.PAYROLL_SUBMIT),
                       this_month=timezone.localdate().replace(day=1))
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.department_access.allows(Scope.PAYROLL_SUBMIT):
            raise PermissionDenied("Starting a pay run needs the payroll:submit permission.")
        schedule = selectors.pay_schedules().filter(pk=request.POST.get("schedule", "0") or "0").first() \
            if request.POST.get("schedule", "").isdigit() else None
        month = _period_containing(request.POST.get("month", ""))
        if schedule is None or month is None:
            messages.error(request, "Choose a pay schedule, and a month (like 2026-04) or a day in the pay period "
                                    "(like 2026-04-17) for the run.")
            return redirect("payroll:runs", department_slug=self.department.slug)
        try:
            kind = request.POST.get("kind", PayRun.Kind.REGULAR)
            if kind not in PayRun.Kind.values:
                kind = PayRun.Kind.REGULAR
            run = services.pay_run_create(schedule=schedule, period_containing=month, acting_user=_user(request),
                                          kind=kind)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("payroll:runs", department_slug=self.department.slug)
        return redirect("payroll:run", department_slug=self.department.slug, run_id=run.pk)


class PayRunMixin:
    kwargs: dict[str, Any]

    @cached_property
    def run(self) -> PayRun:
        return selectors.pay_run_get(run_id=self.kwargs["run_id"])


class PayRunView(DepartmentPageMixin, BankChangesMixin, PayRunMixin, TemplateView):
    """A run: its figures, steps, its review's exceptions by kind (the rows on the review page),
    unpaid net pay once approved, recent bank details changes (a POST acknowledges
    flagged changes, ``BankChangesMixin``), variance and payslips."""

    template_name = "payroll/run.html"
    required_scope = Scope.PAYROLL_READ

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        run = self.run
        payslips = selectors.payslips_of_run(run=run)
        totals = selectors.pay_run_totals(run=run)
        actions = [(step.name, step.label) for step in steps_from(run.status, kind=run.kind)
                   if self.department_access.allows(step.scope)
                   and (step.name != "recalculate-failed" or run.employees_failed)]
        variance = selectors.pay_run_variance(run=run) if run.kind == PayRun.Kind.REGULAR and run.status in (
            PayRun.Status.CALCULATED, PayRun.Status.APPROVED, PayRun.Status.FINALISED) else None
        stall = selectors.pay_run_stall(
            run=run, stalled_after=datetime.timedelta(seconds=settings.PAYROLL_STALLED_AFTER_SECONDS),
            most_automatic=settings.PAYROLL_AUTOMATIC_RESUMES_MAX)
        review = selectors_review.pay_run_review(run=run)
        unpaid = selectors_review.pay_run_unpaid_net_pay(run=run) if run.status in (
            PayRun.Status.APPROVED, PayRun.Status.FINALISED) else None
        context.update(run=run, totals=totals, actions=actions, variance=variance, stall=stall, review=review,
                       unpaid=unpaid, page=Paginator(payslips, 50).get_page(self.request.GET.get("page")))
        return context


class PayRunProgressView(DepartmentPageMixin, PayRunMixin, View):
    """The calculation's progress, polled by the run page while it calculates."""

    required_scope = Scope.PAYROLL_READ

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        run = self.run
        return JsonResponse({"status": run.status, "total": run.employees_total,
                             "done": run.employees_calculated + run.employees_failed,
                             "failed": run.employees_failed})


class PayRunActionView(DepartmentPageMixin, PayRunMixin, View):
    required_scope = Scope.PAYROLL_READ

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        action = kwargs["action"]
        step = STEPS.get(action)
        if step is None:
            raise Http404("There is no such step for a pay run.")
        if not self.department_access.allows(step.scope):
            raise PermissionDenied(f"This step needs the '{step.scope}' permission.")
        run = self.run
        if step.name in STEPS_NEEDING_STEP_UP and not step_up_is_fresh(request):
            return step_up_redirect(request, next_url=reverse(
                "payroll:run", kwargs={"department_slug": self.department.slug, "run_id": run.pk}))
        if step.irreversible:
            # Only the confirmation page, which says what will happen, takes a step that cannot be undone.
            messages.error(request, f"Confirm that you want to {step.label[0].lower()}{step.label[1:]} on this page "
                                    "first: it cannot be undone.")
            return redirect("payroll:run-confirm", department_slug=self.department.slug, run_id=run.pk,
                            action=step.name)
        try:
            take_step(step.name, run=run, acting_user=_user(request), reason=request.POST.get("reason", ""))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, step.done)
        return redirect("payroll:run", department_slug=self.department.slug, run_id=run.pk)


class PayRunDownloadView(DepartmentPageMixin, PayRunMixin, View):
    required_scope = Scope.PAYROLL_READ

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = downloads.run_file_response(run=self.run, department_slug=self.department.slug,
                                               what=kwargs["what"])
        if response is None:
            raise Http404("There is no such download, or the Bacs file is not written yet (it is at finalising).")
        return response


class PayslipMixin:
    """A payslip page: payroll staff see any calculated payslip; an employee only their own,
    once its run is finalised."""

    kwargs: dict[str, Any]
    request: HttpRequest
    department: Any
    department_access: Any

    @cached_property
    def payslip(self) -> Payslip:
        payslip = selectors.payslip_get(run_id=self.kwargs["run_id"], payslip_id=self.kwargs["payslip_id"])
        if payslip.status != Payslip.Status.CALCULATED:
            raise Http404("There is no payslip at this address.")
        if not self.department_access.allows(Scope.PAYROLL_READ):
            own = employee_of_user(user_id=self.request.user.pk)  # type: ignore[arg-type]
            if own is None or own.pk != payslip.employee_id or payslip.run.status != PayRun.Status.FINALISED:
                raise Http404("There is no payslip at this address.")
        return payslip


class PayslipView(DepartmentPageMixin, PayslipMixin, TemplateView):
    template_name = "payroll/payslip.html"
    required_scope = Scope.DEPARTMENT_READ  # PayslipMixin decides whose: payroll readers any, others their own

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(payslip=self.payslip,
                       document=downloads.payslip_document_for(self.payslip, self.department.name),
                       pdf_url=reverse("payroll:payslip-pdf", kwargs={
                           "department_slug": self.department.slug, "run_id": self.payslip.run_id,
                           "payslip_id": self.payslip.pk}))
        return context


class PayslipPdfView(DepartmentPageMixin, PayslipMixin, View):
    required_scope = Scope.DEPARTMENT_READ

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return downloads.payslip_pdf_response(self.payslip, self.department.name)


class MyPayslipsView(DepartmentPageMixin, TemplateView):
    template_name = "payroll/my_payslips.html"
    required_scope = Scope.SELF_SERVICE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        own = employee_of_user(user_id=_user(self.request).pk)
        context.update(own_record=own,
                       payslips=selectors.published_payslips_of(employee_id=own.pk)[:36] if own else [],
                       p60_years=selectors_year_end.p60_years_of(employee_id=own.pk) if own else [])
        return context


# --- Pay schedules and who is on them ------------------------------------------------------

class PayScheduleListView(DepartmentPageMixin, TemplateView):
    template_name = "payroll/schedules.html"
    required_scope = Scope.PAYROLL_READ

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        counts = selectors.pay_schedule_headcounts()
        context.update(schedules=[(schedule, counts.get(schedule.pk, 0)) for schedule in selectors.pay_schedules()],
                       can_submit=self.department_access.allows(Scope.PAYROLL_SUBMIT))
        return context


class PayScheduleCreateView(DepartmentPageMixin, FormView):
    template_name = "payroll/schedule_form.html"
    form_class = PayScheduleForm
    required_scope = Scope.PAYROLL_SUBMIT

    def form_valid(self, form: PayScheduleForm) -> HttpResponse:
        try:
            schedule = services.pay_schedule_create(department=self.department, acting_user=_user(self.request),
                                                    **form.service_arguments())
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"The pay schedule {schedule.name} has been added")
        return redirect("payroll:schedule", department_slug=self.department.slug, schedule_id=schedule.pk)


class PayScheduleMixin:
    kwargs: dict[str, Any]

    @cached_property
    def schedule(self) -> PaySchedule:
        return selectors.pay_schedule_get(schedule_id=self.kwargs["schedule_id"])


class PayScheduleView(DepartmentPageMixin, PayScheduleMixin, FormView):
    """A schedule, the employees moved onto it, and the form that moves more."""

    template_name = "payroll/schedule.html"
    form_class = MoveEmployeesForm
    required_scope = Scope.PAYROLL_READ

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        schedule = self.schedule
        context.update(schedule=schedule, headcount=selectors.pay_schedule_headcounts().get(schedule.pk, 0),
                       can_submit=self.department_access.allows(Scope.PAYROLL_SUBMIT),
                       this_period=timezone.localdate(),
                       page=Paginator(selectors.pay_schedule_members(schedule=schedule), 50).get_page(
                           self.request.GET.get("page")))
        return context

    def form_valid(self, form: MoveEmployeesForm) -> HttpResponse:
        if not self.department_access.allows(Scope.PAYROLL_SUBMIT):
            raise PermissionDenied("Moving employees between schedules needs the payroll:submit permission.")
        try:
            moved = services.pay_schedule_members_move(schedule=self.schedule, acting_user=_user(self.request),
                                                       payroll_numbers=form.cleaned_data["payroll_numbers"])
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{moved} employee{'' if moved == 1 else 's'} moved onto {self.schedule.name}")
        return redirect("payroll:schedule", department_slug=self.department.slug, schedule_id=self.schedule.pk)


def _period_containing(raw: str) -> datetime.date | None:
    """A day typed as YYYY-MM-DD, or a month as YYYY-MM (its first day)."""
    raw = raw.strip()
    try:
        return datetime.date.fromisoformat(raw if len(raw) > 7 else raw + "-01")
    except ValueError:
        return None


class PayInputsView(DepartmentPageMixin, PayScheduleMixin, FormView):
    """A period's payments and deductions for one schedule: the list, one typed in, or a CSV file."""

    template_name = "payroll/inputs.html"
    form_class = PayInputForm
    required_scope = Scope.PAYROLL_READ

    @cached_property
    def period(self) -> Any:
        day = _period_containing(self.request.GET.get("period", "")) or timezone.localdate()
        try:
            return selectors.period_of(self.schedule, day)
        except PeriodError:
            return selectors.period_of(self.schedule, timezone.localdate())

    def _here(self) -> str:
        return (reverse("payroll:inputs", kwargs={"department_slug": self.department.slug,
                                                   "schedule_id": self.schedule.pk})
                + f"?period={self.period.start.isoformat()}")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        period, schedule = self.period, self.schedule
        inputs = selectors.pay_inputs_of_period(schedule=schedule, period_start=period.start)
        context.update(schedule=schedule, period=period, here=self._here(),
                       previous_period=period.start - datetime.timedelta(days=1),
                       next_period=period.end + datetime.timedelta(days=1),
                       page_query=f"&period={period.start.isoformat()}",
                       locked=selectors.period_is_locked(schedule=schedule, day=period.start),
                       can_submit=self.department_access.allows(Scope.PAYROLL_SUBMIT),
                       upload_form=kwargs.get("upload_form") or PayInputUploadForm(),
                       upload_errors=kwargs.get("upload_errors", []),
                       columns=services.PAY_INPUT_COLUMNS,
                       total=inputs.aggregate(total=Sum("amount"))["total"],
                       page=Paginator(inputs, 100).get_page(self.request.GET.get("page")))
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.department_access.allows(Scope.PAYROLL_SUBMIT):
            raise PermissionDenied("Entering payroll inputs needs the payroll:submit permission.")
        if "file" in request.FILES or request.POST.get("upload"):
            return self._upload()
        return super().post(request, *args, **kwargs)

    def _upload(self) -> HttpResponse:
        form = PayInputUploadForm(self.request.POST, self.request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=PayInputForm(), upload_form=form))
        upload = form.cleaned_data["file"]
        if upload.size > MAX_INPUT_UPLOAD_BYTES:
            form.add_error("file", f"The file must be smaller than {MAX_INPUT_UPLOAD_BYTES // 1_000_000} MB")
            return self.render_to_response(self.get_context_data(form=PayInputForm(), upload_form=form))
        try:
            added = services.pay_inputs_import(schedule=self.schedule, period_containing=self.period.start,
                                               content=upload.read(), acting_user=_user(self.request),
                                               source_name=upload.name or "")
        except services.PayInputImportError as error:
            form.add_error("file", f"The file was not loaded: {len(error.row_errors)} problem"
                                   f"{'' if len(error.row_errors) == 1 else 's'} to fix, listed below")
            return self.render_to_response(self.get_context_data(form=PayInputForm(), upload_form=form,
                                                                 upload_errors=error.row_errors[:500]))
        except ValidationError as error:
            form.add_error("file", " ".join(error.messages))
            return self.render_to_response(self.get_context_data(form=PayInputForm(), upload_form=form))
        messages.success(self.request, f"{added} input{'' if added == 1 else 's'} added from {upload.name}")
        return redirect(self._here())

    def form_valid(self, form: PayInputForm) -> HttpResponse:
        data = form.cleaned_data
        employee = hr_selectors.employee_find(payroll_number=data["payroll_number"].strip())
        if employee is None:
            form.add_error("payroll_number", "No employee has this payroll number")
            return self.form_invalid(form)
        try:
            services.pay_input_add(employee=employee, schedule=self.schedule, period_containing=self.period.start,
                                   code=data["code"], description=data["description"], kind=data["kind"],
                                   amount=data["amount"], hours=data["hours"], rate=data["hourly_rate"],
                                   pensionable=data["pensionable"] == "yes", acting_user=_user(self.request))
        except ValidationError as error:
            add_service_errors(form, error, aliases={"rate": "hourly_rate"})
            return self.form_invalid(form)
        messages.success(self.request, f"{data['code'].upper()} added for {employee.first_name} {employee.last_name}")
        return redirect(self._here())
