"""The base for department pages under ``/departments/<department_slug>/``."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase

from departments.models import Department
from departments.roles import Scope
from departments.selectors import DepartmentAccess, department_access_for_user
from departments.tenancy import department_context
from shared_services.core import request_context


class DepartmentPageMixin:
    """Resolve the department from the URL, 404 for one the user cannot reach, run in its context.

    The response is rendered inside the context, so templates that read department data are scoped
    too. ``required_scope`` is what the page needs; a reachable department without it is a 403.
    """

    required_scope: ClassVar[str] = Scope.DEPARTMENT_READ

    department: Department
    department_access: DepartmentAccess
    request: HttpRequest

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        access = department_access_for_user(user=request.user, department_slug=kwargs.get("department_slug", ""))  # type: ignore[arg-type]
        if access is None:
            raise Http404("There is no department at this address that you can reach.")
        if not access.allows(self.required_scope):
            raise PermissionDenied(f"This page needs the '{self.required_scope}' permission.")
        self.department = access.department
        self.department_access = access
        request.department_access = access  # type: ignore[attr-defined]  # read by the navigation
        request_context.bind(
            operator_assignment_id=access.operator_assignment.pk if access.operator_assignment else None
        )
        with department_context(access.department.id):
            response = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
            render = getattr(response, "render", None)
            if callable(render) and not getattr(response, "is_rendered", True):
                render()
        return response  # type: ignore[no-any-return]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]
        context.update(department=self.department, department_access=self.department_access)
        return context
