"""Statutory and occupational absence pay pages under departments/<slug>/payroll/
(``payroll.views_statutory``), in the "payroll" namespace."""

from django.urls import URLPattern, path

from payroll import views_statutory

urlpatterns: list[URLPattern] = [
    path("employees/<str:payroll_number>/absence-pay/", views_statutory.EmployeeAbsencePayView.as_view(),
         name="employee-absence-pay"),
    path("employees/<str:payroll_number>/absence-pay/<int:leave_id>/notice/",
         views_statutory.StatutoryPayNoticeView.as_view(), name="statutory-pay-notice"),
    path("statutory-recovery/", views_statutory.StatutoryRecoveryView.as_view(), name="statutory-recovery"),
    path("earnings-history/", views_statutory.EarningsHistoryLoadView.as_view(), name="earnings-history"),
]
