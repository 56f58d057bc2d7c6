from django.urls import path

from departments import views

app_name = "departments"

urlpatterns = [
    path("", views.root, name="root"),
    path("departments/", views.DepartmentChooseView.as_view(), name="choose"),
    path("platform/departments/", views.PlatformDepartmentListView.as_view(), name="platform-departments"),
    path("platform/departments/new/", views.PlatformDepartmentCreateView.as_view(), name="platform-department-new"),
    path("departments/<slug:department_slug>/", views.DepartmentHomeView.as_view(), name="home"),
    path("departments/<slug:department_slug>/people/", views.DepartmentMembersView.as_view(), name="members"),
    path("departments/<slug:department_slug>/audit-log/", views.AuditLogView.as_view(), name="audit-log"),
]
