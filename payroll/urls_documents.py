"""The employee's own documents, in the ``payroll`` namespace (included by ``payroll.urls``). No
address names an employee: each page reads the signed-in person's own record."""

from django.urls import URLPattern, path

from payroll import views_documents as views

urlpatterns: list[URLPattern] = [
    path("me/documents/", views.MyDocumentsView.as_view(), name="my-documents"),
    # The P60's PDF is payroll:my-p60 (me/p60/<tax_year>/).
    path("me/documents/p60/<str:tax_year>/", views.MyP60View.as_view(), name="my-documents-p60"),
    path("me/documents/p45/", views.MyP45View.as_view(), name="my-documents-p45"),
    path("me/documents/p45/pdf/", views.MyP45PdfView.as_view(), name="my-documents-p45-pdf"),
    path("me/documents/yearly-summary/<str:tax_year>/", views.MyYearlySummaryView.as_view(),
         name="my-yearly-summary"),
    path("me/documents/yearly-summary/<str:tax_year>/pdf/", views.MyYearlySummaryPdfView.as_view(),
         name="my-yearly-summary-pdf"),
]
