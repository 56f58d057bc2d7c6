"""The import API: upload a file (a job starts), poll the job, fetch its reports, import after a dry run.

Under ``/api/v1/departments/<slug>/imports/``. One operation per class; errors are problem+json.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from departments.api_base import DepartmentScopedApi
from departments.api_helpers import caller, service_errors
from departments.roles import Scope
from onboarding import selectors, services
from onboarding.columns import gaps_of, shown_notes
from onboarding.models import ImportJob
from onboarding.tasks import start_import

TAGS = ["onboarding"]


class JobOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "ImportJobOutput"

    id = serializers.IntegerField(source="pk")
    status = serializers.CharField()
    status_text = serializers.CharField(source="get_status_display")
    dry_run = serializers.BooleanField()
    accept_valid = serializers.BooleanField()
    file_name = serializers.CharField(source="original_name")
    file_format = serializers.CharField()
    mapping = serializers.CharField(source="mapping.name", default=None)
    effective_from = serializers.DateField()
    tax_year = serializers.CharField()
    progress = serializers.SerializerMethodField()
    counts = serializers.SerializerMethodField()
    file_problem = serializers.CharField()
    notes = serializers.SerializerMethodField()
    missing_columns = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField()
    seconds = serializers.FloatField()
    links = serializers.SerializerMethodField()

    def get_notes(self, job: ImportJob) -> list[str]:
        return shown_notes(job.notes)

    def get_missing_columns(self, job: ImportJob) -> list[dict[str, Any]]:
        """Each expected column the file lacks, what follows, and whether the import was confirmed
        to go ahead without it (a commit needs every one in ``accept_missing``)."""
        gaps = gaps_of(job.notes)
        return [{"key": key, "label": label, "consequence": consequence, "accepted": key in gaps.accepted}
                for key, label, consequence in gaps.lines()]

    def get_progress(self, job: ImportJob) -> dict[str, Any]:
        return {"rows_done": job.rows_done, "rows_total": job.rows_total, "percent": job.percent_done}

    def get_counts(self, job: ImportJob) -> dict[str, int]:
        return {"read": job.rows_read, "created": job.rows_created, "updated": job.rows_updated,
                "unchanged": job.rows_unchanged, "rejected": job.rows_rejected, "problems": job.error_count}

    def get_links(self, job: ImportJob) -> dict[str, str]:
        base = f"/api/v1/departments/{job.department.slug}/imports/{job.pk}/"
        return {"self": base, "errors": base + "errors/", "errors_csv": base + "errors.csv",
                "reconciliation": base + "reconciliation/", "reconciliation_csv": base + "reconciliation.csv",
                "reconciliation_xlsx": base + "reconciliation.xlsx", "commit": base + "commit/"}


class ImportJobsMixin:
    department: Any
    kwargs: dict[str, Any]

    def job_or_404(self) -> ImportJob:
        job = selectors.import_job_get(department=self.department, job_id=int(self.kwargs["job_id"]))
        if job is None:
            raise exceptions.NotFound("This department has no import with that id.")
        return job


class ImportJobListApi(ImportJobsMixin, DepartmentScopedApi):
    """The department's imports, newest first (the last 100)."""

    required_scopes = {"GET": Scope.HR_READ}

    @extend_schema(tags=TAGS, responses=JobOutputSerializer(many=True), operation_id="imports_list")
    def get(self, request: Request, department_slug: str) -> Response:
        jobs = list(selectors.import_jobs(department=self.department)[:100])
        return Response(JobOutputSerializer(jobs, many=True).data)


class ImportJobCreateApi(ImportJobsMixin, DepartmentScopedApi):
    """Upload an export (multipart field ``file``); the job starts and answers 202 with its address."""

    required_scopes = {"POST": Scope.HR_WRITE}
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ImportJobCreateInput"

        file = serializers.FileField()
        dry_run = serializers.BooleanField(default=True)
        accept_valid = serializers.BooleanField(default=False)
        mapping = serializers.CharField(required=False, allow_blank=True, default="")
        effective_from = serializers.DateField(required=False, allow_null=True, default=None)
        tax_year = serializers.CharField(required=False, allow_blank=True, default="", max_length=7)
        accept_missing = serializers.ListField(child=serializers.CharField(max_length=100), required=False,
                                               default=list, help_text=(
                                                   "For an import that is not a dry run: the missing columns it "
                                                   "may go ahead without (keys as missing_columns lists them)"))

    @extend_schema(tags=TAGS, request=InputSerializer, responses={202: JobOutputSerializer},
                   operation_id="imports_create")
    def post(self, request: Request, department_slug: str) -> Response:
        if int(request.META.get("CONTENT_LENGTH") or 0) > settings.ONBOARDING_MAX_UPLOAD_BYTES + 64 * 1024:
            raise exceptions.ValidationError({"file": [
                f"The file is larger than {settings.ONBOARDING_MAX_UPLOAD_BYTES // 1048576} MB; split it."]})
        serializer = self.InputSerializer(data=request.data)
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
            job = services.import_job_create(
                department=self.department, upload=upload, original_name=upload.name,
                acting_user=caller(request), dry_run=data["dry_run"], accept_valid=data["accept_valid"],
                mapping=mapping, effective_from=data["effective_from"], tax_year=data["tax_year"],
                accept_missing=data["accept_missing"])
            start_import(job)
        job.department = self.department
        return Response(JobOutputSerializer(job).data, status=status.HTTP_202_ACCEPTED,
                        headers={"Location": f"/api/v1/departments/{department_slug}/imports/{job.pk}/"})


class ImportJobDetailApi(ImportJobsMixin, DepartmentScopedApi):
    """One import: poll it until ``status`` is one of validated, committed, rejected or failed."""

    required_scopes = {"GET": Scope.HR_READ}

    @extend_schema(tags=TAGS, responses=JobOutputSerializer, operation_id="imports_retrieve")
    def get(self, request: Request, department_slug: str, job_id: int) -> Response:
        return Response(JobOutputSerializer(self.job_or_404()).data)


class ImportJobCommitApi(ImportJobsMixin, DepartmentScopedApi):
    """After a dry run, import the same file for real (a new job, 202)."""

    required_scopes = {"POST": Scope.HR_WRITE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ImportJobCommitInput"

        accept_valid = serializers.BooleanField(default=False)
        accept_missing = serializers.ListField(child=serializers.CharField(max_length=100), required=False,
                                               default=list, help_text=(
                                                   "Every column the dry run's missing_columns lists, to confirm "
                                                   "the import goes ahead without them"))

    @extend_schema(tags=TAGS, request=InputSerializer, responses={202: JobOutputSerializer},
                   operation_id="imports_commit")
    def post(self, request: Request, department_slug: str, job_id: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            job = services.import_job_commit(department=self.department, source=self.job_or_404(),
                                             accept_valid=serializer.validated_data["accept_valid"],
                                             accept_missing=serializer.validated_data["accept_missing"],
                                             acting_user=caller(request))
            start_import(job)
        return Response(JobOutputSerializer(job).data, status=status.HTTP_202_ACCEPTED,
                        headers={"Location": f"/api/v1/departments/{department_slug}/imports/{job.pk}/"})


class ImportErrorListApi(ImportJobsMixin, DepartmentScopedApi):
    """The per-row problems, by row: ``limit`` (up to 1000) and ``offset``."""

    required_scopes = {"GET": Scope.HR_SENSITIVE}

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ImportRowErrorOutput"

        row = serializers.IntegerField(source="row_number")
        column = serializers.CharField()
        value = serializers.CharField()
        reason = serializers.CharField()

    @extend_schema(tags=TAGS, responses=OutputSerializer(many=True), operation_id="imports_errors_list")
    def get(self, request: Request, department_slug: str, job_id: int) -> Response:
        job = self.job_or_404()
        try:
            limit = min(1000, max(1, int(request.query_params.get("limit", 100))))
            offset = max(0, int(request.query_params.get("offset", 0)))
        except ValueError:
            raise exceptions.ValidationError({"limit": ["Give limit and offset as whole numbers."]}) from None
        errors = selectors.import_row_errors(department=self.department, job=job, limit=limit, offset=offset)
        return Response({"count": job.error_count, "results": self.OutputSerializer(errors, many=True).data})


class ImportErrorReportApi(ImportJobsMixin, DepartmentScopedApi):
    """The per-row problems as CSV (row, column, value, problem); formula-safe."""

    required_scopes = {"GET": Scope.HR_SENSITIVE}

    @extend_schema(tags=TAGS, responses={(200, "text/csv"): str}, operation_id="imports_errors_csv")
    def get(self, request: Request, department_slug: str, job_id: int) -> StreamingHttpResponse:
        job = self.job_or_404()
        response = StreamingHttpResponse(selectors.error_report_lines(department=self.department, job=job),
                                         content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
        return response


class ImportReconciliationApi(ImportJobsMixin, DepartmentScopedApi):
    """The reconciliation: counts, totals by grade, cost centre and unit, year to date, and checks."""

    required_scopes = {"GET": Scope.HR_READ}

    @extend_schema(tags=TAGS, responses={200: dict}, operation_id="imports_reconciliation")
    def get(self, request: Request, department_slug: str, job_id: int) -> Response:
        job = self.job_or_404()
        return Response({"status": job.status, "counts": JobOutputSerializer().get_counts(job),
                         **(job.reconciliation or {})})


class ImportReconciliationDownloadApi(ImportJobsMixin, DepartmentScopedApi):
    """The reconciliation as CSV or XLSX."""

    required_scopes = {"GET": Scope.HR_READ}

    @extend_schema(tags=TAGS, responses={(200, "text/csv"): str}, operation_id="imports_reconciliation_file")
    def get(self, request: Request, department_slug: str, job_id: int, file_format: str) -> HttpResponse:
        job = self.job_or_404()
        if file_format == "xlsx":
            response = HttpResponse(selectors.reconciliation_xlsx(job=job), content_type=(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
        elif file_format == "csv":
            response = HttpResponse(selectors.reconciliation_csv(job=job), content_type="text/csv; charset=utf-8")
        else:
            raise exceptions.NotFound("The reconciliation comes as .csv or .xlsx.")
        response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-reconciliation.{file_format}"'
        return response
