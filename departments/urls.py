from django.urls import include, path

from departments import views

app_name = "departments"

DEPARTMENT = "departments/<slug:department_slug>/"

urlpatterns = [
    path("", views.root, name="root"),
    path("departments/", views.DepartmentChooseView.as_view(), name="choose"),
    path("platform/", views.PlatformHomeView.as_view(), name="platform-home"),
    path("platform/departments/", views.PlatformDepartmentListView.as_view(), name="platform-departments"),
    path("platform/departments/new/", views.PlatformDepartmentCreateView.as_view(), name="platform-department-new"),
    path("platform/assignments/", views.OperatorAssignmentListView.as_view(), name="platform-assignments"),
    path("platform/assignments/new/", views.OperatorAssignmentCreateView.as_view(), name="platform-assignment-new"),
    path("platform/assignments/<int:assignment_id>/approve/", views.OperatorAssignmentApproveView.as_view(),
         name="platform-assignment-approve"),
    path("platform/assignments/<int:assignment_id>/end/", views.OperatorAssignmentEndView.as_view(),
         name="platform-assignment-end"),
    path(DEPARTMENT, views.DepartmentHomeView.as_view(), name="home"),
    path(f"{DEPARTMENT}people/", views.DepartmentMembersView.as_view(), name="members"),
    path(f"{DEPARTMENT}people/<int:membership_id>/end/", views.MembershipEndView.as_view(), name="member-end"),
    path(f"{DEPARTMENT}people/<int:membership_id>/change/", views.MembershipChangeView.as_view(),
         name="member-change"),
    path(f"{DEPARTMENT}people/requests/<int:request_id>/", views.MembershipRequestView.as_view(),
         name="member-request"),
    path(f"{DEPARTMENT}people/conflicts/", views.RoleConflictAddView.as_view(), name="role-conflict-add"),
    path(f"{DEPARTMENT}people/conflicts/<int:conflict_id>/remove/", views.RoleConflictRemoveView.as_view(),
         name="role-conflict-remove"),
    path(DEPARTMENT, include("departments.urls_approvals")),
    path(DEPARTMENT, include("departments.urls_notifications")),
    path(DEPARTMENT, include("departments.urls_audit")),
    path(DEPARTMENT, include("departments.urls_settings")),
]
