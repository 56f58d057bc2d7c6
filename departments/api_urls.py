from django.urls import include, path

from departments import apis, apis_members

app_name = "api"

urlpatterns = [
    path("departments/<slug:department_slug>/", include("departments.api_urls_settings")),
    path("", apis.ApiRootApi.as_view(), name="root"),
    path("me/", apis.MeApi.as_view(), name="me"),
    path("departments/", apis.DepartmentListApi.as_view(), name="departments"),
    path("departments/<slug:department_slug>/", apis.DepartmentDetailApi.as_view(), name="department"),
    path(
        "departments/<slug:department_slug>/members/",
        apis_members.MemberListGrantApi.as_view(),
        name="department-members",
    ),
    path(
        "departments/<slug:department_slug>/members/<int:membership_id>/",
        apis_members.MemberDetailApi.as_view(),
        name="department-member",
    ),
    path(
        "departments/<slug:department_slug>/members/<int:membership_id>/end/",
        apis_members.MemberEndApi.as_view(),
        name="department-member-end",
    ),
    path(
        "departments/<slug:department_slug>/api-clients/",
        apis.ApiClientListApi.as_view(),
        name="department-api-clients",
    ),
    path(
        "departments/<slug:department_slug>/api-clients/new/",
        apis.ApiClientCreateApi.as_view(),
        name="department-api-clients-create",
    ),
    path(
        "departments/<slug:department_slug>/api-clients/<int:api_client_id>/revoke/",
        apis.ApiClientRevokeApi.as_view(),
        name="department-api-clients-revoke",
    ),
    path(
        "departments/<slug:department_slug>/audit-events/",
        apis.AuditEventListApi.as_view(),
        name="department-audit-events",
    ),
]
