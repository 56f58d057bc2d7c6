"""A line manager's one approvals inbox: leave, expenses and later kinds, grouped and oldest first,
decided one at a time or approved in bulk where each kind's policy allows."""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import FormView, TemplateView

from departments.approvals import (
    MAX_NOTE_LENGTH,
    ApprovalItem,
    BulkOutcome,
    approval_decide,
    approval_item_get,
    approval_sources,
    approvals_bulk_approve,
    approvals_counts,
    approvals_waiting,
    bulk_outcomes_message,
)
from departments.roles import Scope
from departments.web import DepartmentPageMixin
from shared_services.accounts.models import User
from shared_services.core.forms import add_service_errors

__all__ = ["ApprovalDecisionView", "ApprovalsInboxView"]

ITEM_KEY = re.compile(r"^(?P<kind>[a-z][a-z0-9-]*):(?P<id>[0-9]{1,18})$")


class ItemKeysField(forms.MultipleChoiceField):
    """Checked items as ``kind:id``; whether each still waits is the inbox's to say, per item."""

    def valid_value(self, value: Any) -> bool:
        return bool(ITEM_KEY.match(str(value)))


class BulkApproveForm(forms.Form):
    items = ItemKeysField(label="Items to approve", error_messages={
        "required": "Select at least one item to approve",
        "invalid_choice": "Select items from the list to approve",
    })

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The first checkbox on the page carries the field's own id, so the error summary lands on it.
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)

    def clean_items(self) -> list[tuple[str, int]]:
        keys = [ITEM_KEY.match(value) for value in self.cleaned_data["items"]]
        return [(match["kind"], int(match["id"])) for match in keys if match is not None]


class ApprovalDecisionForm(forms.Form):
    decision = forms.ChoiceField(label="Your decision", widget=forms.RadioSelect,
                                 choices=[("approve", "Approve"), ("reject", "Reject")],
                                 error_messages={"required": "Choose approve or reject"})
    note = forms.CharField(label="Reason (needed to reject)", required=False, max_length=MAX_NOTE_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"max_length": f"The reason must be {MAX_NOTE_LENGTH} characters or fewer"})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("decision") == "reject" and not (cleaned.get("note") or "").strip():
            self.add_error("note", "Give the reason for rejecting it")
        return cleaned


class InboxMixin(DepartmentPageMixin):
    required_scope = Scope.SELF_SERVICE

    @property
    def me(self) -> User:
        return cast(User, self.request.user)

    def kind_filter(self, value: str) -> str:
        """``value`` when it names a kind in the inbox, else "" (everything)."""
        return value if value in approval_sources() else ""

    def inbox_url(self, kind: str = "") -> str:
        url = reverse("departments:approvals", kwargs={"department_slug": self.department.slug})
        return f"{url}?kind={kind}" if kind else url

    def item_url(self, item: ApprovalItem) -> str:
        return reverse("departments:approval", kwargs={"department_slug": self.department.slug,
                                                       "kind": item.kind, "item_id": item.id})


class ApprovalsInboxView(InboxMixin, TemplateView):
    """Everything waiting for the signed-in person's decision, grouped by kind with counts."""

    template_name = "departments/approvals.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kind = self.kind_filter(kwargs.pop("kind", None) or self.request.GET.get("kind", ""))
        form = kwargs.pop("form", None) or BulkApproveForm()
        context = super().get_context_data(**kwargs)
        sources = approval_sources()
        counts = approvals_counts(department=self.department, user=self.me)
        items = approvals_waiting(department=self.department, user=self.me, kind=kind)
        first_checkbox = next((item.key for item in items if item.bulk_allowed), "")
        groups = [
            {"kind": source_kind, "label": source.label, "count": counts[source_kind],
             "rows": [{"item": item, "page_url": self.item_url(item),
                       "checkbox_id": "items" if item.key == first_checkbox else f"items-{item.kind}-{item.id}"}
                      for item in items if item.kind == source_kind]}
            for source_kind, source in sources.items() if not kind or source_kind == kind
        ]
        context.update(
            form=form, groups=groups, kind=kind, total=sum(counts.values()),
            filters=[{"kind": "", "label": "Everything", "count": sum(counts.values()), "url": self.inbox_url()}]
            + [{"kind": source_kind, "label": source.label, "count": counts[source_kind],
                "url": self.inbox_url(source_kind)} for source_kind, source in sources.items()],
            any_bulk=bool(first_checkbox),
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        kind = self.kind_filter(request.POST.get("kind", ""))
        form = BulkApproveForm(request.POST)
        if form.is_valid():
            try:
                outcomes = approvals_bulk_approve(department=self.department, items=form.cleaned_data["items"],
                                                  acting_user=self.me)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                all_approved = all(outcome.result == BulkOutcome.APPROVED for outcome in outcomes)
                (messages.success if all_approved else messages.error)(request, bulk_outcomes_message(outcomes))
                return redirect(self.inbox_url(kind))
        return self.render_to_response(self.get_context_data(form=form, kind=kind))


class ApprovalDecisionView(InboxMixin, FormView):
    """One item: all the inbox knows of it, and approve or reject (a rejection needs a reason)."""

    template_name = "departments/approval_decision.html"
    form_class = ApprovalDecisionForm

    @cached_property
    def item(self) -> ApprovalItem:
        return approval_item_get(department=self.department, user=self.me, kind=self.kwargs["kind"],
                                 item_id=self.kwargs["item_id"])

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.item  # noqa: B018  (404 before anything else when it is not waiting for this person)
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.item  # noqa: B018
        return super().post(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        decision = self.request.GET.get("decision", "")
        return {"decision": decision} if decision in ("approve", "reject") else {}

    def back(self) -> str:
        """The kind the inbox was showing, to go back to it (``back`` in the address or the form)."""
        return self.kind_filter(self.request.POST.get("back", "") or self.request.GET.get("back", ""))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(item=self.item, back=self.back(), inbox_url=self.inbox_url(self.back()))
        return context

    def form_valid(self, form: ApprovalDecisionForm) -> HttpResponse:
        approve = form.cleaned_data["decision"] == "approve"
        try:
            approval_decide(department=self.department, kind=self.item.kind, item_id=self.item.id, approve=approve,
                            note=form.cleaned_data["note"], acting_user=self.me)
        except ValidationError as error:
            add_service_errors(form, error, aliases={"reason": "note", "status": "decision"})
            return self.form_invalid(form)
        verb = "Approved" if approve else "Rejected"
        messages.success(self.request, f"{verb}: {self.item.title} for {self.item.who}.")
        return redirect(self.inbox_url(self.back()))
