"""Year-end pages, in the ``payroll`` namespace (included by ``payroll.urls``)."""

from django.urls import URLPattern, path

from payroll import views_year_end

urlpatterns: list[URLPattern] = [
    path("year-end/p60s/", views_year_end.P60BatchListView.as_view(), name="p60-batches"),
    path("year-end/p60s/<int:batch_id>/", views_year_end.P60BatchView.as_view(), name="p60-batch"),
    path("year-end/p60s/<int:batch_id>/progress/", views_year_end.P60BatchProgressView.as_view(),
         name="p60-batch-progress"),
    path("year-end/p60s/<int:batch_id>/download/", views_year_end.P60BatchDownloadView.as_view(),
         name="p60-batch-download"),
    path("me/p60/<str:tax_year>/", views_year_end.MyP60PdfView.as_view(), name="my-p60"),
]
