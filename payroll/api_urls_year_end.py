"""API: year end, the P60 bundle and the rollover (under /api/v1/departments/<slug>/payroll/)."""

from django.urls import URLPattern, path

from payroll import apis_year_end as apis

urlpatterns: list[URLPattern] = [
    path("year-end/p60s/", apis.P60BatchStartApi.as_view(), name="p60-batches"),
    path("year-end/p60s/<int:batch_id>/", apis.P60BatchDetailApi.as_view(), name="p60-batch"),
    path("year-end/rollover/", apis.YearEndRolloverApi.as_view(), name="year-end-rollover"),
]
