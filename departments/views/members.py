"""People with access to a department: HR admins grant, change and end roles, decide requests that a
conflicting pair of roles needs, and declare those pairs."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import TemplateView

from departments import selectors, services
from departments.forms import ReasonForm, RoleChangeForm, RoleConflictForm, RoleGrantForm
from departments.models import DepartmentMembership, MembershipRequest, RoleConflict
from departments.roles import Role, Scope
from departments.web import DepartmentPageMixin
from shared_services.accounts.models import User
from shared_services.core.forms import add_service_errors

__all__ = ["DepartmentMembersView", "MembershipChangeView", "MembershipEndView", "MembershipRequestView",
           "RoleConflictAddView", "RoleConflictRemoveView"]


class DepartmentMembersView(DepartmentPageMixin, TemplateView):
    """Who holds which role, from when to when and why; current conflicts; requests waiting for a second
    HR admin; the declared conflicting pairs; and, for HR admins, the grant form (posted here)."""

    template_name = "departments/members.html"
    required_scope = Scope.MEMBERS_READ

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        department = self.department
        can_manage = self.department_access.allows(Scope.MEMBERS_MANAGE)
        grant_form = kwargs.get("grant_form") or RoleGrantForm()
        conflict_form = kwargs.get("conflict_form") or RoleConflictForm(prefix="conflict")
        context.update(
            members=selectors.department_roles_granted(department=department),
            operators=selectors.department_operators(department=department),
            held_conflicts=selectors.role_conflicts_held(department=department),
            role_conflicts=selectors.department_role_conflicts(department=department),
            requests=selectors.membership_requests_pending(department=department),
            can_manage=can_manage,
            grant_form=grant_form,
            conflict_form=conflict_form,
            # The error summary names the form that was just sent.
            form=kwargs.get("conflict_form") or grant_form,
            today=timezone.localdate(),
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _require_manage(self)
        form = RoleGrantForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                outcome = services.role_grant(department=self.department, email=data["email"], role=data["role"],
                                              valid_from=data["valid_from"], valid_to=data["valid_to"],
                                              reason=data["reason"], acting_user=_person(request))
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _granted_message(outcome))
                return redirect("departments:members", department_slug=self.department.slug)
        return self.render_to_response(self.get_context_data(grant_form=form))


def _person(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _require_manage(view: DepartmentPageMixin) -> None:
    if not view.department_access.allows(Scope.MEMBERS_MANAGE):
        raise PermissionDenied(f"This needs the '{Scope.MEMBERS_MANAGE}' permission.")


def _granted_message(outcome: DepartmentMembership | MembershipRequest) -> str:
    name, role = outcome.user.get_full_name(), Role(outcome.role).label
    if isinstance(outcome, MembershipRequest):
        return (f"{name} already has the {Role(outcome.conflicts_with).label} role, which conflicts with "
                f"{role}. The grant is waiting for another HR admin's approval.")
    return f"{name} now has the {role} role."


class _MembershipFormView(DepartmentPageMixin, TemplateView):
    """A form about one granted role of this department (404 for any other)."""

    required_scope = Scope.MEMBERS_MANAGE
    membership: DepartmentMembership

    def _membership(self) -> DepartmentMembership:
        membership = selectors.membership_get(department=self.department,
                                              membership_id=int(self.kwargs["membership_id"]))
        if membership is None:
            raise Http404("This department has no such role.")
        return membership

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("membership", self._membership())
        return context


class MembershipEndView(_MembershipFormView):
    template_name = "departments/member_end.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=ReasonForm()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        membership = self._membership()
        form = ReasonForm(request.POST)
        if form.is_valid():
            try:
                services.membership_revoke(membership=membership, reason=form.cleaned_data["reason"],
                                           acting_user=_person(request))
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"{membership.user.get_full_name()} no longer has the "
                                          f"{membership.get_role_display()} role.")
                return redirect("departments:members", department_slug=self.department.slug)
        return self.render_to_response(self.get_context_data(form=form, membership=membership))


class MembershipChangeView(_MembershipFormView):
    template_name = "departments/member_change.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        membership = self._membership()
        form = RoleChangeForm(initial={"valid_from": membership.valid_from, "valid_to": membership.valid_to})
        return self.render_to_response(self.get_context_data(form=form, membership=membership))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        membership = self._membership()
        form = RoleChangeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.membership_change(membership=membership, valid_from=data["valid_from"],
                                           valid_to=data["valid_to"], reason=data["reason"],
                                           acting_user=_person(request))
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"The dates of {membership.user.get_full_name()}'s "
                                          f"{membership.get_role_display()} role were changed.")
                return redirect("departments:members", department_slug=self.department.slug)
        return self.render_to_response(self.get_context_data(form=form, membership=membership))


class MembershipRequestView(DepartmentPageMixin, TemplateView):
    """A grant waiting for a second HR admin: approve it, or refuse it with a reason."""

    template_name = "departments/member_request.html"
    required_scope = Scope.MEMBERS_MANAGE

    def _request(self) -> MembershipRequest:
        found = selectors.membership_request_get(department=self.department, request_id=int(self.kwargs["request_id"]))
        if found is None:
            raise Http404("This department has no such request.")
        return found

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        membership_request = kwargs.get("membership_request") or self._request()
        context.update(membership_request=membership_request,
                       own_request=membership_request.requested_by_id == self.request.user.pk)
        context.setdefault("form", ReasonForm())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        membership_request = self._request()
        decision = request.POST.get("decision")
        form: forms.Form = ReasonForm(request.POST) if decision == "refuse" else forms.Form(request.POST)
        if form.is_valid():
            try:
                if decision == "approve":
                    services.membership_request_approve(request=membership_request, acting_user=_person(request))
                    message = (f"{membership_request.user.get_full_name()} now has the "
                               f"{membership_request.get_role_display()} role.")
                elif decision == "refuse":
                    services.membership_request_refuse(request=membership_request, acting_user=_person(request),
                                                       note=form.cleaned_data["reason"])
                    message = f"The request for {membership_request.user.get_full_name()} was refused."
                else:
                    raise ValidationError({"__all__": "Choose whether to approve or refuse the request."})
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, message)
                return redirect("departments:members", department_slug=self.department.slug)
        return self.render_to_response(self.get_context_data(form=form, membership_request=membership_request))


class RoleConflictAddView(DepartmentMembersView):
    """Declare a conflicting pair; errors are shown on the people page, in its summary."""

    required_scope = Scope.MEMBERS_MANAGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = RoleConflictForm(request.POST, prefix="conflict")
        if form.is_valid():
            data = form.cleaned_data
            try:
                conflict = services.role_conflict_add(department=self.department, role_a=data["role_a"],
                                                      role_b=data["role_b"], handling=data["handling"],
                                                      acting_user=_person(request))
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"{conflict} is now a conflicting pair.")
                return redirect("departments:members", department_slug=self.department.slug)
        return self.render_to_response(self.get_context_data(conflict_form=form))


class RoleConflictRemoveView(DepartmentPageMixin, TemplateView):
    required_scope = Scope.MEMBERS_MANAGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        conflict: RoleConflict | None = next(
            (item for item in selectors.department_role_conflicts(department=self.department)
             if item.pk == int(kwargs["conflict_id"])), None)
        if conflict is None:
            raise Http404("This department has no such conflicting pair.")
        services.role_conflict_remove(conflict=conflict, acting_user=_person(request))
        messages.success(request, f"{conflict} is no longer a conflicting pair.")
        return redirect("departments:members", department_slug=self.department.slug)
