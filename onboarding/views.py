"""The import journey: upload, choose or save a column mapping, check (dry run), import, reports.

Thin views: forms parse, ``onboarding.services`` writes, ``onboarding.selectors`` reads.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.views.generic import FormView, TemplateView, View

from departments.roles import Scope
from departments.web import DepartmentPageMixin
from onboarding import selectors, services
from onboarding.columns import gaps_of, shown_notes
from onboarding.forms import ImportCommitForm, ImportMappingForm, ImportUploadForm
from onboarding.models import ImportJob
from onboarding.tasks import start_import
from shared_services.accounts.models import User
from shared_services.core.forms import add_service_errors

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class OnboardingPageMixin(DepartmentPageMixin):
    """Importing staff records needs the HR write permission (it shows and sets sensitive data too)."""

    required_scope = Scope.HR_WRITE
    kwargs: dict[str, Any]

    @property
    def acting_user(self) -> User:
        return cast(User, self.request.user)


class ImportJobMixin(OnboardingPageMixin):
    @cached_property
    def job(self) -> ImportJob:
        job = selectors.import_job_get(department=self.department, job_id=int(self.kwargs["job_id"]))
        if job is None:
            raise Http404("There is no import with this number.")
        return job


class ImportJobListView(OnboardingPageMixin, TemplateView):
    template_name = "onboarding/job_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(jobs=list(selectors.import_jobs(department=self.department)[:50]),
                       mappings=selectors.import_mappings(department=self.department))
        return context


class ImportUploadView(OnboardingPageMixin, FormView):
    template_name = "onboarding/upload.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["max_mb"] = settings.ONBOARDING_MAX_UPLOAD_BYTES // (1024 * 1024)
        return context

    def get_form(self, form_class: Any = None) -> ImportUploadForm:
        mappings = selectors.import_mappings(department=self.department)
        return ImportUploadForm(**self.get_form_kwargs(), mappings=mappings)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Refuse an oversized upload before reading it, rather than after storing it.
        if int(request.META.get("CONTENT_LENGTH") or 0) > settings.ONBOARDING_MAX_UPLOAD_BYTES + 64 * 1024:
            # An unbound form: binding it would read the whole upload.
            form = ImportUploadForm(mappings=selectors.import_mappings(department=self.department))
            form.cleaned_data = {}
            form.add_error("upload", f"The file is larger than {settings.ONBOARDING_MAX_UPLOAD_BYTES // 1048576} MB, "
                                     "the largest accepted. Split it into smaller files.")
            return self.form_invalid(form)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: ImportUploadForm) -> HttpResponse:  # type: ignore[override]
        upload = form.cleaned_data["upload"]
        try:
            job = services.import_job_create(department=self.department, upload=upload, original_name=upload.name,
                                             acting_user=self.acting_user, dry_run=True,
                                             mapping=form.chosen_mapping())
            start_import(job)
        except ValidationError as error:
            for field, texts in error.message_dict.items():
                for text in texts:
                    form.add_error("upload" if field not in form.fields else field, text)
            return self.form_invalid(form)
        return redirect("onboarding:job", department_slug=self.department.slug, job_id=job.pk)


class ImportMappingCreateView(OnboardingPageMixin, FormView):
    template_name = "onboarding/mapping.html"
    form_class = ImportMappingForm

    def form_valid(self, form: ImportMappingForm) -> HttpResponse:  # type: ignore[override]
        try:
            mapping = services.import_mapping_save(
                department=self.department, name=form.cleaned_data["name"], columns=form.columns(),
                create_missing_references=form.cleaned_data["create_missing_references"],
                acting_user=self.acting_user)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"The column mapping “{mapping.name}” was saved.")
        return redirect("onboarding:upload", department_slug=self.department.slug)


class ImportJobView(ImportJobMixin, TemplateView):
    template_name = "onboarding/job.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        job = self.job
        gaps = gaps_of(job.notes)
        commit_form = kwargs.get("commit_form") or ImportCommitForm(initial={"accept_valid": job.accept_valid},
                                                                    missing=gaps.lines())
        context.update(job=job, errors=selectors.import_row_errors(department=self.department, job=job, limit=50),
                       matching=selectors.column_matching(job=job) if job.is_finished else [],
                       notes=shown_notes(job.notes), gaps=gaps, commit_form=commit_form,
                       can_commit=job.dry_run and job.status == ImportJob.Status.VALIDATED
                       and (job.rows_created + job.rows_updated) > 0)
        return context


class ImportJobProgressView(ImportJobMixin, TemplateView):
    """The progress panel alone, for the page to refresh while the job runs."""

    template_name = "onboarding/_progress.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["job"] = self.job
        return context

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        response = super().render_to_response(context, **kwargs)
        if self.job.is_finished:
            # htmx reloads the whole page once, to show the results.
            response["HX-Refresh"] = "true"
        return response


class ImportJobCommitView(ImportJobView):
    """Import after a dry run; refused, on the dry run's page with an error summary, until every
    missing column is ticked."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = ImportCommitForm(request.POST, missing=gaps_of(self.job.notes).lines())
        if form.is_valid():
            try:
                job = services.import_job_commit(department=self.department, source=self.job,
                                                 accept_valid=form.cleaned_data["accept_valid"],
                                                 accept_missing=form.cleaned_data["accept_missing"],
                                                 acting_user=self.acting_user)
                start_import(job)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return redirect("onboarding:job", department_slug=self.department.slug, job_id=job.pk)
        return self.render_to_response(self.get_context_data(commit_form=form), status=400)


class ImportErrorReportView(ImportJobMixin, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> StreamingHttpResponse:
        response = StreamingHttpResponse(selectors.error_report_lines(department=self.department, job=self.job),
                                         content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{self.job.pk}-errors.csv"'
        return response


class ImportReconciliationView(ImportJobMixin, TemplateView):
    template_name = "onboarding/reconciliation.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(job=self.job, table=selectors.reconciliation_rows(job=self.job))
        return context


class ImportReconciliationDownloadView(ImportJobMixin, View):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.kwargs["file_format"] not in ("csv", "xlsx"):
            raise Http404("The reconciliation report comes as .csv or .xlsx.")
        if self.kwargs["file_format"] == "xlsx":
            response = HttpResponse(selectors.reconciliation_xlsx(job=self.job), content_type=XLSX_TYPE)
        else:
            response = HttpResponse(selectors.reconciliation_csv(job=self.job), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (f'attachment; filename="import-{self.job.pk}-reconciliation.'
                                           f'{self.kwargs["file_format"]}"')
        return response
