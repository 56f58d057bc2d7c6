"""The caller's own bank details through the self-service API (``/api/v1/me/departments/<slug>/``):
the account in use (masked), their changes, and a new change.

Like the page, a change needs a second factor given within ``STEP_UP_MAX_AGE_SECONDS`` in the
caller's session; API tokens never give one, so they cannot change anyone's bank details here.
Everything is the caller's own: another person's change answers 404.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from departments.api_base import DepartmentScopedApi
from departments.api_helpers import caller, page_of, paginated, service_errors
from departments.models import ApiToken
from departments.roles import Scope
from hr import selectors, selectors_bank
from hr.models import BankDetailsChange, Employee
from hr.services.bank_details import bank_details_change_request
from shared_services.accounts.step_up import step_up_is_fresh
from shared_services.core.problems import NotFound

TAGS = ["self-service"]
# The service names the employee record's fields; the API names them as its input does.
FIELD_NAMES = {"bank_sort_code": "sort_code", "bank_account_number": "account_number",
               "building_society_roll_number": "roll_number"}
PROBLEMS = {
    400: OpenApiResponse(description="Invalid input: problem+json listing each field under 'errors'."),
    404: OpenApiResponse(description="No such department reachable by the caller, no employee record of the "
                                     "caller's in it, or no such change of theirs."),
}


def _own_record(request: Request) -> Employee:
    own = selectors.employee_of_user(user_id=caller(request).pk)
    if own is None:
        raise NotFound("You have no employee record in this department.")
    return own


class BankAccountSerializer(serializers.Serializer):
    """An account as its holder sees it: the sort code, and only the end of the account number."""

    class Meta:
        ref_name = "MeBankAccount"

    sort_code = serializers.CharField(help_text="6 digits.")
    account_number_ending = serializers.CharField(help_text="The last 4 digits; the whole number is never shown.")
    roll_number_ending = serializers.CharField(help_text="The last 4 characters of a building society roll "
                                                         "number, or empty.")
    description = serializers.CharField(help_text="The same in words, as the pages show it.")


def _account(sort_code: str, account_number: str, roll_number: str) -> dict[str, str] | None:
    if not (sort_code or account_number):
        return None
    return {"sort_code": sort_code, "account_number_ending": account_number[-4:],
            "roll_number_ending": roll_number[-4:],
            "description": selectors_bank.masked_account(sort_code=sort_code, account_number=account_number,
                                                         roll_number=roll_number)}


class BankDetailsChangeSerializer(serializers.Serializer):
    class Meta:
        ref_name = "MeBankDetailsChange"

    id = serializers.IntegerField()
    made_by = serializers.ChoiceField(choices=BankDetailsChange.Source.choices,
                                     help_text="Who made it: the employee, or HR on evidence.")
    status = serializers.ChoiceField(choices=BankDetailsChange.Status.choices)
    new_account = BankAccountSerializer()
    previous_account = BankAccountSerializer(allow_null=True)
    effective_from = serializers.DateField(help_text="The first day of the first pay period paid into the new account.")
    takes_effect = serializers.CharField(help_text="From which pay period the new account counts, in words.")
    requested_at = serializers.DateTimeField()
    applied_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, instance: BankDetailsChange) -> dict[str, Any]:
        return {
            "id": instance.pk, "made_by": instance.source, "status": instance.status,
            "new_account": _account(instance.sort_code, instance.account_number, instance.roll_number),
            "previous_account": _account(instance.previous_sort_code, instance.previous_account_number,
                                         instance.previous_roll_number),
            "effective_from": instance.effective_from.isoformat(),
            "takes_effect": selectors_bank.bank_change_timing(instance),
            "requested_at": serializers.DateTimeField().to_representation(instance.requested_at),
            "applied_at": (serializers.DateTimeField().to_representation(instance.applied_at)
                           if instance.applied_at else None),
        }


class MyBankDetailsApi(DepartmentScopedApi):
    """The account the caller's pay goes to (masked), and a change waiting for the next pay period."""

    required_scopes = {"GET": Scope.SELF_SERVICE}

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "MeBankDetails"

        account_in_use = BankAccountSerializer(allow_null=True)
        scheduled_change = BankDetailsChangeSerializer(allow_null=True)

    @extend_schema(operation_id="me_hr_bank_details_retrieve", tags=TAGS,
                   responses={200: OutputSerializer, 404: PROBLEMS[404]})
    def get(self, request: Request, department_slug: str) -> Response:
        """The account the caller's pay goes to (masked), and a change waiting for the next pay period."""
        own = _own_record(request)
        scheduled = selectors_bank.scheduled_change_of(employee=own)
        return Response({
            "account_in_use": _account(own.bank_sort_code, own.bank_account_number, own.building_society_roll_number),
            "scheduled_change": BankDetailsChangeSerializer(scheduled).data if scheduled else None,
        })


class MyBankDetailsChangeListApi(DepartmentScopedApi):
    """The caller's own bank details changes, newest first, paged with ``limit`` and ``offset``."""

    required_scopes = {"GET": Scope.SELF_SERVICE}

    @extend_schema(operation_id="me_hr_bank_details_changes_list", tags=TAGS,
                   responses={200: page_of("MeBankDetailsChangePage", BankDetailsChangeSerializer(many=True)),
                              404: PROBLEMS[404]})
    def get(self, request: Request, department_slug: str) -> Response:
        """The caller's own bank details changes, newest first, paged with limit and offset."""
        return paginated(request, self, selectors_bank.bank_details_changes_of(employee=_own_record(request)),
                         BankDetailsChangeSerializer)


class MyBankDetailsChangeCreateApi(DepartmentScopedApi):
    """Change where the caller's pay goes.

    Needs a second factor given in the caller's session within the last few minutes (the service's
    "confirm it is you" page); an API token never has one. Applied at once when today's pay period
    is open, else scheduled from the first day of the next one (``takes_effect`` says which). The
    caller is e-mailed at every address held for them.
    """

    required_scopes = {"POST": Scope.SELF_SERVICE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "MeBankDetailsChangeInput"

        sort_code = serializers.CharField(max_length=8, help_text="6 digits; 20-04-15 and 20 04 15 are accepted.")
        account_number = serializers.CharField(max_length=10, help_text="8 digits.")
        roll_number = serializers.CharField(max_length=24, required=False, allow_blank=True, default="",
                                            help_text="A building society roll number, if the account has one: up "
                                                      "to 18 letters, digits, '-', '/' and '.'.")

    @extend_schema(
        operation_id="me_hr_bank_details_changes_create", tags=TAGS, request=InputSerializer,
        responses={201: BankDetailsChangeSerializer, 400: PROBLEMS[400],
                   403: OpenApiResponse(description="No second factor given in this session within the last few "
                                                    "minutes (or the caller is an API token): confirm it is you "
                                                    "on the service, then try again."),
                   404: PROBLEMS[404]},
    )
    def post(self, request: Request, department_slug: str) -> Response:
        """Change where the caller's pay goes, after a fresh second factor in their session."""
        self._require_step_up(request)
        own = _own_record(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors(rename=FIELD_NAMES):
            change = bank_details_change_request(
                employee=own, sort_code=data.validated_data["sort_code"],
                account_number=data.validated_data["account_number"],
                roll_number=data.validated_data["roll_number"], acting_user=caller(request))
        return Response(BankDetailsChangeSerializer(change).data, status=status.HTTP_201_CREATED)

    def _require_step_up(self, request: Request) -> None:
        if not isinstance(request.auth, ApiToken) and step_up_is_fresh(request._request):
            return
        page = reverse("hr:my-bank-details", kwargs={"department_slug": self.department.slug})
        confirm = f"{reverse('accounts:step-up')}?{urlencode({'next': page})}"
        minutes = max(1, settings.STEP_UP_MAX_AGE_SECONDS // 60)
        raise exceptions.PermissionDenied(
            f"Changing bank details needs a second factor given in the last {minutes} minutes. Confirm it is you "
            f"at {confirm} (or change them on your bank details page, {page}), then try again.")
