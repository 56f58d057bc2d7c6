"""HR pages: the employee list and record, starters, movers, leavers, and the organisation.

Thin views: they parse input with ``hr.forms``, read through ``hr.selectors``, write through
``hr.services`` and mask sensitive fields through ``hr.visibility``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from functools import cached_property
from typing import Any, cast
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.dates import MONTHS_3
from django.utils.http import RFC3986_SUBDELIMS
from django.views.generic import FormView, TemplateView

from departments.models import Department
from departments.roles import Role, Scope
from departments.selectors import DepartmentAccess
from departments.web import DepartmentPageMixin
from hr import selectors, selectors_absence, services
from hr.forms import (
    EmployeeFilterForm,
    EmployeeHireForm,
    EmployeeLeaveForm,
    EmploymentChangeForm,
    LeaveRequestForm,
)
from hr.models import Employee, Employment, LeaveRequest
from hr.visibility import (
    SENSITIVE_EMPLOYEE_FIELDS,
    SENSITIVE_EMPLOYMENT_FIELDS,
    masked,
    may_see_sensitive,
    visible,
)
from shared_services.accounts.models import User
from shared_services.core.forms import add_service_errors


def _shown(value: Any) -> Any:
    """A value as a page shows it: dates in words, money in pounds; masked values pass through."""
    if isinstance(value, datetime.date):
        return dateformat.format(value, "j F Y")
    if isinstance(value, Decimal):
        return f"£{value:,.2f}"
    return value


# What ``reverse()`` leaves unescaped in a path argument.
URL_SAFE = RFC3986_SUBDELIMS + "/~:@"


def _number(value: Decimal) -> str:
    """37.00 as "37" and 0.6000 as "0.6"."""
    return format(value.normalize(), "f")


class HrPageMixin:
    """What every HR page needs on top of ``DepartmentPageMixin``: who acts, and what they may see.

    It sets no ``required_scope``: each view states its own, beside ``DepartmentPageMixin`` first in
    its bases, so a base's default can never widen a page's access.
    """

    department: Department
    department_access: DepartmentAccess
    request: HttpRequest

    @property
    def acting_user(self) -> User:
        return cast(User, self.request.user)

    @property
    def sees_sensitive(self) -> bool:
        return may_see_sensitive(self.department_access.scopes)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]
        context.update(can_write=self.department_access.allows(Scope.HR_WRITE), sees_sensitive=self.sees_sensitive)
        return context

    def pay(self, employment: Employment | None) -> dict[str, Any]:
        """The employment's pay fields, masked for a caller without ``hr:sensitive``."""
        if employment is None:
            return {}
        data = visible({"annual_salary": employment.annual_salary, "pay_range_point": employment.pay_range_point},
                       scopes=self.department_access.scopes, sensitive=SENSITIVE_EMPLOYMENT_FIELDS)
        return {key: _shown(value) for key, value in data.items()}


class EmployeePageMixin(HrPageMixin):
    """A page about one employee, named by payroll number in the URL; 404 when there is none."""

    kwargs: dict[str, Any]

    @cached_property
    def employee(self) -> Employee:
        return selectors.employee_get(payroll_number=self.kwargs["payroll_number"])

    @cached_property
    def employment_now(self) -> Employment | None:
        """The version true today; for a leaver their last one, for a starter their first."""
        return selectors.employment_shown(employee=self.employee)

    def record_url(self) -> str:
        return reverse("hr:employee", kwargs={"department_slug": self.department.slug,
                                              "payroll_number": self.employee.payroll_number})

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(employee=self.employee, employment=self.employment_now,
                       employment_pay=self.pay(self.employment_now), record_url=self.record_url())
        return context


class EmployeeListView(DepartmentPageMixin, HrPageMixin, TemplateView):
    template_name = "hr/employee_list.html"
    required_scope = Scope.HR_READ
    page_size = 50

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = EmployeeFilterForm(self.request.GET)
        form.is_valid()
        filters = form.filters()
        listing = selectors.employee_list(on=timezone.localdate(), **filters)
        paginator: Paginator[tuple[Any, ...]] = Paginator(listing, self.page_size)
        page = paginator.get_page(self.request.GET.get("page"))
        context.update(
            form=form,
            status=filters["status"],
            page=page,
            rows=self.rows(listing.values_for(page.object_list),
                           leavers=filters["status"] == selectors.EmployeeStatus.LEAVERS),
            page_range=list(page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)),
            ellipsis=Paginator.ELLIPSIS,
            can_set_schemes=Role.HR_ADMIN in self.department_access.roles,
        )
        return context

    def rows(self, rows: list[dict[str, Any]], *, leavers: bool) -> list[dict[str, Any]]:
        """The rows with their links and dates ready to show: a page of them renders in a fraction
        of the time the template's ``{% url %}`` and ``|date`` take fifty times over."""
        marker = "payroll-number"
        link = reverse("hr:employee", kwargs={"department_slug": self.department.slug, "payroll_number": marker})
        before, _, after = link.rpartition(marker)
        months = [str(name).title() for name in MONTHS_3.values()]
        for row in rows:
            day = row["leave_date"] if leavers else row["start_date"]
            row["url"] = f"{before}{quote(row['payroll_number'], safe=URL_SAFE)}{after}"
            row["date"] = f"{day.day} {months[day.month - 1]} {day.year}" if day else ""
        return rows


class EmployeeRecordView(DepartmentPageMixin, EmployeePageMixin, TemplateView):
    template_name = "hr/employee_record.html"
    required_scope = Scope.HR_READ

    @cached_property
    def versions(self) -> list[Employment]:
        return list(selectors.employment_history(employee=self.employee))

    @cached_property
    def employment_now(self) -> Employment | None:
        """The version shown, found among the history the page lists anyway (one query fewer)."""
        on = selectors.employment_shown_on(employee=self.employee)
        return next((version for version in self.versions if version.covers(on)), None)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        employee, today = self.employee, timezone.localdate()
        personal = visible({name: getattr(employee, name) for name in (
            "date_of_birth", "ni_number", "bank_sort_code", "bank_account_number", "building_society_roll_number",
        )}, scopes=self.department_access.scopes, sensitive=SENSITIVE_EMPLOYEE_FIELDS)
        history = [
            {"version": version, "pay": self.pay(version),
             "status": "planned" if version.valid_from > today else ("current" if version.covers(today) else "past")}
            for version in self.versions
        ]
        sees_health = may_see_sensitive(self.department_access.scopes)
        context.update(
            personal={key: _shown(value) for key, value in personal.items()},
            history=history,
            leave_requests=selectors.leave_requests_of(employee=employee)[:20],
            sickness=[{"period": period, "reason": period.reason if sees_health else masked(period.reason)}
                      for period in selectors.sickness_periods_of(employee=employee)[:20]],
            has_left=employee.leave_date is not None and employee.leave_date < today,
            is_starting=employee.start_date > today,
            family_leaves=selectors_absence.family_leaves_of(employee=employee)[:20],
            family_allowances=selectors_absence.family_leave_allowances(employee=employee, on=today),
            sick_pay=selectors_absence.sick_pay_allowance_for(employee=employee, on=today),
            unpaid_absence=selectors_absence.unpaid_absence_of(employee=employee)[:20],
        )
        return context


class EmployeeHireView(DepartmentPageMixin, HrPageMixin, FormView):
    template_name = "hr/employee_hire.html"
    form_class = EmployeeHireForm
    required_scope = Scope.HR_WRITE

    def form_valid(self, form: EmployeeHireForm) -> HttpResponse:
        try:
            employee = services.employee_hire(
                department=self.department, personal=form.personal(), terms=form.terms(),
                acting_user=self.acting_user, salary_override_reason=form.cleaned_data["salary_override_reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error, aliases={"valid_from": "start_date"})
            return self.form_invalid(form)
        messages.success(self.request, f"{employee.display_name} has been added with payroll number "
                                       f"{employee.payroll_number}")
        return redirect("hr:employee", department_slug=self.department.slug, payroll_number=employee.payroll_number)


class EmploymentChangeView(DepartmentPageMixin, EmployeePageMixin, FormView):
    template_name = "hr/employment_change.html"
    form_class = EmploymentChangeForm
    required_scope = Scope.HR_WRITE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        now = self.employment_now
        if now is not None:
            manager = now.line_manager
            current = {
                "post_title": now.post_title,
                "organisation_unit": f"{now.organisation_unit.name} ({now.organisation_unit.code})",
                "grade": now.grade.code,
                "cost_centre": now.cost_centre.code,
                "location": now.get_location_display(),
                "annual_salary": context["employment_pay"]["annual_salary"],
                "fte": _number(now.fte),
                "contracted_hours": _number(now.contracted_hours),
                "working_pattern": now.working_pattern or "no set pattern",
                "contract_type": now.get_contract_type_display(),
                "line_manager": f"{manager.display_name} ({manager.payroll_number})" if manager else "none",
            }
            context["hints"] = {name: f"Now: {value}" for name, value in current.items()}
            context["hints"]["annual_salary"] = f"In pounds. {context['hints']['annual_salary']}"
            context["hints"]["line_manager"] = f"Their payroll number. {context['hints']['line_manager']}"
        return context

    def form_valid(self, form: EmploymentChangeForm) -> HttpResponse:
        effective_from = form.cleaned_data["effective_from"]
        try:
            services.employment_change(
                employee=self.employee, effective_from=effective_from, changes=form.changes(),
                acting_user=self.acting_user, reason=form.cleaned_data["reason"],
                salary_override_reason=form.cleaned_data["salary_override_reason"],
                when_period_locked=form.cleaned_data["when_period_locked"] or "refuse",
            )
        except ValidationError as error:
            add_service_errors(form, error, aliases={"valid_from": "effective_from"})
            return self.form_invalid(form)
        messages.success(self.request, f"The change to {self.employee.display_name}'s employment from "
                                       f"{_shown(effective_from)} has been saved")
        return redirect(self.record_url())


class EmployeeLeaveView(DepartmentPageMixin, EmployeePageMixin, FormView):
    template_name = "hr/employee_leave.html"
    form_class = EmployeeLeaveForm
    required_scope = Scope.HR_WRITE

    def form_valid(self, form: EmployeeLeaveForm) -> HttpResponse:
        leave_date = form.cleaned_data["leave_date"]
        try:
            services.employee_leave(employee=self.employee, leave_date=leave_date,
                                    reason=form.cleaned_data["leave_reason"], acting_user=self.acting_user)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{self.employee.display_name}'s last working day is recorded as "
                                       f"{_shown(leave_date)}")
        return redirect(self.record_url())


class SensitiveWriteRequiredMixin:
    """After ``DepartmentPageMixin``: a page that changes sensitive fields needs ``hr:sensitive`` too."""

    department_access: DepartmentAccess

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not self.department_access.allows(Scope.HR_SENSITIVE):
            raise PermissionDenied(f"This page needs the '{Scope.HR_SENSITIVE}' permission.")
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc, no-any-return]


class OrganisationView(DepartmentPageMixin, HrPageMixin, TemplateView):
    template_name = "hr/organisation.html"
    required_scope = Scope.HR_READ

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # Units come ordered by path, so a parent is always placed before its children.
        nodes: dict[int, dict[str, Any]] = {}
        roots: list[dict[str, Any]] = []
        for unit in selectors.organisation_units():
            node = {"unit": unit, "children": []}
            nodes[unit.pk] = node
            parent = nodes.get(unit.parent_id) if unit.parent_id else None
            (parent["children"] if parent else roots).append(node)
        ranges: dict[int, dict[str, str]] = {}
        for pay_range in selectors.pay_ranges():
            ranges.setdefault(pay_range.grade_id, {})[pay_range.location] = (
                f"{_shown(pay_range.minimum)} to {_shown(pay_range.maximum)}"
            )
        context.update(
            units=roots,
            grades=[{"grade": grade, "ranges": ranges.get(grade.pk, {})} for grade in selectors.grades()],
        )
        return context


class LeaveApprovalsView(DepartmentPageMixin, TemplateView):
    """A line manager's queue: their reports' leave requests waiting for a decision."""

    template_name = "hr/leave_approvals.html"
    required_scope = Scope.TEAM_READ

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["waiting"] = selectors.leave_requests_awaiting(manager_user_id=self.request.user.pk)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        waiting = selectors.leave_requests_awaiting(manager_user_id=request.user.pk)
        leave_request = waiting.filter(pk=request.POST.get("request", "")).first() if request.POST.get(
            "request", "").isdigit() else None
        decision = request.POST.get("decision")
        if leave_request is None or decision not in ("approve", "reject"):
            messages.error(request, "That request is not waiting for your decision any more.")
            return redirect("hr:leave-approvals", department_slug=self.department.slug)
        try:
            services.leave_request_decide(request=leave_request, approve=decision == "approve",
                                          acting_user=cast(User, request.user))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            verb = "Approved" if decision == "approve" else "Rejected"
            messages.success(request, f"{verb}: {leave_request.employee.display_name}, "
                                      f"{_shown(leave_request.start_date)} to {_shown(leave_request.end_date)}.")
        return redirect("hr:leave-approvals", department_slug=self.department.slug)


# --- Self-service and line managers ---------------------------------------------------------------

class OwnRecordMixin(HrPageMixin):
    """A page about the signed-in person's own employee record; it may be missing (an account not
    linked to a record yet), which the page explains rather than failing."""

    @cached_property
    def own_record(self) -> Employee | None:
        return selectors.employee_of_user(user_id=self.acting_user.pk)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["own_record"] = self.own_record
        return context


CANCELLABLE = (LeaveRequest.Status.PENDING, LeaveRequest.Status.APPROVED)


class MyLeaveView(DepartmentPageMixin, OwnRecordMixin, TemplateView):
    """An employee's own leave: balances for the leave year, requests, and withdrawing one."""

    template_name = "hr/my_leave.html"
    required_scope = Scope.SELF_SERVICE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if self.own_record is None:
            return context
        today = timezone.localdate()
        context.update(
            balances=services.leave_balances_refresh(employee=self.own_record, on=today),
            requests=[{"leave": leave, "can_cancel": leave.status in CANCELLABLE and leave.start_date > today}
                      for leave in selectors.leave_requests_of(employee=self.own_record)[:50]],
            family_leaves=selectors_absence.family_leaves_of(employee=self.own_record)[:50],
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        chosen = request.POST.get("request", "")
        leave = (selectors.leave_requests_of(employee=self.own_record).filter(pk=chosen).first()
                 if self.own_record is not None and chosen.isdigit() else None)
        if leave is None:
            messages.error(request, "That leave request was not found among yours.")
        else:
            try:
                services.leave_request_cancel(request=leave, acting_user=self.acting_user, as_employee=True)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, f"Cancelled: {leave.leave_type.name}, {_shown(leave.start_date)} "
                                          f"to {_shown(leave.end_date)}.")
        return redirect("hr:my-leave", department_slug=self.department.slug)


class MyLeaveRequestView(DepartmentPageMixin, OwnRecordMixin, FormView):
    template_name = "hr/my_leave_request.html"
    form_class = LeaveRequestForm
    required_scope = Scope.SELF_SERVICE

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.own_record is None:
            return redirect("hr:my-leave", department_slug=self.department.slug)
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.own_record is None:
            return redirect("hr:my-leave", department_slug=self.department.slug)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: LeaveRequestForm) -> HttpResponse:
        assert self.own_record is not None
        data = form.cleaned_data
        try:
            services.leave_request_create(employee=self.own_record, leave_type=data["leave_type"],
                                          start_date=data["start_date"], end_date=data["end_date"],
                                          hours=data["hours"], reason=data["reason"], acting_user=self.acting_user)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Your request for {data['leave_type'].name} from {_shown(data['start_date'])} "
                                       f"to {_shown(data['end_date'])} is waiting for your line manager.")
        return redirect("hr:my-leave", department_slug=self.department.slug)


class TeamView(DepartmentPageMixin, OwnRecordMixin, TemplateView):
    """A line manager's direct reports: post, grade, team, who is away, and leave coming up.
    Sensitive fields (salary, NI number, bank, date of birth, health) are not on this page."""

    template_name = "hr/team.html"
    required_scope = Scope.TEAM_READ

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if self.own_record is None:
            return context
        today = timezone.localdate()
        reports = list(selectors.direct_reports(manager=self.own_record, on=today))
        ids = [row.employee_id for row in reports]
        ahead: dict[int, list[LeaveRequest]] = {}
        for leave in selectors.leave_ahead(employee_ids=ids, on=today):
            ahead.setdefault(leave.employee_id, []).append(leave)
        sick = selectors.off_sick_on(employee_ids=ids, on=today)
        members = []
        for row in reports:
            upcoming = ahead.get(row.employee_id, [])
            on_leave = any(leave.status == LeaveRequest.Status.APPROVED and leave.start_date <= today
                           for leave in upcoming)
            members.append({
                "employment": row, "employee": row.employee, "upcoming": upcoming[:3],
                "away": "Off sick" if row.employee_id in sick else ("On leave" if on_leave else ""),
                "waiting": sum(1 for leave in upcoming if leave.status == LeaveRequest.Status.PENDING),
            })
        context["members"] = members
        return context
