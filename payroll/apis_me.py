"""The self-service payroll API, under /api/v1/me/departments/<slug>/: the caller's own published
payslips and their documents (P60s, P45, yearly summaries), as JSON and as PDFs.

The caller is a person signed in (with the self-service scope) or an API token whose service user
is linked to an employee record (a future mobile app's). Every operation reads the caller's own
record, never one named in the address: another employee's payslip id is a 404, as is a tax year
the caller has nothing in, or one in the address not written like "2026-27" (its problem names
``tax_year``: an address that names no tax year names no document); a ``tax_year`` filter written
wrongly is a 400 naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpResponse, HttpResponseBase
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, renderers, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from departments.api_base import DepartmentScopedApi
from departments.api_helpers import caller, page_of, paginated
from departments.roles import Scope
from hr.models import Employee
from hr.selectors import employee_of_user
from payroll import downloads, selectors
from payroll import selectors_documents as documents
from payroll.models import Payslip
from payroll.p45_document import p45_pdf_response
from payroll.p60 import P60
from payroll.p60_document import p60_pdf
from payroll.yearly_summary import COLUMNS, YearlySummaryError, period_label, tax_year_checked
from payroll.yearly_summary_document import yearly_summary_pdf_response
from shared_services.core.problems import NotFound

TAGS = ["self-service"]
NAMESPACE = "me-payroll"
PROBLEMS = {
    403: OpenApiResponse(description="A person without the self-service scope."),
    404: OpenApiResponse(description="No such department, or nothing of the caller's at this address (another "
                                     "employee's payslip, a tax year with no document or not written like "
                                     "2026-27, a caller not linked to an employee record)."),
}
FILTER_PROBLEMS = {400: OpenApiResponse(description="A tax_year filter not written like 2026-27: problem+json "
                                                    "naming 'tax_year'."), **PROBLEMS}
TAX_YEAR_PARAMETER = OpenApiParameter("tax_year", str, OpenApiParameter.PATH, description="e.g. 2026-27")
PDF = {(200, "application/pdf"): OpenApiTypes.BINARY}


class PdfRenderer(renderers.BaseRenderer):
    """Lets a client ask for a document with ``Accept: application/pdf``: the view answers with the
    file itself, and a problem (a 404, say) is still written as JSON."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type: str | None = None,
               renderer_context: Mapping[str, Any] | None = None) -> bytes:
        return data if isinstance(data, bytes) else renderers.JSONRenderer().render(data)


class SelfServiceApi(DepartmentScopedApi):
    """Every token reads its own department (``department:read``); whose records it reads is
    decided by ``own_employee``, from the caller alone."""

    required_scopes = {"GET": Scope.DEPARTMENT_READ}

    def own_employee(self, request: Request) -> Employee:
        """The caller's own employee record here, or 404; a person also needs the self-service scope
        (tokens cannot hold it: their link to an employee record stands for it)."""
        if self.department_access.api_token is None and not self.department_access.allows(Scope.SELF_SERVICE):
            raise exceptions.PermissionDenied(f"This needs the '{Scope.SELF_SERVICE}' scope.")
        own = employee_of_user(user_id=caller(request).pk)
        if own is None:
            raise NotFound("Your account is not linked to an employee record in this department.")
        return own

    def link(self, name: str, **kwargs: Any) -> str:
        return self.request.build_absolute_uri(reverse(f"{NAMESPACE}:{name}", kwargs={
            "department_slug": self.department.slug, **kwargs}))


class SelfServicePdfApi(SelfServiceApi):
    renderer_classes = [renderers.JSONRenderer, PdfRenderer]


TAX_YEAR_FORM = "a tax year like 2026-27: the year it starts, a hyphen, and the last two digits of the next year"


def _tax_year(raw: str) -> str:
    """A tax year from the address: one written wrongly names no document, so it is a 404."""
    try:
        return tax_year_checked(raw)
    except YearlySummaryError:
        raise NotFound(f"tax_year: {raw!r} is not {TAX_YEAR_FORM}.") from None


def _tax_year_filter(raw: str) -> str:
    try:
        return tax_year_checked(raw)
    except YearlySummaryError:
        raise exceptions.ValidationError({"tax_year": [f"Give {TAX_YEAR_FORM}."]}) from None


def _money() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2)


class StatutoryAmountSerializer(serializers.Serializer):
    class Meta:
        ref_name = "MePayrollStatutoryAmount"

    payment = serializers.CharField()
    amount = _money()

    def to_representation(self, instance: Any) -> Any:
        label, amount = instance
        return super().to_representation({"payment": label, "amount": amount})


# --- Payslips ------------------------------------------------------------------------------------

class MyPayslipSerializer(serializers.Serializer):
    class Meta:
        ref_name = "MePayrollPayslip"

    id = serializers.IntegerField()
    pay_date = serializers.DateField(source="run.pay_date")
    tax_year = serializers.CharField(source="run.tax_year")
    period = serializers.SerializerMethodField(help_text="Tax month or week; a correction is a supplementary "
                                                         "payment for a period already paid.")
    tax_code = serializers.CharField()
    ni_category = serializers.CharField()
    gross_pay = _money()
    taxable_pay = _money()
    income_tax = _money()
    employee_ni = _money()
    pension_employee = _money()
    student_loan = _money()
    postgraduate_loan = _money()
    net_pay = _money()
    employer_ni = _money()
    pension_employer = _money()
    url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    def get_period(self, slip: Payslip) -> str:
        return period_label(slip.run.schedule.frequency, slip.run.tax_period,
                            correction=slip.run.kind == "supplementary")

    def get_url(self, slip: Payslip) -> str:
        return str(self.context["view"].link("payslip", payslip_id=slip.pk))

    def get_pdf_url(self, slip: Payslip) -> str:
        return str(self.context["view"].link("payslip-pdf", payslip_id=slip.pk))


class MyPayslipLineSerializer(serializers.Serializer):
    class Meta:
        ref_name = "MePayrollPayslipLine"

    code = serializers.CharField()
    description = serializers.CharField()
    section = serializers.CharField(help_text="payment, deduction or employer.")
    after_tax = serializers.BooleanField()
    amount = _money()


class MyPayslipListApi(SelfServiceApi):
    """The caller's published payslips (from finalised pay runs), newest first; ``tax_year``
    narrows them to one tax year."""

    @extend_schema(operation_id="me_payroll_payslips_list", tags=TAGS,
                   parameters=[OpenApiParameter("tax_year", str, description="e.g. 2026-27")],
                   responses={200: page_of("MePayrollPayslipPage", MyPayslipSerializer(many=True)),
                              **FILTER_PROBLEMS})
    def get(self, request: Request, department_slug: str) -> Response:
        rows = documents.own_payslips(employee=self.own_employee(request))
        if request.query_params.get("tax_year"):
            rows = rows.filter(run__tax_year=_tax_year_filter(request.query_params["tax_year"]))
        return paginated(request, self, rows, _with_view(MyPayslipSerializer, self))


class MyPayslipDetailApi(SelfServiceApi):
    """One of the caller's published payslips, with its lines and the year-to-date figures after it."""

    class OutputSerializer(MyPayslipSerializer):
        class Meta:
            ref_name = "MePayrollPayslipDetail"

        lines = serializers.SerializerMethodField()
        year_to_date = serializers.DictField(child=serializers.CharField())

        @extend_schema_field(MyPayslipLineSerializer(many=True))
        def get_lines(self, slip: Payslip) -> Any:
            return MyPayslipLineSerializer(selectors.payslip_lines(payslip=slip), many=True).data

    @extend_schema(operation_id="me_payroll_payslip_retrieve", tags=TAGS,
                   responses={200: OutputSerializer, **PROBLEMS})
    def get(self, request: Request, department_slug: str, payslip_id: int) -> Response:
        payslip = documents.own_payslip_get(employee=self.own_employee(request), payslip_id=payslip_id)
        return Response(self.OutputSerializer(payslip, context={"view": self}).data)


class MyPayslipPdfApi(SelfServicePdfApi):
    """One of the caller's published payslips as a PDF, as the payslip page's download."""

    @extend_schema(operation_id="me_payroll_payslip_pdf", tags=TAGS, responses={**PDF, **PROBLEMS})
    def get(self, request: Request, department_slug: str, payslip_id: int) -> HttpResponseBase:
        payslip = documents.own_payslip_get(employee=self.own_employee(request), payslip_id=payslip_id)
        return downloads.payslip_pdf_response(payslip, self.department.name)


def _with_view(serializer: type[serializers.Serializer], view: SelfServiceApi) -> Any:
    """``paginated`` builds its serializer from the class alone; this one needs the view for links."""

    def build(*args: Any, **kwargs: Any) -> serializers.Serializer:
        return serializer(*args, context={"view": view}, **kwargs)

    return build


# --- Documents -----------------------------------------------------------------------------------

class DocumentSerializer(serializers.Serializer):
    class Meta:
        ref_name = "MePayrollDocument"

    available = serializers.BooleanField()
    note = serializers.CharField(help_text="When it is not available: why, or when it will be.")
    url = serializers.URLField(allow_null=True, help_text="The document's figures (JSON).")
    pdf_url = serializers.URLField(allow_null=True)


class DocumentYearSerializer(serializers.Serializer):
    class Meta:
        ref_name = "MePayrollDocumentYear"

    tax_year = serializers.CharField()
    is_current = serializers.BooleanField()
    payslips = serializers.IntegerField(help_text="How many payslips were published in the year.")
    payslips_url = serializers.URLField()
    p60 = DocumentSerializer()
    p60_expected_by = serializers.DateField(allow_null=True, help_text="While the year is under way: the day its "
                                                                       "P60 is due by (31 May after it ends).")
    p45 = DocumentSerializer(allow_null=True, help_text="Only in the tax year the caller left in.")
    yearly_summary = DocumentSerializer()


class MyDocumentListApi(SelfServiceApi):
    """The caller's documents per tax year, newest first: the P60 (once the year is over), the P45
    (in the year they left), the yearly summary (once a payslip of the year is published), each with
    its addresses, or a note saying why it is not there yet."""

    @extend_schema(operation_id="me_payroll_documents_list", tags=TAGS,
                   responses={200: DocumentYearSerializer(many=True), **PROBLEMS})
    def get(self, request: Request, department_slug: str) -> Response:
        own = self.own_employee(request)
        years = [self._year(year) for year in documents.document_years(department=self.department, employee=own)]
        return Response(DocumentYearSerializer(years, many=True).data)

    def _year(self, year: documents.DocumentYear) -> dict[str, Any]:
        tax_year = year.tax_year
        p45 = None
        if year.has_p45:
            ready = year.p45 is not None
            p45 = {"available": ready, "note": year.p45_note, "url": self.link("p45") if ready else None,
                   "pdf_url": self.link("p45-pdf") if ready else None}
        return {
            "tax_year": tax_year, "is_current": year.is_current, "payslips": len(year.payslips),
            "payslips_url": self.link("payslips") + f"?tax_year={tax_year}",
            "p60": {"available": year.p60_ready, "note": year.p60_note,
                    "url": self.link("p60", tax_year=tax_year) if year.p60_ready else None,
                    "pdf_url": self.link("p60-pdf", tax_year=tax_year) if year.p60_ready else None},
            "p60_expected_by": documents.p60_due_date(tax_year) if year.is_current and not year.p60_ready else None,
            "p45": p45,
            "yearly_summary": {
                "available": year.has_summary,
                "note": "" if year.has_summary else f"Your summary of {tax_year} will be here once your first "
                                                    "payslip of the tax year is published.",
                "url": self.link("yearly-summary", tax_year=tax_year) if year.has_summary else None,
                "pdf_url": self.link("yearly-summary-pdf", tax_year=tax_year) if year.has_summary else None},
        }


class NiLetterSerializer(serializers.Serializer):
    class Meta:
        ref_name = "MePayrollP60NiLetter"

    letter = serializers.CharField()
    at_lel = _money()
    lel_to_pt = _money()
    pt_to_uel = _money()
    employee_contributions = _money()


class MyP60Api(SelfServiceApi):
    """The caller's P60 for a tax year that is over, with the figures HMRC's form shows."""

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "MePayrollP60"

        tax_year = serializers.CharField()
        year_end = serializers.DateField()
        surname = serializers.CharField()
        forenames = serializers.CharField()
        ni_number = serializers.CharField()
        payroll_number = serializers.CharField()
        previous_pay = _money()
        previous_tax = _money()
        pay = _money()
        tax = _money()
        total_pay = _money()
        total_tax = _money()
        tax_refunded = serializers.BooleanField(help_text="The year ended with a net refund (marked R on the form).")
        final_tax_code = serializers.CharField()
        ni = NiLetterSerializer(many=True)
        statutory_payments = StatutoryAmountSerializer(many=True)
        student_loan = _money()
        postgraduate_loan = _money()
        employer_name = serializers.CharField()
        employer_paye_reference = serializers.CharField()
        pdf_url = serializers.SerializerMethodField()

        def get_pdf_url(self, p60: P60) -> str:
            return str(self.context["view"].link("p60-pdf", tax_year=p60.tax_year))

    @extend_schema(operation_id="me_payroll_p60_retrieve", tags=TAGS, parameters=[TAX_YEAR_PARAMETER],
                   responses={200: OutputSerializer, **PROBLEMS})
    def get(self, request: Request, department_slug: str, tax_year: str) -> Response:
        own = self.own_employee(request)
        p60 = documents.own_p60(department=self.department, employee=own, tax_year=_tax_year(tax_year))
        return Response(self.OutputSerializer(p60, context={"view": self}).data)


class MyP60PdfApi(SelfServicePdfApi):
    """The caller's P60 for a tax year that is over, as a PDF."""

    @extend_schema(operation_id="me_payroll_p60_pdf", tags=TAGS, parameters=[TAX_YEAR_PARAMETER],
                   responses={**PDF, **PROBLEMS})
    def get(self, request: Request, department_slug: str, tax_year: str) -> HttpResponseBase:
        own = self.own_employee(request)
        p60 = documents.own_p60(department=self.department, employee=own, tax_year=_tax_year(tax_year))
        response = HttpResponse(p60_pdf(p60), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="P60-{p60.tax_year}-{own.payroll_number}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response


class MyP45Api(SelfServiceApi):
    """The caller's P45 (Part 1A's boxes) once they have left and their final pay is finalised."""

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "MePayrollP45"

        tax_year = serializers.CharField()
        employer_name = serializers.CharField()
        employer_paye_reference = serializers.CharField(help_text="Box 1")
        ni_number = serializers.CharField(help_text="Box 2")
        title = serializers.CharField(help_text="Box 3")
        surname = serializers.CharField()
        first_names = serializers.CharField()
        leaving_date = serializers.DateField(help_text="Box 4")
        student_loan_continues = serializers.BooleanField(help_text="Box 5")
        postgraduate_loan_continues = serializers.BooleanField()
        tax_code = serializers.CharField(source="tax_code_box", help_text="Box 6, with X on a week 1/month 1 basis")
        week1_month1 = serializers.BooleanField()
        period_unit = serializers.CharField(help_text="Box 7: Week or Month")
        period_number = serializers.IntegerField()
        total_pay_to_date = _money()
        total_tax_to_date = _money()
        this_employment_pay = _money()
        this_employment_tax = _money()
        payroll_number = serializers.CharField(help_text="Box 9")
        department = serializers.CharField()
        sex = serializers.CharField(help_text="Box 10")
        date_of_birth = serializers.DateField(help_text="Box 11")
        address = serializers.ListField(child=serializers.CharField(), help_text="Box 12")
        pdf_url = serializers.SerializerMethodField()

        def get_pdf_url(self, p45: Any) -> str:
            return str(self.context["view"].link("p45-pdf"))

    @extend_schema(operation_id="me_payroll_p45_retrieve", tags=TAGS, responses={200: OutputSerializer, **PROBLEMS})
    def get(self, request: Request, department_slug: str) -> Response:
        p45 = documents.own_p45(department=self.department, employee=self.own_employee(request))
        return Response(self.OutputSerializer(p45, context={"view": self}).data)


class MyP45PdfApi(SelfServicePdfApi):
    """The caller's P45 as a PDF."""

    @extend_schema(operation_id="me_payroll_p45_pdf", tags=TAGS, responses={**PDF, **PROBLEMS})
    def get(self, request: Request, department_slug: str) -> HttpResponseBase:
        return p45_pdf_response(documents.own_p45(department=self.department, employee=self.own_employee(request)))


class FiguresSerializer(serializers.Serializer):
    class Meta:
        ref_name = "MePayrollYearlySummaryFigures"

    gross_pay = _money()
    taxable_pay = _money()
    income_tax = _money()
    employee_ni = _money()
    pension_employee = _money()
    student_loan = _money()
    postgraduate_loan = _money()
    statutory_pay = _money()
    net_pay = _money()


class SummaryRowSerializer(serializers.Serializer):
    class Meta:
        ref_name = "MePayrollYearlySummaryRow"

    payslip_id = serializers.IntegerField()
    pay_date = serializers.DateField()
    period_label = serializers.CharField()
    correction = serializers.BooleanField()
    figures = FiguresSerializer()


class ColumnSerializer(serializers.Serializer):
    class Meta:
        ref_name = "MePayrollYearlySummaryColumn"

    name = serializers.CharField(help_text="The figure's name in rows and totals.")
    title = serializers.CharField(source="label", help_text="The column's heading on the page and the PDF.")
    explanation = serializers.CharField()


class MyYearlySummaryApi(SelfServiceApi):
    """The caller's pay in each period of a tax year, from their published payslips, with totals that
    equal the payslips' figures added up; ``columns`` explains each figure."""

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "MePayrollYearlySummary"

        tax_year = serializers.CharField()
        starts = serializers.DateField()
        ends = serializers.DateField()
        employee_name = serializers.CharField()
        payroll_number = serializers.CharField()
        employer_name = serializers.CharField()
        columns = serializers.SerializerMethodField()
        rows = SummaryRowSerializer(many=True)
        totals = FiguresSerializer()
        statutory_totals = StatutoryAmountSerializer(many=True)
        pdf_url = serializers.SerializerMethodField()

        @extend_schema_field(ColumnSerializer(many=True))
        def get_columns(self, summary: Any) -> Any:
            return ColumnSerializer(COLUMNS, many=True).data

        def get_pdf_url(self, summary: Any) -> str:
            return str(self.context["view"].link("yearly-summary-pdf", tax_year=summary.tax_year))

    @extend_schema(operation_id="me_payroll_yearly_summary_retrieve", tags=TAGS, parameters=[TAX_YEAR_PARAMETER],
                   responses={200: OutputSerializer, **PROBLEMS})
    def get(self, request: Request, department_slug: str, tax_year: str) -> Response:
        own = self.own_employee(request)
        summary = documents.yearly_summary_of(department=self.department, employee=own, tax_year=_tax_year(tax_year))
        return Response(self.OutputSerializer(summary, context={"view": self}).data)


class MyYearlySummaryPdfApi(SelfServicePdfApi):
    """The caller's yearly summary of a tax year as a PDF (A4, landscape)."""

    @extend_schema(operation_id="me_payroll_yearly_summary_pdf", tags=TAGS, parameters=[TAX_YEAR_PARAMETER],
                   responses={**PDF, **PROBLEMS})
    def get(self, request: Request, department_slug: str, tax_year: str) -> HttpResponseBase:
        own = self.own_employee(request)
        return yearly_summary_pdf_response(documents.yearly_summary_of(
            department=self.department, employee=own, tax_year=_tax_year(tax_year)))
