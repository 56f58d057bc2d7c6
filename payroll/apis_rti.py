"""The RTI API: a finalised run's FPS as XML, and the department's submissions to HMRC (list, one,
its document, and building it again after a rejection).

Under /api/v1/departments/<slug>/payroll/. Scopes: payroll:read for every GET; payroll:submit to
build a submission again.
"""

from __future__ import annotations

import tempfile

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from departments import idempotency
from departments.api_base import DepartmentScopedApi
from departments.api_helpers import caller, page_of, paginated
from departments.roles import Scope
from payroll import selectors, selectors_rti, services
from payroll.apis import KEY_PARAMETER, PROBLEMS, TAGS, _step_errors
from payroll.models import PayrollIdempotencyKey, RtiSubmission

XML = "application/xml"


class RtiSubmissionOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "PayrollRtiSubmission"

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=RtiSubmission.Kind.choices)
    status = serializers.ChoiceField(choices=RtiSubmission.Status.choices)
    status_display = serializers.CharField(source="get_status_display")
    run = serializers.IntegerField(source="run_id", allow_null=True)
    tax_year = serializers.CharField()
    tax_month = serializers.IntegerField(allow_null=True)
    is_final_for_year = serializers.BooleanField()
    replaces = serializers.IntegerField(source="replaces_id", allow_null=True)
    irmark = serializers.CharField()
    employees = serializers.IntegerField()
    validation_errors = serializers.ListField(child=serializers.DictField())
    hmrc_errors = serializers.ListField(child=serializers.DictField(), help_text="HMRC's errors on a rejection")
    correlation_id = serializers.CharField()
    attempts = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField()
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    answered_at = serializers.DateTimeField(allow_null=True)
    document_available = serializers.SerializerMethodField()

    def get_document_available(self, submission: RtiSubmission) -> bool:
        return bool(submission.document)


def _choice(request: Request, name: str, choices: list[str]) -> str:
    value = request.query_params.get(name, "")
    if value and value not in choices:
        raise exceptions.ValidationError({name: [f"Choose one of: {', '.join(choices)}."]})
    return value


def _xml(path: str, filename: str) -> FileResponse:
    response = FileResponse(default_storage.open(path, "rb"), as_attachment=True, filename=filename,
                            content_type=XML)
    # Pay, tax and NI numbers: never kept by a shared cache or the browser's.
    response["Cache-Control"] = "private, no-store"
    return response


class RtiSubmissionListApi(DepartmentScopedApi):
    """The department's FPS and EPS submissions, newest first; ``kind`` and ``status`` narrow them."""

    required_scopes = {"GET": Scope.PAYROLL_READ}

    @extend_schema(operation_id="payroll_rti_submissions_list", tags=TAGS,
                   parameters=[OpenApiParameter("kind", str, enum=RtiSubmission.Kind.values),
                               OpenApiParameter("status", str, enum=RtiSubmission.Status.values)],
                   responses={200: page_of("PayrollRtiSubmissionPage", RtiSubmissionOutputSerializer(many=True)),
                              **PROBLEMS})
    def get(self, request: Request, department_slug: str) -> Response:
        rows = selectors_rti.rti_submissions(kind=_choice(request, "kind", RtiSubmission.Kind.values),
                                             status=_choice(request, "status", RtiSubmission.Status.values))
        return paginated(request, self, rows, RtiSubmissionOutputSerializer)


class RtiSubmissionDetailApi(DepartmentScopedApi):
    """One submission: its state, HMRC's errors, and when it is tried next."""

    required_scopes = {"GET": Scope.PAYROLL_READ}

    @extend_schema(operation_id="payroll_rti_submission_retrieve", tags=TAGS,
                   responses={200: RtiSubmissionOutputSerializer, **PROBLEMS})
    def get(self, request: Request, department_slug: str, submission_id: int) -> Response:
        return Response(RtiSubmissionOutputSerializer(selectors_rti.rti_submission_get(
            submission_id=submission_id)).data)


class RtiSubmissionDocumentApi(DepartmentScopedApi):
    """The submission's GovTalk XML as stored (credentials are placeholders)."""

    required_scopes = {"GET": Scope.PAYROLL_READ}

    @extend_schema(operation_id="payroll_rti_submission_document", tags=TAGS,
                   responses={(200, XML): OpenApiTypes.BINARY, **PROBLEMS})
    def get(self, request: Request, department_slug: str, submission_id: int) -> HttpResponseBase:
        submission = selectors_rti.rti_submission_get(submission_id=submission_id)
        if not submission.document:
            raise exceptions.NotFound("This submission has no document: it could not be built.")
        return _xml(submission.document, f"{self.department.slug}-{submission.kind}-{submission.pk}.xml")


class RtiSubmissionResubmitApi(DepartmentScopedApi):
    """Build a submission again from the records as they are now: after HMRC rejected it (a new
    submission replacing it) or after it failed validation (rebuilt in place)."""

    required_scopes = {"POST": Scope.PAYROLL_SUBMIT}

    @extend_schema(operation_id="payroll_rti_submission_resubmit", tags=TAGS, request=None,
                   parameters=[KEY_PARAMETER], responses={201: RtiSubmissionOutputSerializer, **PROBLEMS})
    def post(self, request: Request, department_slug: str, submission_id: int) -> Response:
        def perform() -> Response:
            submission = selectors_rti.rti_submission_get(submission_id=submission_id)
            with _step_errors():
                again = services.rti_submission_resubmit(submission=submission, acting_user=caller(request))
            return Response(RtiSubmissionOutputSerializer(again).data, status=status.HTTP_201_CREATED)

        return idempotency.idempotent(request, records=PayrollIdempotencyKey, perform=perform)


class PayRunFpsApi(DepartmentScopedApi):
    """The run's Full Payment Submission as GovTalk XML: the one recorded when the run was
    finalised, or, if that failed validation, built now (a 400 listing HMRC's errors if still
    invalid). A run not finalised is a 409."""

    required_scopes = {"GET": Scope.PAYROLL_READ}

    @extend_schema(operation_id="payroll_run_fps", tags=TAGS, responses={(200, XML): OpenApiTypes.BINARY,
                                                                        **PROBLEMS})
    def get(self, request: Request, department_slug: str, run_id: int) -> HttpResponseBase:
        run = selectors.pay_run_get(run_id=run_id)
        filename = f"{self.department.slug}-fps-{run.pay_date:%Y-%m-%d}-run-{run.pk}.xml"
        recorded = selectors_rti.rti_submissions_of_run(run=run).exclude(
            status__in=(RtiSubmission.Status.INVALID, RtiSubmission.Status.REJECTED)).first()
        if recorded is not None and recorded.document:
            return _xml(recorded.document, filename)
        spool = tempfile.TemporaryFile()
        try:
            with _step_errors():
                document = services.fps_write(run=run, out=spool)
                if document.errors:
                    raise DjangoValidationError({"document": [
                        f"{error.location}: {error.message}" for error in document.errors[:50]]})
        except BaseException:
            spool.close()
            raise
        spool.seek(0)
        response = FileResponse(spool, as_attachment=True, filename=filename, content_type=XML)
        response["Cache-Control"] = "private, no-store"
        return response

