"""The department's audit log: in plain English, filtered, paged, and downloadable as CSV."""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.views.generic import TemplateView

from departments import selectors
from departments.audit_text import DescribedEvent, action_choices, describe_events, object_type_choices
from departments.models import AuditEvent, Department
from departments.roles import Scope
from departments.tenancy import department_context
from departments.web import DepartmentPageMixin
from shared_services.core.forms import GovUKDateField
from shared_services.core.spreadsheets import csv_lines

__all__ = ["AuditLogDownloadView", "AuditLogFilterForm", "AuditLogView"]

CSV_HEADER = ("When", "Who", "Through", "Action code", "Description", "Object", "Changes", "Reason")
CSV_BATCH = 500  # events described together, so their objects' details are read in one query a batch


class AuditLogFilterForm(forms.Form):
    """The log's filters, read from the query string; each is optional."""

    actor = forms.TypedChoiceField(label="Who", required=False, coerce=int, empty_value=None,
                                   error_messages={"invalid_choice": "Select a person from the list"})
    object_type = forms.ChoiceField(label="Kind of record", required=False,
                                    error_messages={"invalid_choice": "Select a kind of record from the list"})
    action = forms.ChoiceField(label="What was done", required=False,
                               error_messages={"invalid_choice": "Select what was done from the list"})
    occurred_from = GovUKDateField(label="From", required=False)
    occurred_to = GovUKDateField(label="To", required=False)
    object_id = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args: Any, department: Department, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = [(user.pk, user.full_name or user.email) for user in selectors.audit_actors(department=department)]
        kinds = object_type_choices(selectors.audit_object_types_used(department=department))
        actions = action_choices(selectors.audit_actions_used(department=department))
        choices: dict[str, list[tuple[Any, str]]] = {
            "actor": [("", "Anyone"), *people], "object_type": [("", "Any record"), *kinds],
            "action": [("", "Anything"), *actions]}
        for name, options in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = options

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        start, end = cleaned.get("occurred_from"), cleaned.get("occurred_to")
        if start and end and end < start:
            self.add_error("occurred_to", "The ‘to’ date must be the same as or after the ‘from’ date")
        today = timezone.localdate()
        for name in ("occurred_from", "occurred_to"):
            day = cleaned.get(name)
            if day and day > today + datetime.timedelta(days=1):
                self.add_error(name, f"{self.fields[name].label} must be today or in the past")
        if cleaned.get("object_id") and not cleaned.get("object_type"):
            self.add_error("object_type", "Select a kind of record to see one record's history")
        return cleaned

    def filters(self) -> selectors.AuditFilters:
        data = self.cleaned_data
        return selectors.AuditFilters(
            actor_id=data.get("actor"), object_type=data.get("object_type") or "",
            object_id=data.get("object_id") or "", action=data.get("action") or "",
            occurred_from=data.get("occurred_from"), occurred_to=data.get("occurred_to"))


class _AuditLogBase(DepartmentPageMixin, TemplateView):
    template_name = "departments/audit_log.html"
    required_scope = Scope.AUDIT_READ

    def filter_form(self) -> AuditLogFilterForm:
        if not hasattr(self, "_form"):
            self._form = AuditLogFilterForm(self.request.GET or None, department=self.department)
        return self._form

    def filtered_events(self) -> QuerySet[AuditEvent] | None:
        """The matching events, or None while the filters have errors."""
        form = self.filter_form()
        if not form.is_bound:
            return selectors.audit_events(department=self.department)
        if not form.is_valid():
            return None
        return selectors.audit_events_filtered(department=self.department, filters=form.filters())

    def query_without_page(self) -> str:
        return urlencode([(key, value) for key, values in self.request.GET.lists() if key != "page"
                          for value in values])


class AuditLogView(_AuditLogBase):
    page_size = 50

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = self.filter_form()
        events = self.filtered_events()
        context.update(form=form, query=self.query_without_page(), filtered=form.is_bound,
                       show_results=events is not None)
        if events is not None:
            page = Paginator(events, self.page_size).get_page(self.request.GET.get("page"))
            context.update(page=page, described=describe_events(page.object_list))
        object_id = form.cleaned_data.get("object_id") if form.is_bound and form.is_valid() else ""
        if object_id and context.get("described"):
            context["object_name"] = context["described"][0].event.object_repr
        context["object_id"] = object_id
        return context

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        if context["form"].errors:
            kwargs["status"] = 400
        return super().render_to_response(context, **kwargs)


def _csv_row(described: DescribedEvent) -> Sequence[Any]:
    event = described.event
    return (timezone.localtime(event.occurred_at).strftime("%Y-%m-%d %H:%M:%S"), described.actor,
            described.through, event.action, described.description, event.object_repr, described.changes_text,
            event.reason)


class AuditLogDownloadView(AuditLogView):
    """Every event matching the filters (not only one page), as CSV, streamed a batch at a time."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:  # type: ignore[override]
        events = self.filtered_events()
        if events is None:
            return super().get(request, *args, **kwargs)  # bad filters: the page says what to correct
        response: Any = StreamingHttpResponse(self._lines(events, self.department.id),
                                         content_type="text/csv; charset=utf-8")
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="audit-log-{self.department.slug}-{stamp}.csv"'
        return response  # type: ignore[no-any-return]

    @staticmethod
    def _lines(events: QuerySet[AuditEvent], department_id: int) -> Iterator[str]:
        # The response streams after the view has left the department's context, so reading
        # the rows enters it again.
        yield from csv_lines([CSV_HEADER])
        with department_context(department_id):
            batch: list[AuditEvent] = []
            for event in events.iterator(chunk_size=CSV_BATCH):
                batch.append(event)
                if len(batch) == CSV_BATCH:
                    yield from csv_lines(_csv_row(described) for described in describe_events(batch))
                    batch = []
            yield from csv_lines(_csv_row(described) for described in describe_events(batch))
