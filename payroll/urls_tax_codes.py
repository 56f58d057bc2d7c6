"""Pages: HMRC's tax code notices, and leavers' P45s (names in the payroll namespace)."""

from django.urls import URLPattern, path

from payroll import views_tax_codes as views

urlpatterns: list[URLPattern] = [
    path("tax-codes/", views.TaxCodeNoticesView.as_view(), name="tax-code-notices"),
    path("tax-codes/apply/", views.TaxCodeNoticesApplyView.as_view(), name="tax-code-notices-apply"),
    path("employees/<str:payroll_number>/p45/", views.P45View.as_view(), name="p45"),
    path("employees/<str:payroll_number>/p45.pdf", views.P45PdfView.as_view(), name="p45-pdf"),
]
