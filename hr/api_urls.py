from django.urls import URLPattern, path

from departments.api_helpers import deprecated_alias, routed_by_method
from hr import api_urls_settings, apis, apis_absence, apis_settings

app_name = "hr-api"

# Relative to api/v1/departments/<slug:department_slug>/hr/ (shared_services/urls.py).
urlpatterns = [
    path("employees/", routed_by_method(apis.EmployeeListApi, apis.EmployeeHireApi).as_view(), name="employees"),
    path("employees/<str:payroll_number>/", apis.EmployeeDetailApi.as_view(), name="employee"),
    path("employees/<str:payroll_number>/changes/", apis.EmploymentChangeApi.as_view(), name="employee-changes"),
    path("employees/<str:payroll_number>/leave/", apis.EmployeeLeaveApi.as_view(), name="employee-leave"),
    path("employees/<str:payroll_number>/employment-history/", apis.EmploymentHistoryApi.as_view(),
         name="employment-history"),
    path("employees/<str:payroll_number>/employment-history/<int:version_id>/corrections/",
         apis.EmploymentCorrectApi.as_view(), name="employment-corrections"),
    path("organisation-units/",
         routed_by_method(apis.OrganisationUnitListApi, apis.OrganisationUnitCreateApi).as_view(),
         name="organisation-units"),
    path("grades/", routed_by_method(apis.GradeListApi, apis.GradeCreateApi).as_view(), name="grades"),
    path("grades/<str:grade_code>/pay-ranges/", apis.PayRangeSetApi.as_view(), name="grade-pay-ranges"),
    path("leave-types/", apis_settings.LeaveTypesApi.as_view(), name="leave-types"),
    path("leave-requests/", apis.LeaveRequestListApi.as_view(), name="leave-requests"),
    path("leave-requests/<int:request_id>/decision/", apis.LeaveRequestDecideApi.as_view(),
         name="leave-request-decision"),
    path("leave-requests/<int:request_id>/cancel/", apis.LeaveRequestCancelApi.as_view(),
         name="leave-request-cancel"),
    path("employees/<str:payroll_number>/leave-requests/", apis.LeaveRequestCreateApi.as_view(),
         name="employee-leave-requests"),
    path("employees/<str:payroll_number>/leave-balances/", apis.LeaveBalanceApi.as_view(),
         name="employee-leave-balances"),
    path("employees/<str:payroll_number>/sickness/", apis.SicknessRecordApi.as_view(), name="employee-sickness"),
]


def _deprecated(pattern: URLPattern) -> URLPattern:
    view = deprecated_alias(pattern.callback.view_class)  # type: ignore[attr-defined]
    return URLPattern(pattern.pattern, view.as_view(), name=pattern.name)


# The same routes without the hr/ segment, as first published (finance and payroll always had
# theirs): integrators may still call them, so they answer alike and the schema marks them
# deprecated. Included beside urlpatterns under the instance namespace "hr-api-deprecated", so
# reverse("hr-api:…") gives the hr/ address.
deprecated_urlpatterns = [_deprecated(pattern) for pattern in urlpatterns]

# Family leave, unauthorised absence, sick pay and the absence pay schemes: published with the hr/
# segment only, so they have no deprecated aliases.
absence_urlpatterns = [
    path("employees/<str:payroll_number>/family-leaves/",
         routed_by_method(apis_absence.FamilyLeaveListApi, apis_absence.FamilyLeaveRecordApi).as_view(),
         name="employee-family-leaves"),
    path("family-leaves/<int:leave_id>/",
         routed_by_method(apis_absence.FamilyLeaveDetailApi, apis_absence.FamilyLeaveChangeApi).as_view(),
         name="family-leave"),
    path("family-leaves/<int:leave_id>/confirm/", apis_absence.FamilyLeaveConfirmApi.as_view(),
         name="family-leave-confirm"),
    path("family-leaves/<int:leave_id>/cancel/", apis_absence.FamilyLeaveCancelApi.as_view(),
         name="family-leave-cancel"),
    path("employees/<str:payroll_number>/unauthorised-absences/", apis_absence.UnauthorisedAbsenceRecordApi.as_view(),
         name="employee-unauthorised-absences"),
    path("employees/<str:payroll_number>/sick-pay-allowance/", apis_absence.SickPayAllowanceApi.as_view(),
         name="employee-sick-pay-allowance"),
    path("absence-pay-schemes/", apis_absence.AbsencePaySchemeListApi.as_view(), name="absence-pay-schemes"),
    path("absence-pay-schemes/<str:kind>/",
         routed_by_method(apis_absence.AbsencePaySchemeSetApi, apis_absence.AbsencePaySchemeResetApi).as_view(),
         name="absence-pay-scheme"),
]
urlpatterns += absence_urlpatterns
urlpatterns += api_urls_settings.urlpatterns
