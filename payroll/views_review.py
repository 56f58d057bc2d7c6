"""A pay run's review before approval, as pages: exceptions grouped by kind with counts, filtered
and paged; advisory ones acknowledged in bulk with a note; a blocking one's payment route decided
(held, or paid by hand); and the confirmation asked before a step that cannot be undone."""

from __future__ import annotations

from functools import cached_property
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.views.generic import TemplateView

from departments.roles import Scope
from departments.web import DepartmentPageMixin
from hr.models import Employee
from payroll import selectors, selectors_review, services
from payroll.forms import ExceptionsAcknowledgeForm, PaymentRouteForm, StepConfirmForm
from payroll.models import PayRun, PayRunException, PayRunPaymentRoute, Payslip
from payroll.review_kinds import BLOCKING_CODES, review_kind
from payroll.selectors_review import OPEN, STATES, exception_state
from payroll.services.review import REVIEW_SCOPES
from payroll.steps import STEPS
from payroll.tasks import take_step
from payroll.views import STEPS_NEEDING_STEP_UP
from shared_services.accounts.models import User
from shared_services.accounts.step_up import step_up_is_fresh, step_up_redirect
from shared_services.core.forms import add_service_errors

PER_PAGE = 25


class _RunPage(DepartmentPageMixin):
    kwargs: dict[str, Any]
    request: HttpRequest

    @cached_property
    def run(self) -> PayRun:
        return selectors.pay_run_get(run_id=self.kwargs["run_id"])

    def run_url(self) -> str:
        return reverse("payroll:run", kwargs={"department_slug": self.department.slug, "run_id": self.run.pk})

    def may_settle(self) -> bool:
        return (any(self.department_access.allows(scope) for scope in REVIEW_SCOPES)
                and self.run.status == PayRun.Status.CALCULATED and self.run.kind != PayRun.Kind.SHADOW)

    def _require_settle(self) -> None:
        if not any(self.department_access.allows(scope) for scope in REVIEW_SCOPES):
            raise PermissionDenied("Settling a pay run's review needs the payroll:submit or payroll:approve "
                                   "permission.")


class PayRunReviewView(_RunPage, TemplateView):
    """The run's exceptions: kinds with counts (blocking first), the rows of the chosen kind and
    state a page at a time, each with who acknowledged it or how the pay goes out; a POST
    acknowledges the ticked rows, or the whole kind, with a note."""

    template_name = "payroll/review/review.html"
    required_scope = Scope.PAYROLL_READ

    @cached_property
    def kind(self) -> str:
        code = self.request.GET.get("kind", "")
        return code if code and selectors_review.pay_run_review(run=self.run).get(code) else ""

    @cached_property
    def state(self) -> str:
        state = self.request.GET.get("state", "")
        return state if state in STATES else ""

    @cached_property
    def rows(self) -> Page:
        rows = selectors_review.pay_run_review_rows(run=self.run, code=self.kind, state=self.state)
        return Paginator(rows, PER_PAGE).get_page(self.request.GET.get("page"))

    def _form(self, data: Any = None) -> ExceptionsAcknowledgeForm:
        choices = [(row.pk, str(row.pk)) for row in self.rows.object_list
                   if row.code not in BLOCKING_CODES and exception_state(row) == OPEN]
        kind = self.kind if self.kind and not review_kind(self.kind).blocking else ""
        return ExceptionsAcknowledgeForm(data, choices=choices, kind=kind)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        run, page = self.run, self.rows
        review = selectors_review.pay_run_review(run=run)
        routes = selectors_review.payment_routes_of(run=run, employee_ids=[row.employee_id for row in page])  # type: ignore[attr-defined]
        form = kwargs.get("form") or self._form()
        rows = [_row(row, routes, form) for row in page.object_list]
        chosen = review.get(self.kind) if self.kind else None
        may_settle = self.may_settle()
        query = {key: value for key, value in (("kind", self.kind), ("state", self.state)) if value}
        context.update(run=run, review=review, kind=chosen, state=self.state, states=STATES, page=page, rows=rows,
                       form=form, may_settle=may_settle, run_url=self.run_url(),
                       can_acknowledge=may_settle and any(item["selectable"] for item in rows),
                       can_acknowledge_kind=may_settle and chosen is not None and not chosen.kind.blocking
                       and chosen.open > 0,
                       page_query=f"&{urlencode(query)}" if query else "")
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self._require_settle()
        form = self._form(request.POST)
        if form.is_valid():
            try:
                count = services.pay_run_exceptions_acknowledge(
                    run=self.run, acting_user=cast(User, request.user), note=form.cleaned_data["note"],
                    codes=form.cleaned_data["codes"], exception_ids=form.cleaned_data["exceptions"])
            except ValidationError as error:
                add_service_errors(form, error, aliases={"exception_ids": "exceptions", "codes": "exceptions"})
            else:
                messages.success(request, f"{count} exception{' is' if count == 1 else 's are'} acknowledged")
                # Back to the kind as a whole, so the acknowledgements just given are in view.
                return redirect(request.path + (f"?{urlencode({'kind': self.kind})}" if self.kind else ""))
        return self.render_to_response(self.get_context_data(form=form))


def _row(row: PayRunException, routes: dict[int, PayRunPaymentRoute],
         form: ExceptionsAcknowledgeForm) -> dict[str, Any]:
    selectable = {value for value, _ in form.fields["exceptions"].choices}  # type: ignore[attr-defined]
    return {"row": row, "kind": review_kind(row.code), "state": exception_state(row),
            "route": routes.get(row.employee_id),  # type: ignore[attr-defined]
            "selectable": row.pk in selectable,
            "checked": str(row.pk) in (form["exceptions"].value() or []) if form.is_bound else False}


class PayRunPaymentRouteView(_RunPage, TemplateView):
    """How one employee's net pay goes out when the Bacs file cannot pay it: held, or paid by hand
    with a reference; or the route withdrawn."""

    template_name = "payroll/review/payment_route.html"
    required_scope = Scope.PAYROLL_READ

    @cached_property
    def employee(self) -> Employee:
        employee = selectors_review.routable_employee(run=self.run, employee_id=self.kwargs["employee_id"])
        if employee is None:
            raise Http404("This run has no exception for that employee that a payment route settles.")
        return employee

    def review_url(self) -> str:
        return reverse("payroll:run-review", kwargs={"department_slug": self.department.slug, "run_id": self.run.pk})

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        run, employee = self.run, self.employee
        route = selectors_review.payment_route_get(run=run, employee_id=employee.pk)
        initial = {"route": route.route, "reference": route.reference, "note": route.note} if route else {}
        context.update(run=run, employee=employee, route=route, review_url=self.review_url(),
                       form=kwargs.get("form") or PaymentRouteForm(initial=initial),
                       may_settle=self.may_settle(),
                       payslip=Payslip.objects.filter(run=run, employee=employee).first(),
                       exceptions=[(review_kind(row.code), row) for row in
                                   selectors_review.pay_run_review_rows(run=run).filter(employee=employee)])
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self._require_settle()
        employee, user = self.employee, cast(User, request.user)
        if request.POST.get("clear"):
            try:
                services.pay_run_payment_route_clear(run=self.run, employee_id=employee.pk, acting_user=user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, f"The payment route for {employee.display_name} is withdrawn")
            return redirect(self.review_url() + f"?kind={_first_routable(self.run, employee)}")
        form = PaymentRouteForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.pay_run_payment_route_set(run=self.run, employee_id=employee.pk, route=data["route"],
                                                   note=data["note"], reference=data["reference"], acting_user=user)
            except ValidationError as error:
                add_service_errors(form, error, aliases={"employee_id": "route"})
            else:
                what = "held" if data["route"] == "hold" else "paid by hand"
                messages.success(request, f"{employee.display_name}'s net pay is {what}: it is left out of the "
                                          "Bacs file")
                return redirect(self.review_url() + f"?kind={_first_routable(self.run, employee)}")
        return self.render_to_response(self.get_context_data(form=form))


def _first_routable(run: PayRun, employee: Employee) -> str:
    row = selectors_review.pay_run_review_rows(run=run).filter(employee=employee, code__in=sorted(BLOCKING_CODES)) \
        .first()
    return row.code if row else ""


class PayRunConfirmView(_RunPage, TemplateView):
    """Says what a step that cannot be undone will do (finalising: payslips published, the Bacs file
    and its total, the journal, the FPS to HMRC, the net pay not paid by Bacs; cancelling: the run
    ends for good) and takes it only from its confirm button."""

    template_name = "payroll/review/confirm.html"
    required_scope = Scope.PAYROLL_READ

    @cached_property
    def step(self) -> Any:
        step = STEPS.get(self.kwargs["action"])
        if step is None or not step.irreversible:
            raise Http404("There is no such step to confirm for a pay run.")
        if not self.department_access.allows(step.scope):
            raise PermissionDenied(f"This step needs the '{step.scope}' permission.")
        return step

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        run, step = self.run, self.step
        allowed = run.status in step.allowed_from
        context.update(run=run, step=step, allowed=allowed, run_url=self.run_url(),
                       form=kwargs.get("form") or StepConfirmForm(),
                       preview=selectors_review.pay_run_finalise_preview(run=run)
                       if step.name == "finalise" and allowed else None)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        step, run = self.step, self.run
        here = reverse("payroll:run-confirm", kwargs={"department_slug": self.department.slug, "run_id": run.pk,
                                                       "action": step.name})
        form = StepConfirmForm(request.POST)
        if request.POST.get("confirmed") != "yes":
            form.is_valid()
            form.add_error(None, "Use the confirm button to go ahead: nothing was done")
            return self.render_to_response(self.get_context_data(form=form))
        if step.name in STEPS_NEEDING_STEP_UP and not step_up_is_fresh(request):
            return step_up_redirect(request, next_url=here)
        if form.is_valid():
            try:
                take_step(step.name, run=run, acting_user=cast(User, request.user),
                          reason=form.cleaned_data["reason"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, step.done)
                return redirect(self.run_url())
        return self.render_to_response(self.get_context_data(form=form))
