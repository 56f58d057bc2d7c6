"""The parallel run API: start one (upload the legacy results), poll it, page through its
differences, explain them, calculate again, fetch the report, and sign the cut-over off.

Under ``/api/v1/departments/<slug>/parallel-runs/``. One operation per class; errors are
problem+json. Reading needs ``payroll:read``, changing ``payroll:submit``; a sign-off is a
person's (the service checks the lead's role), so an API token cannot sign.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.http import StreamingHttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from departments.api_base import DepartmentScopedApi
from departments.api_helpers import caller, page_of, paginated, service_errors
from departments.roles import Scope
from onboarding import selectors, selectors_parallel
from onboarding import services_parallel as services
from onboarding.models import CutoverSignOff, ParallelRun, ParallelRunDifference
from onboarding.tasks import start_parallel_run

TAGS = ["onboarding"]


class ParallelRunOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "ParallelRunOutput"

    id = serializers.IntegerField(source="pk")
    status = serializers.CharField()
    status_text = serializers.CharField(source="get_status_display")
    period_start = serializers.DateField()
    schedule = serializers.CharField(source="schedule.name")
    shadow_run = serializers.IntegerField(source="shadow_run_id")
    file_name = serializers.CharField(source="original_name")
    mapping = serializers.CharField(source="mapping.name", default=None)
    tolerance = serializers.DecimalField(max_digits=9, decimal_places=2)
    problem = serializers.CharField(source="file_problem")
    progress = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField()
    links = serializers.SerializerMethodField()

    def get_progress(self, run: ParallelRun) -> dict[str, Any]:
        shadow = run.shadow_run
        if shadow is None:
            return {"calculated": 0, "total": 0}
        return {"calculated": shadow.employees_calculated + shadow.employees_failed, "total": shadow.employees_total}

    def get_summary(self, run: ParallelRun) -> dict[str, Any] | None:
        if run.status != ParallelRun.Status.COMPARED:
            return None
        facts = selectors_parallel.summary(run=run)
        return {**{key: facts[key] for key in ("employees_compared", "employees_matched", "employees_differing",
                                               "only_in_legacy", "only_on_platform", "classes", "resolutions",
                                               "compared_figures", "notes")},
                "matched_share": f"{facts['matched_share']:.2f}", "tolerance": f"{facts['tolerance']:.2f}",
                "totals": {line["figure"]: {"legacy": f"{line['legacy']:.2f}", "platform": f"{line['platform']:.2f}",
                                            "difference": f"{line['difference']:.2f}"} for line in facts["totals"]}}

    def get_links(self, run: ParallelRun) -> dict[str, str]:
        base = f"/api/v1/departments/{run.department.slug}/parallel-runs/{run.pk}/"
        return {"self": base, "differences": base + "differences/", "explain": base + "explain/",
                "rerun": base + "rerun/", "report_csv": base + "report.csv", "sign_offs": base + "sign-offs/"}


class DifferenceOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "ParallelRunDifferenceOutput"

    id = serializers.IntegerField(source="pk")
    payroll_number = serializers.CharField()
    figure = serializers.CharField()
    legacy_amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    platform_amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    classification = serializers.CharField()
    classification_text = serializers.CharField(source="get_classification_display")
    inputs = serializers.JSONField()
    resolution = serializers.CharField()
    note = serializers.CharField()
    resolved_at = serializers.DateTimeField(allow_null=True)


class SignOffOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "CutoverSignOffOutput"

    id = serializers.IntegerField(source="pk")
    role = serializers.CharField()
    signed_by = serializers.EmailField(source="signed_by.email")
    signed_at = serializers.DateTimeField()
    accepted = serializers.JSONField()
    note = serializers.CharField()


class ParallelRunsMixin:
    department: Any
    kwargs: dict[str, Any]

    def run_or_404(self) -> ParallelRun:
        run = selectors_parallel.parallel_run_get(department=self.department,
                                                  parallel_run_id=int(self.kwargs["parallel_run_id"]))
        if run is None:
            raise exceptions.NotFound("This department has no parallel run with that id.")
        return run


class ParallelRunListApi(ParallelRunsMixin, DepartmentScopedApi):
    """The department's parallel runs, newest first (the last 100)."""

    required_scopes = {"GET": Scope.PAYROLL_READ}

    @extend_schema(tags=TAGS, responses=ParallelRunOutputSerializer(many=True), operation_id="parallel_runs_list")
    def get(self, request: Request, department_slug: str) -> Response:
        runs = list(selectors_parallel.parallel_runs(department=self.department)[:100])
        return Response(ParallelRunOutputSerializer(runs, many=True).data)


class ParallelRunStartApi(ParallelRunsMixin, DepartmentScopedApi):
    """Upload the legacy payroll's results for a period (multipart field ``file``). A file with any
    problem answers 400 listing every one; otherwise 202, and the shadow run is calculated and
    compared: poll the run until ``status`` is compared."""

    required_scopes = {"POST": Scope.PAYROLL_SUBMIT}
    parser_classes = [MultiPartParser, FormParser]

    class StartInputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ParallelRunStartInput"

        file = serializers.FileField()
        period = serializers.RegexField(r"^\d{4}-\d{1,2}$", help_text="YYYY-MM")
        mapping = serializers.CharField(required=False, allow_blank=True, default="")
        tolerance = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100,
                                             default=Decimal("0.00"))

    @extend_schema(tags=TAGS, request=StartInputSerializer, responses={202: ParallelRunOutputSerializer},
                   operation_id="parallel_runs_create", description=__doc__)
    def post(self, request: Request, department_slug: str) -> Response:
        if int(request.META.get("CONTENT_LENGTH") or 0) > settings.ONBOARDING_MAX_UPLOAD_BYTES + 64 * 1024:
            raise exceptions.ValidationError({"file": [
                f"The file is larger than {settings.ONBOARDING_MAX_UPLOAD_BYTES // 1048576} MB."]})
        serializer = self.StartInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        mapping = None
        if data["mapping"]:
            mapping = selectors.import_mapping_get(department=self.department, name=data["mapping"])
            if mapping is None:
                raise exceptions.ValidationError(
                    {"mapping": [f"There is no column mapping called {data['mapping']!r}."]})
        upload = data["file"]
        with service_errors():
            run = services.parallel_run_start(department=self.department, period=services.period_from_text(
                data["period"]), upload=upload, original_name=upload.name, mapping=mapping,
                tolerance=data["tolerance"], acting_user=caller(request))
            start_parallel_run(services.parallel_run_calculate(parallel_run=run, acting_user=caller(request)),
                               acting_user=caller(request))
        run.department = self.department
        return Response(ParallelRunOutputSerializer(run).data, status=status.HTTP_202_ACCEPTED,
                        headers={"Location": ParallelRunOutputSerializer().get_links(run)["self"]})


class ParallelRunDetailApi(ParallelRunsMixin, DepartmentScopedApi):
    """One parallel run: its progress, then its counts, matched share, totals per figure and classes."""

    required_scopes = {"GET": Scope.PAYROLL_READ}

    @extend_schema(tags=TAGS, responses=ParallelRunOutputSerializer, operation_id="parallel_runs_retrieve")
    def get(self, request: Request, department_slug: str, parallel_run_id: int) -> Response:
        return Response(ParallelRunOutputSerializer(self.run_or_404()).data)


class ParallelRunDifferenceListApi(ParallelRunsMixin, DepartmentScopedApi):
    """The differences, each with both sides' inputs: filter by ``classification``, ``resolution``
    and ``payroll_number``; paged with ``limit`` and ``offset``."""

    required_scopes = {"GET": Scope.PAYROLL_READ}

    @extend_schema(tags=TAGS, responses=page_of("ParallelRunDifferencePage", DifferenceOutputSerializer(many=True)),
                   operation_id="parallel_runs_differences_list")
    def get(self, request: Request, department_slug: str, parallel_run_id: int) -> Response:
        run = self.run_or_404()
        classification = request.query_params.get("classification", "")
        resolution = request.query_params.get("resolution", "")
        if classification and classification not in ParallelRunDifference.Classification.values:
            raise exceptions.ValidationError({"classification": [
                f"Choose one of {', '.join(ParallelRunDifference.Classification.values)}."]})
        if resolution and resolution not in ParallelRunDifference.Resolution.values:
            raise exceptions.ValidationError({"resolution": [
                f"Choose one of {', '.join(ParallelRunDifference.Resolution.values)}."]})
        rows = selectors_parallel.differences(run=run, classification=classification, resolution=resolution,
                                              payroll_number=request.query_params.get("payroll_number", ""))
        return paginated(request, self, rows, DifferenceOutputSerializer)


class ParallelRunExplainApi(ParallelRunsMixin, DepartmentScopedApi):
    """Mark differences explained, with one note for them all."""

    required_scopes = {"POST": Scope.PAYROLL_SUBMIT}
    parser_classes = [JSONParser, FormParser]

    class ExplainInputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ParallelRunExplainInput"

        differences = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=10000)
        note = serializers.CharField(max_length=500)

    @extend_schema(tags=TAGS, request=ExplainInputSerializer, responses={200: dict},
                   operation_id="parallel_runs_explain")
    def post(self, request: Request, department_slug: str, parallel_run_id: int) -> Response:
        serializer = self.ExplainInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            count = services.parallel_run_differences_explain(
                parallel_run=self.run_or_404(), difference_ids=serializer.validated_data["differences"],
                note=serializer.validated_data["note"], acting_user=caller(request))
        return Response({"explained": count})


class ParallelRunRerunApi(ParallelRunsMixin, DepartmentScopedApi):
    """Calculate the shadow run again (after records were corrected) and compare again (202)."""

    required_scopes = {"POST": Scope.PAYROLL_SUBMIT}

    @extend_schema(tags=TAGS, request=None, responses={202: ParallelRunOutputSerializer},
                   operation_id="parallel_runs_rerun")
    def post(self, request: Request, department_slug: str, parallel_run_id: int) -> Response:
        with service_errors():
            start = services.parallel_run_rerun(parallel_run=self.run_or_404(), acting_user=caller(request))
            start_parallel_run(start, acting_user=caller(request))
        return Response(ParallelRunOutputSerializer(start.parallel_run).data, status=status.HTTP_202_ACCEPTED)


class ParallelRunReportApi(ParallelRunsMixin, DepartmentScopedApi):
    """The report as CSV: the counts, totals per figure, and every difference with both sides' inputs."""

    required_scopes = {"GET": Scope.PAYROLL_READ}

    @extend_schema(tags=TAGS, responses={(200, "text/csv"): str}, operation_id="parallel_runs_report_csv")
    def get(self, request: Request, department_slug: str, parallel_run_id: int) -> StreamingHttpResponse:
        run = self.run_or_404()
        if run.status != ParallelRun.Status.COMPARED:
            raise exceptions.NotFound("The report is ready once the comparison has finished.")
        response = StreamingHttpResponse(selectors_parallel.report_csv_lines(run=run),
                                         content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="parallel-run-{run.pk}.csv"'
        return response


class CutoverSignOffListApi(ParallelRunsMixin, DepartmentScopedApi):
    """The run's current sign-offs."""

    required_scopes = {"GET": Scope.PAYROLL_READ}

    @extend_schema(tags=TAGS, responses=SignOffOutputSerializer(many=True), operation_id="parallel_runs_sign_offs")
    def get(self, request: Request, department_slug: str, parallel_run_id: int) -> Response:
        return Response(SignOffOutputSerializer(selectors_parallel.live_sign_offs(run=self.run_or_404()),
                                                many=True).data)


class CutoverSignOffCreateApi(ParallelRunsMixin, DepartmentScopedApi):
    """Sign the run off as the HR or payroll lead or as the finance lead (a signed-in person with
    that role in the department; a token answers 403)."""

    required_scopes = {"POST": Scope.DEPARTMENT_READ}
    parser_classes = [JSONParser, FormParser]

    class SignOffInputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "CutoverSignOffInput"

        role = serializers.ChoiceField(choices=CutoverSignOff.Role.choices)
        note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    @extend_schema(tags=TAGS, request=SignOffInputSerializer, responses={201: SignOffOutputSerializer},
                   operation_id="parallel_runs_sign_off", description=__doc__)
    def post(self, request: Request, department_slug: str, parallel_run_id: int) -> Response:
        run = self.run_or_404()
        if self.department_access.api_token is not None:
            raise exceptions.PermissionDenied("A cut-over sign-off is a person's: sign in to sign it.")
        serializer = self.SignOffInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            sign_off = services.cutover_sign_off(parallel_run=run, role=serializer.validated_data["role"],
                                                 acting_user=caller(request), note=serializer.validated_data["note"])
        return Response(SignOffOutputSerializer(sign_off).data, status=status.HTTP_201_CREATED)
