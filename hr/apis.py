"""The HR API: employees (starters, movers, leavers, corrections), organisation units and grades.

Every view is department-scoped, one operation per class. Views validate, call one service or
selector, and serialize. Sensitive fields are masked by ``hr.visibility`` for callers without
``hr:sensitive``; codes and payroll numbers name records, resolved within the department. The
serializers several operations share are in ``hr.serializers``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response

from departments.api_base import DepartmentScopedApi
from departments.api_helpers import caller, page_of, paginated, service_errors
from departments.roles import Scope
from hr import selectors, services
from hr.models import Employee, Employment, Grade, LeaveRequest, LeaveType, OrganisationUnit, PayRange
from hr.models.organisation import Location
from hr.selectors import EmployeeStatus
from hr.serializers import (
    MASK_NOTE,
    CodeNameSerializer,
    EmployeeDetailOutputSerializer,
    EmploymentOutputSerializer,
    EmploymentTermsInputSerializer,
    GradeOutputSerializer,
    LeaveRequestOutputSerializer,
    MaskedSerializer,
    OrganisationUnitOutputSerializer,
    PayRangeOutputSerializer,
    by_code,
)
from hr.validators import validate_account_number, validate_ni_number, validate_postcode, validate_sort_code
from hr.visibility import SENSITIVE_EMPLOYMENT_FIELDS

TAGS = ["hr"]


# --- Helpers ---------------------------------------------------------------------------------------


def _visibility(view: DepartmentScopedApi) -> dict[str, Any]:
    """Serializer context carrying the caller's scopes, which decide what is masked."""
    return {"scopes": view.department_access.scopes}


# --- Employees -------------------------------------------------------------------------------------


class EmployeeListApi(DepartmentScopedApi):
    """Employees with their employment on a date, ordered by name, paged with ``limit`` and ``offset``."""

    required_scopes = {"GET": Scope.HR_READ}

    class FilterSerializer(serializers.Serializer):
        class Meta:
            ref_name = "HrEmployeeListFilter"

        status = serializers.ChoiceField(choices=EmployeeStatus.CHOICES, default=EmployeeStatus.CURRENT,
                                         help_text="current staff, leavers (left before 'on'), or starting after it")
        search = serializers.CharField(required=False, allow_blank=True, max_length=100,
                                       help_text="The start of a name or of the post title, or a whole payroll number.")
        organisation_unit = by_code(selectors.organisation_units(), "organisation unit", required=False,
                                     help_text="A unit code; its sub-units are included.")
        grade = by_code(selectors.grades(), "grade", required=False, help_text="A grade code.")
        cost_centre = by_code(selectors.cost_centres(), "cost centre", required=False,
                               help_text="A cost centre code; its sub-centres are included.")
        on = serializers.DateField(default=timezone.localdate, help_text="An ISO date; today if not given.")

    class OutputSerializer(MaskedSerializer):
        """One row per employee; the salary is masked without hr:sensitive."""

        sensitive = SENSITIVE_EMPLOYMENT_FIELDS

        class Meta:
            ref_name = "HrEmployeeListOutput"

        payroll_number = serializers.CharField(source="employee.payroll_number")
        name = serializers.CharField(source="employee.display_name")
        post_title = serializers.CharField()
        organisation_unit = CodeNameSerializer()
        grade = serializers.CharField(source="grade.code")
        cost_centre = serializers.CharField(source="cost_centre.code")
        start_date = serializers.DateField(source="employee.start_date")
        leave_date = serializers.DateField(source="employee.leave_date", allow_null=True)
        annual_salary = serializers.CharField(help_text=f"Full-time annual salary in pounds; {MASK_NOTE}")
        fte = serializers.DecimalField(max_digits=5, decimal_places=4)

    @extend_schema(
        operation_id="hr_employees_list", tags=TAGS, parameters=[FilterSerializer],
        responses=page_of("HrEmployeeListPage", OutputSerializer(many=True)),
    )
    def get(self, request: Request, department_slug: str) -> Response:
        """Employees with their employment on a date, ordered by name, paged with limit and offset."""
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        listing = selectors.employee_list(**filters.validated_data)
        paginator = LimitOffsetPagination()
        # The listing counts and slices as the keys queryset would, only from cheaper queries.
        page: list[Any] | None = paginator.paginate_queryset(listing, request, view=self)  # type: ignore[arg-type]
        rows = listing.rows_for(list(page or []))
        return paginator.get_paginated_response(self.OutputSerializer(rows, many=True, context=_visibility(self)).data)


class EmployeeHireApi(DepartmentScopedApi):
    """Hire a starter: the person and the first version of their employment, from the start date."""

    required_scopes = {"POST": Scope.HR_WRITE}

    class InputSerializer(EmploymentTermsInputSerializer):
        """The person, the terms of their first employment version, and a reason for an out-of-range salary."""

        class Meta:
            ref_name = "HrEmployeeHireInput"

        payroll_number = serializers.CharField(max_length=20)
        title = serializers.CharField(max_length=20, required=False, allow_blank=True)
        first_name = serializers.CharField(max_length=100)
        last_name = serializers.CharField(max_length=100)
        preferred_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
        date_of_birth = serializers.DateField()
        ni_number = serializers.CharField(max_length=20, required=False, allow_blank=True,
                                          validators=[validate_ni_number], help_text="Like QQ 12 34 56 C.")
        sex = serializers.ChoiceField(choices=Employee.Sex.choices)
        gender_identity = serializers.CharField(max_length=50, required=False, allow_blank=True)
        address_line_1 = serializers.CharField(max_length=200, required=False, allow_blank=True)
        address_line_2 = serializers.CharField(max_length=200, required=False, allow_blank=True)
        town = serializers.CharField(max_length=100, required=False, allow_blank=True)
        postcode = serializers.CharField(max_length=10, required=False, allow_blank=True,
                                         validators=[validate_postcode])
        email = serializers.EmailField(required=False, allow_blank=True)
        phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
        bank_sort_code = serializers.CharField(max_length=10, required=False, allow_blank=True,
                                               validators=[validate_sort_code], help_text="Like 30-99-50.")
        bank_account_number = serializers.CharField(max_length=8, required=False, allow_blank=True,
                                                    validators=[validate_account_number])
        building_society_roll_number = serializers.CharField(max_length=18, required=False, allow_blank=True)
        start_date = serializers.DateField()
        tax_code = serializers.CharField(max_length=10, required=False)
        tax_basis = serializers.ChoiceField(choices=Employee.TaxBasis.choices, required=False)
        ni_category = serializers.CharField(max_length=1, required=False)
        student_loans = serializers.ListField(child=serializers.CharField(max_length=10), required=False)
        pension_scheme = serializers.CharField(max_length=20, required=False, allow_blank=True)
        starter_declaration = serializers.ChoiceField(choices=Employee.StarterDeclaration.choices, required=False,
                                                      allow_blank=True)
        previous_payroll_id = serializers.CharField(max_length=35, required=False, allow_blank=True)
        # The terms a first version cannot do without.
        post_title = serializers.CharField(max_length=200)
        organisation_unit = by_code(selectors.organisation_units(), "organisation unit")
        grade = by_code(selectors.grades(), "grade")
        cost_centre = by_code(selectors.cost_centres(), "cost centre")
        annual_salary = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0,
                                                 help_text="Full-time annual salary in pounds.")
        salary_override_reason = serializers.CharField(
            max_length=200, required=False, allow_blank=True,
            help_text="Needed when the salary is outside the grade's pay range.",
        )

    @extend_schema(operation_id="hr_employees_hire", tags=TAGS, request=InputSerializer,
                   responses={201: EmployeeDetailOutputSerializer})
    def post(self, request: Request, department_slug: str) -> Response:
        """Hire a starter: the person and the first version of their employment, from the start date."""
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        salary_override_reason = data.pop("salary_override_reason", "")
        terms = {name: data.pop(name) for name in services.EMPLOYMENT_FIELDS if name in data}
        with service_errors():
            employee = services.employee_hire(department=self.department, personal=data, terms=terms,
                                              acting_user=caller(request),
                                              salary_override_reason=salary_override_reason)
        return Response(EmployeeDetailOutputSerializer(employee, context=_visibility(self)).data,
                        status=status.HTTP_201_CREATED)


class EmployeeDetailApi(DepartmentScopedApi):
    """One employee: personal details (sensitive ones masked without hr:sensitive) and employment."""

    required_scopes = {"GET": Scope.HR_READ}

    @extend_schema(operation_id="hr_employee_retrieve", tags=TAGS, responses=EmployeeDetailOutputSerializer)
    def get(self, request: Request, department_slug: str, payroll_number: str) -> Response:
        employee, version = selectors.employee_with_employment_shown(payroll_number=payroll_number)
        context = {**_visibility(self), "employment_shown": {employee.pk: version}}
        return Response(EmployeeDetailOutputSerializer(employee, context=context).data)


class EmploymentChangeApi(DepartmentScopedApi):
    """Change employment terms from a date, past or future (a future date shows as planned)."""

    required_scopes = {"POST": Scope.HR_WRITE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "HrEmploymentChangeInput"

        effective_from = serializers.DateField()
        changes = EmploymentTermsInputSerializer()
        reason = serializers.CharField(max_length=200, required=False, allow_blank=True)
        salary_override_reason = serializers.CharField(max_length=200, required=False, allow_blank=True)
        when_period_locked = serializers.ChoiceField(
            choices=services.WhenPeriodLocked.choices, required=False, default=services.WhenPeriodLocked.REFUSE,
            help_text="When the date falls in a pay period whose run is open: refuse (the default), or make the "
                      "change from the first day of the next period.")

    @extend_schema(operation_id="hr_employment_change", tags=TAGS, request=InputSerializer,
                   responses={201: EmploymentOutputSerializer})
    def post(self, request: Request, department_slug: str, payroll_number: str) -> Response:
        employee = selectors.employee_get(payroll_number=payroll_number)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors(nest_under="changes", nested_fields=frozenset(services.EMPLOYMENT_FIELDS),
                             rename={"valid_from": "effective_from"}):
            version = services.employment_change(employee=employee, acting_user=caller(request),
                                                 **serializer.validated_data)
        return Response(EmploymentOutputSerializer(version, context=_visibility(self)).data,
                        status=status.HTTP_201_CREATED)


class EmployeeLeaveApi(DepartmentScopedApi):
    """Record a leaver: the last working day ends the employment; later planned versions are withdrawn."""

    required_scopes = {"POST": Scope.HR_WRITE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "HrEmployeeLeaveInput"

        leave_date = serializers.DateField(help_text="The last working day.")
        leave_reason = serializers.ChoiceField(choices=Employee.LeaveReason.choices)

    @extend_schema(operation_id="hr_employee_leave", tags=TAGS, request=InputSerializer,
                   responses={200: EmployeeDetailOutputSerializer})
    def post(self, request: Request, department_slug: str, payroll_number: str) -> Response:
        employee = selectors.employee_get(payroll_number=payroll_number)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            employee = services.employee_leave(employee=employee, leave_date=serializer.validated_data["leave_date"],
                                               reason=serializer.validated_data["leave_reason"],
                                               acting_user=caller(request))
        return Response(EmployeeDetailOutputSerializer(employee, context=_visibility(self)).data)


class EmploymentHistoryApi(DepartmentScopedApi):
    """An employee's employment versions, oldest first, planned ones included.

    With ``include_superseded=true``, replaced versions too (the full record of what was believed
    when). With ``known_at`` (and ``on``, default today), only the version that, as the record
    stood at ``known_at``, was true on ``on``; with ``on`` alone, the version true on ``on`` now.
    """

    required_scopes = {"GET": Scope.HR_READ}

    class FilterSerializer(serializers.Serializer):
        class Meta:
            ref_name = "HrEmploymentHistoryFilter"

        include_superseded = serializers.BooleanField(default=False)
        known_at = serializers.DateTimeField(required=False, help_text="An ISO date-time.")
        on = serializers.DateField(required=False, help_text="An ISO date.")

    class OutputSerializer(EmploymentOutputSerializer):
        """A version with when it was recorded, by whom, and whether it is planned, current, past or superseded."""

        class Meta:
            ref_name = "HrEmploymentHistoryOutput"

        status = serializers.SerializerMethodField()
        recorded_at = serializers.DateTimeField()
        recorded_by = serializers.EmailField(source="recorded_by.email", allow_null=True)
        superseded_at = serializers.DateTimeField(allow_null=True)

        @extend_schema_field(serializers.ChoiceField(choices=["planned", "current", "past", "superseded"]))
        def get_status(self, version: Employment) -> str:
            today = timezone.localdate()
            if version.superseded_at is not None:
                return "superseded"
            if version.valid_from > today:
                return "planned"
            if version.valid_to is not None and version.valid_to < today:
                return "past"
            return "current"

    @extend_schema(operation_id="hr_employment_history_list", tags=TAGS, parameters=[FilterSerializer],
                   responses=OutputSerializer(many=True))
    def get(self, request: Request, department_slug: str, payroll_number: str) -> Response:
        employee = selectors.employee_get(payroll_number=payroll_number)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        known_at, on = filters.validated_data.get("known_at"), filters.validated_data.get("on")
        versions: Any
        if known_at is not None:
            version = selectors.employment_as_known(employee=employee, on=on or timezone.localdate(),
                                                    known_at=known_at)
            versions = [version] if version else []
        elif on is not None:
            version = selectors.employment_as_of(employee=employee, on=on)
            versions = [version] if version else []
        else:
            versions = selectors.employment_history(
                employee=employee, include_superseded=filters.validated_data["include_superseded"]
            )
        return Response(self.OutputSerializer(versions, many=True, context=_visibility(self)).data)


class EmploymentCorrectApi(DepartmentScopedApi):
    """Correct a mistaken version: it is kept as superseded, and recorded again corrected."""

    required_scopes = {"POST": Scope.HR_WRITE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "HrEmploymentCorrectInput"

        corrections = EmploymentTermsInputSerializer()
        reason = serializers.CharField(max_length=200)

    @extend_schema(operation_id="hr_employment_correct", tags=TAGS, request=InputSerializer,
                   responses={201: EmploymentOutputSerializer},
                   parameters=[OpenApiParameter("version_id", int, OpenApiParameter.PATH,
                                                description="The id of the version to correct.")])
    def post(self, request: Request, department_slug: str, payroll_number: str, version_id: int) -> Response:
        employee = selectors.employee_get(payroll_number=payroll_number)
        employment = selectors.employment_history(employee=employee, include_superseded=True) \
            .filter(id=version_id).first()
        if employment is None:
            raise exceptions.NotFound("This employee has no employment version with that id.")
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors(nest_under="corrections", nested_fields=frozenset(services.EMPLOYMENT_FIELDS)):
            version = services.employment_correct(employment=employment, acting_user=caller(request),
                                                  **serializer.validated_data)
        return Response(EmploymentOutputSerializer(version, context=_visibility(self)).data,
                        status=status.HTTP_201_CREATED)


# --- Organisation units and grades -----------------------------------------------------------------


class OrganisationUnitListApi(DepartmentScopedApi):
    """The department's organisation units, in tree order (each after its parent)."""

    required_scopes = {"GET": Scope.HR_READ}

    @extend_schema(operation_id="hr_organisation_units_list", tags=TAGS,
                   responses=OrganisationUnitOutputSerializer(many=True))
    def get(self, request: Request, department_slug: str) -> Response:
        """The department's organisation units, in tree order (each after its parent)."""
        units = selectors.organisation_units().select_related("parent")
        return Response(OrganisationUnitOutputSerializer(units, many=True).data)


class OrganisationUnitCreateApi(DepartmentScopedApi):
    """Add an organisation unit, under a parent unit or at the top."""

    required_scopes = {"POST": Scope.HR_WRITE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "HrOrganisationUnitCreateInput"

        code = serializers.CharField(max_length=30)
        name = serializers.CharField(max_length=200)
        kind = serializers.ChoiceField(choices=OrganisationUnit.Kind.choices, default=OrganisationUnit.Kind.TEAM)
        parent = by_code(  # type: ignore[assignment]  # see OrganisationUnitOutputSerializer.parent
            selectors.organisation_units(), "organisation unit", required=False, allow_null=True,
            help_text="The parent unit's code; none for a top-level unit.",
        )

    @extend_schema(operation_id="hr_organisation_units_create", tags=TAGS, request=InputSerializer,
                   responses={201: OrganisationUnitOutputSerializer})
    def post(self, request: Request, department_slug: str) -> Response:
        """Add an organisation unit, under a parent unit or at the top."""
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            unit = services.organisation_unit_create(department=self.department, acting_user=caller(request),
                                                     **serializer.validated_data)
        return Response(OrganisationUnitOutputSerializer(unit).data, status=status.HTTP_201_CREATED)


class GradeListApi(DepartmentScopedApi):
    """The department's grades, lowest first, each with its pay ranges."""

    required_scopes = {"GET": Scope.HR_READ}

    @extend_schema(operation_id="hr_grades_list", tags=TAGS, responses=GradeOutputSerializer(many=True))
    def get(self, request: Request, department_slug: str) -> Response:
        """The department's grades, lowest first, each with its pay ranges."""
        grades = selectors.grades().prefetch_related(Prefetch("pay_ranges", queryset=selectors.pay_ranges()))
        return Response(GradeOutputSerializer(grades, many=True).data)


class GradeCreateApi(DepartmentScopedApi):
    """Add a grade; ``rank`` orders grades, lowest first."""

    required_scopes = {"POST": Scope.HR_WRITE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "HrGradeCreateInput"

        code = serializers.CharField(max_length=20)
        name = serializers.CharField(max_length=100)
        rank = serializers.IntegerField(min_value=0, max_value=32767)

    @extend_schema(operation_id="hr_grades_create", tags=TAGS, request=InputSerializer,
                   responses={201: GradeOutputSerializer})
    def post(self, request: Request, department_slug: str) -> Response:
        """Add a grade; rank orders grades, lowest first."""
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            grade = services.grade_create(department=self.department, acting_user=caller(request),
                                          **serializer.validated_data)
        return Response(GradeOutputSerializer(grade).data, status=status.HTTP_201_CREATED)


class PayRangeSetApi(DepartmentScopedApi):
    """Set a grade's pay range at a location (creates it, or replaces the figures)."""

    required_scopes = {"POST": Scope.HR_WRITE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "HrPayRangeSetInput"

        location = serializers.ChoiceField(choices=Location.choices, default=Location.NATIONAL)
        minimum = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
        maximum = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)

    @extend_schema(operation_id="hr_grade_pay_range_set", tags=TAGS, request=InputSerializer,
                   responses={200: PayRangeOutputSerializer})
    def post(self, request: Request, department_slug: str, grade_code: str) -> Response:
        grade: Grade | None = selectors.grades().filter(code=grade_code).first()
        if grade is None:
            raise exceptions.NotFound("This department has no grade with that code.")
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            pay_range: PayRange = services.pay_range_set(grade=grade, acting_user=caller(request),
                                                         **serializer.validated_data)
        return Response(PayRangeOutputSerializer(pay_range).data)


# --- Absence and leave -----------------------------------------------------------------------------


class LeaveTypeListApi(DepartmentScopedApi):
    """The department's leave types (annual, sick, maternity … and its own)."""

    required_scopes = {"GET": Scope.HR_READ}

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "HrLeaveType"

        code = serializers.CharField()
        name = serializers.CharField()
        kind = serializers.CharField()
        is_paid = serializers.BooleanField()
        uses_balance = serializers.BooleanField()

    @extend_schema(operation_id="hr_leave_types_list", tags=TAGS, responses=OutputSerializer(many=True))
    def get(self, request: Request, department_slug: str) -> Response:
        return Response(self.OutputSerializer(selectors.leave_types(), many=True).data)


class LeaveRequestListApi(DepartmentScopedApi):
    """Leave requests, newest first; filter by ``status`` and ``employee`` (payroll number)."""

    required_scopes = {"GET": Scope.HR_READ}

    @extend_schema(operation_id="hr_leave_requests_list", tags=TAGS,
                   parameters=[OpenApiParameter("status", str, enum=LeaveRequest.Status.values),
                               OpenApiParameter("employee", str)],
                   responses=LeaveRequestOutputSerializer(many=True))
    def get(self, request: Request, department_slug: str) -> Response:
        wanted_status = request.query_params.get("status", "")
        if wanted_status and wanted_status not in LeaveRequest.Status.values:
            choices = ", ".join(LeaveRequest.Status.values)
            raise exceptions.ValidationError({"status": [f"Choose one of: {choices}."]})
        requests = selectors.leave_requests(status=wanted_status,
                                            payroll_number=request.query_params.get("employee", ""))
        return paginated(request, self, requests, LeaveRequestOutputSerializer)


class LeaveRequestCreateApi(DepartmentScopedApi):
    """Ask for leave on an employee's behalf; it waits for their line manager (or HR)."""

    required_scopes = {"POST": Scope.HR_WRITE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "HrLeaveRequestInput"

        leave_type = by_code(LeaveType.objects.all(), "leave type")
        start_date = serializers.DateField()
        end_date = serializers.DateField()
        hours = serializers.DecimalField(max_digits=7, decimal_places=2, min_value=Decimal("0.01"))
        reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    @extend_schema(operation_id="hr_leave_requests_create", tags=TAGS, request=InputSerializer,
                   responses={201: LeaveRequestOutputSerializer})
    def post(self, request: Request, department_slug: str, payroll_number: str) -> Response:
        employee = selectors.employee_get(payroll_number=payroll_number)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            leave_request = services.leave_request_create(employee=employee, acting_user=caller(request),
                                                          **serializer.validated_data)
        return Response(LeaveRequestOutputSerializer(leave_request).data, status=status.HTTP_201_CREATED)


class LeaveRequestDecideApi(DepartmentScopedApi):
    """Approve or reject a waiting request as HR (line managers decide on the approvals page)."""

    required_scopes = {"POST": Scope.HR_WRITE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "HrLeaveDecisionInput"

        approve = serializers.BooleanField()
        note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    @extend_schema(operation_id="hr_leave_requests_decide", tags=TAGS, request=InputSerializer,
                   responses={200: LeaveRequestOutputSerializer})
    def post(self, request: Request, department_slug: str, request_id: int) -> Response:
        leave_request = selectors.leave_request_get(request_id=request_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            leave_request = services.leave_request_decide(request=leave_request, acting_user=caller(request),
                                                          acting_as_hr=True, **serializer.validated_data)
        return Response(LeaveRequestOutputSerializer(leave_request).data)


class LeaveRequestCancelApi(DepartmentScopedApi):
    """Cancel a waiting or approved request; approved hours return to the balance."""

    required_scopes = {"POST": Scope.HR_WRITE}

    @extend_schema(operation_id="hr_leave_requests_cancel", tags=TAGS, request=None,
                   responses={200: LeaveRequestOutputSerializer})
    def post(self, request: Request, department_slug: str, request_id: int) -> Response:
        leave_request = selectors.leave_request_get(request_id=request_id)
        with service_errors():
            leave_request = services.leave_request_cancel(request=leave_request, acting_user=caller(request))
        return Response(LeaveRequestOutputSerializer(leave_request).data)


class LeaveBalanceApi(DepartmentScopedApi):
    """An employee's balance and ledger for each leave type with an entitlement, for the leave
    year containing ``on`` (default today)."""

    required_scopes = {"GET": Scope.HR_READ}

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "HrLeaveBalance"

        leave_type = serializers.CharField()
        leave_year_start = serializers.DateField()
        balance_hours = serializers.DecimalField(max_digits=8, decimal_places=2)
        ledger = serializers.ListField(child=serializers.DictField())

    @extend_schema(operation_id="hr_leave_balances", tags=TAGS, parameters=[OpenApiParameter("on", str)],
                   responses=OutputSerializer(many=True))
    def get(self, request: Request, department_slug: str, payroll_number: str) -> Response:
        employee = selectors.employee_get(payroll_number=payroll_number)
        try:
            on = datetime.date.fromisoformat(request.query_params.get("on") or timezone.localdate().isoformat())
        except ValueError:
            raise exceptions.ValidationError({"on": ["Enter a date like 2026-04-01."]}) from None
        with service_errors():
            balances = services.leave_balances_refresh(employee=employee, on=on)
        rows = [{
            "leave_type": balance.leave_type.code, "leave_year_start": balance.year_start,
            "balance_hours": balance.balance_hours,
            "ledger": [{"kind": entry.kind, "hours": str(entry.hours), "note": entry.note}
                       for entry in balance.entries],
        } for balance in balances]
        return Response(self.OutputSerializer(rows, many=True).data)


class SicknessRecordApi(DepartmentScopedApi):
    """Record a period of sickness (the reason is health information: hr:sensitive to see it)."""

    required_scopes = {"POST": Scope.HR_WRITE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "HrSicknessInput"

        first_day = serializers.DateField()
        last_day = serializers.DateField(required=False, allow_null=True, default=None)
        reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
        qualifying_days = serializers.ListField(child=serializers.IntegerField(min_value=0, max_value=6),
                                                required=False, default=[0, 1, 2, 3, 4])

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "HrSicknessPeriod"

        id = serializers.IntegerField()
        first_day = serializers.DateField()
        last_day = serializers.DateField(allow_null=True)
        qualifying_days = serializers.ListField(child=serializers.IntegerField())

    @extend_schema(operation_id="hr_sickness_record", tags=TAGS, request=InputSerializer,
                   responses={201: OutputSerializer})
    def post(self, request: Request, department_slug: str, payroll_number: str) -> Response:
        employee = selectors.employee_get(payroll_number=payroll_number)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            period = services.sickness_record(employee=employee, acting_user=caller(request),
                                              **serializer.validated_data)
        return Response(self.OutputSerializer(period).data, status=status.HTTP_201_CREATED)
