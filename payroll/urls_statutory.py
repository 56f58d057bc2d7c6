"""Statutory and occupational absence pay pages under departments/<slug>/payroll/
(``payroll.views_statutory``), in the "payroll" namespace."""

from django.urls import URLPattern, path

from payroll import views_statutory

urlpatterns: list[URLPattern] = [
    path("employees/<str:payroll_number>/absence-pay/", views_statutory.EmployeeAbsencePayView.as_view(),
         name="employee-absence-pay"),
]
