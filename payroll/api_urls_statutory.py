"""Statutory and occupational absence pay in the API, relative to
api/v1/departments/<slug>/payroll/ (``payroll.apis_statutory``)."""

from django.urls import URLPattern, path

from payroll import apis_statutory as apis

urlpatterns: list[URLPattern] = [
    path("employees/<str:payroll_number>/absence-pay/", apis.EmployeeAbsencePayApi.as_view(),
         name="employee-absence-pay"),
    path("employees/<str:payroll_number>/absence-pay/<int:leave_id>/notice/", apis.StatutoryPayNoticeApi.as_view(),
         name="statutory-pay-notice"),
    path("employees/<str:payroll_number>/earnings-history/", apis.EarningsHistoryOfEmployeeApi.as_view(),
         name="employee-earnings-history"),
    path("earnings-history/", apis.EarningsHistoryLoadApi.as_view(), name="earnings-history"),
    path("statutory-recovery/", apis.StatutoryRecoveryApi.as_view(), name="statutory-recovery"),
]
