from django.urls import include, path

from hr import views, views_absence

app_name = "hr"

# Included under departments/<slug:department_slug>/hr/ (shared_services/urls.py).
urlpatterns = [
    path("", views.EmployeeListView.as_view(), name="employees"),
    path("employees/new/", views.EmployeeHireView.as_view(), name="employee-hire"),
    path("employees/<str:payroll_number>/", views.EmployeeRecordView.as_view(), name="employee"),
    path("employees/<str:payroll_number>/change/", views.EmploymentChangeView.as_view(), name="employment-change"),
    path("employees/<str:payroll_number>/leave/", views.EmployeeLeaveView.as_view(), name="employee-leave"),
    path("employees/<str:payroll_number>/family-leave/new/", views_absence.FamilyLeaveRecordView.as_view(),
         name="family-leave-record"),
    path("employees/<str:payroll_number>/family-leave/<int:leave_id>/", views_absence.FamilyLeaveView.as_view(),
         name="family-leave"),
    path("employees/<str:payroll_number>/unauthorised-absence/new/",
         views_absence.UnauthorisedAbsenceRecordView.as_view(), name="unauthorised-absence-record"),
    path("family-leave/waiting/", views_absence.FamilyLeaveWaitingView.as_view(), name="family-leave-waiting"),
    path("settings/absence-pay-schemes/", views_absence.AbsencePaySchemesView.as_view(),
         name="absence-pay-schemes"),
    path("settings/absence-pay-schemes/<str:kind>/", views_absence.AbsencePaySchemeEditView.as_view(),
         name="absence-pay-scheme"),
    path("organisation/", views.OrganisationView.as_view(), name="organisation"),
    path("leave-approvals/", views.LeaveApprovalsView.as_view(), name="leave-approvals"),
    path("team/", views.TeamView.as_view(), name="team"),
    path("me/leave/", views.MyLeaveView.as_view(), name="my-leave"),
    path("me/leave/new/", views.MyLeaveRequestView.as_view(), name="my-leave-request"),
    path("me/family-leave/new/", views_absence.MyFamilyLeaveRequestView.as_view(), name="my-family-leave-request"),
    path("me/family-leave/<int:leave_id>/", views_absence.MyFamilyLeaveView.as_view(), name="my-family-leave"),
    # Self-service details and HR's queue of change requests; bank details; approval deputies.
    path("", include("hr.urls_self_service")),
    path("", include("hr.urls_bank")),
    path("", include("hr.urls_delegation")),
    path("", include("hr.urls_settings")),
]
