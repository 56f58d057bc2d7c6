"""The department's audit log."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.views.generic import TemplateView

from departments import selectors
from departments.roles import Scope
from departments.web import DepartmentPageMixin

__all__ = ["AuditLogView"]


class AuditLogView(DepartmentPageMixin, TemplateView):
    template_name = "departments/audit_log.html"
    required_scope = Scope.AUDIT_READ
    page_size = 50

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # The operator assignment each entry came through is shown with it, so it is loaded with it.
        events = selectors.audit_events(department=self.department).select_related(
            "operator_assignment", "operator_assignment__user")
        paginator = Paginator(events, self.page_size)
        context["page"] = paginator.get_page(self.request.GET.get("page"))
        return context
