"""The base for every API view under ``/api/v1/departments/<department_slug>/`` (TENANCY.md §4)."""

from __future__ import annotations

from contextvars import Token
from typing import Any, ClassVar

from django.http import HttpRequest, HttpResponseBase
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.views import APIView

from departments.models import ApiToken, Department
from departments.roles import Scope
from departments.selectors import DepartmentAccess, department_access_for_token, department_access_for_user
from departments.tenancy import activate_department, deactivate_department
from shared_services.core import request_context

NOT_FOUND_DETAIL = "There is no department at this address that you can reach."


class DepartmentScopedApi(APIView):
    """Takes the department from the URL, checks the caller may reach it, and enters its context.

    A department the caller may not reach (or that does not exist) answers 404, never 403, so
    existence does not leak. ``required_scopes`` maps an HTTP method to the scope it needs; a
    reachable department without that scope answers 403. Subclasses may not override the methods
    that do this.
    """

    required_scopes: ClassVar[dict[str, str]] = {"GET": Scope.DEPARTMENT_READ}
    _locked_methods: ClassVar[tuple[str, ...]] = ("initial", "dispatch", "get_queryset", "get_permissions")

    department: Department
    department_access: DepartmentAccess
    _department_token: Token[int | None] | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        overridden = [
            name for name in cls._locked_methods
            if getattr(cls, name, None) is not getattr(DepartmentScopedApi, name, None)
        ]
        if overridden:
            raise TypeError(
                f"{cls.__name__} overrides {', '.join(overridden)}; department APIs may not, "
                "because these methods enforce the department wall."
            )
        undeclared = [
            method.upper() for method in ("get", "post", "put", "patch", "delete")
            if hasattr(cls, method) and method.upper() not in cls.required_scopes
        ]
        if undeclared:
            raise TypeError(f"{cls.__name__} handles {', '.join(undeclared)} without a scope in required_scopes.")

    def _resolve_access(self, request: Request, department_slug: str) -> DepartmentAccess | None:
        if isinstance(request.auth, ApiToken):
            return department_access_for_token(api_token=request.auth, department_slug=department_slug)
        return department_access_for_user(user=request.user, department_slug=department_slug)  # type: ignore[arg-type]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        access = self._resolve_access(request, str(kwargs.get("department_slug", "")))
        if access is None:
            raise exceptions.NotFound(NOT_FOUND_DETAIL)
        method = request.method or "GET"
        scope = self.required_scopes.get("GET" if method in ("HEAD", "OPTIONS") else method)
        if scope is None:
            raise exceptions.MethodNotAllowed(method)
        if not access.allows(scope):
            raise exceptions.PermissionDenied(f"This needs the '{scope}' scope in {access.department.slug}.")
        self.department = access.department
        self.department_access = access
        request_context.bind(
            api_token_id=access.api_token.pk if access.api_token else None,
            operator_assignment_id=access.operator_assignment.pk if access.operator_assignment else None,
        )
        self._department_token = activate_department(access.department.id)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self._department_token = None
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            # Reset even on errors: a leaked context would scope the next request on this thread.
            if self._department_token is not None:
                deactivate_department(self._department_token, view_returns=True)
                self._department_token = None
