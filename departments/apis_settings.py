"""The department's own settings through the API: read them, and change the leave year start and
bank holidays' region (``settings:manage``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from departments.api_base import DepartmentScopedApi
from departments.api_helpers import caller, routed_by_method, service_errors
from departments.models import Department
from departments.roles import Scope
from departments.services.settings import department_settings_update

TAGS = ["departments"]


class DepartmentSettingsOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "DepartmentSettings"

    slug = serializers.CharField()
    name = serializers.CharField()
    employer_paye_reference = serializers.CharField()
    accounts_office_reference = serializers.CharField()
    bacs_service_user_number = serializers.CharField()
    pay_frequency = serializers.CharField()
    leave_year_start_month = serializers.IntegerField()
    leave_year_start_day = serializers.IntegerField()
    bank_holiday_region = serializers.CharField(
        help_text=f"One of: {', '.join(Department.BankHolidayRegion.values)}. Payroll's Bacs dates always follow "
                  "england-and-wales.")


class DepartmentSettingsGetApi(DepartmentScopedApi):
    """The department's details and settings."""

    required_scopes = {"GET": Scope.DEPARTMENT_READ}

    @extend_schema(operation_id="department_settings_get", tags=TAGS,
                   responses={200: DepartmentSettingsOutputSerializer})
    def get(self, request: Request, department_slug: str) -> Response:
        return Response(DepartmentSettingsOutputSerializer(self.department).data)


class DepartmentSettingsUpdateApi(DepartmentScopedApi):
    """Change the leave year start or the bank holidays' region; fields left out keep their value."""

    required_scopes = {"PATCH": Scope.SETTINGS_MANAGE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "DepartmentSettingsUpdateInput"

        leave_year_start_month = serializers.IntegerField(required=False, min_value=1, max_value=12)
        leave_year_start_day = serializers.IntegerField(required=False, min_value=1, max_value=31)
        bank_holiday_region = serializers.CharField(
            max_length=20, required=False, help_text=f"One of: {', '.join(Department.BankHolidayRegion.values)}.")

    @extend_schema(operation_id="department_settings_update", tags=TAGS, request=InputSerializer,
                   responses={200: DepartmentSettingsOutputSerializer})
    def patch(self, request: Request, department_slug: str) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        department = self.department
        values = {"leave_year_start_month": department.leave_year_start_month,
                  "leave_year_start_day": department.leave_year_start_day,
                  "bank_holiday_region": department.bank_holiday_region, **serializer.validated_data}
        with service_errors():
            department = department_settings_update(department=department, acting_user=caller(request), **values)
        return Response(DepartmentSettingsOutputSerializer(department).data)


DepartmentSettingsApi = routed_by_method(DepartmentSettingsGetApi, DepartmentSettingsUpdateApi)
