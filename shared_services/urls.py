from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from hr import api_urls as hr_api_urls
from shared_services.core import views as core_views

ME = "api/v1/me/departments/<slug:department_slug>/"

urlpatterns = [
    path("", include("departments.urls")),
    path("departments/<slug:department_slug>/single-sign-on/", include("departments.sso_urls")),
    path("departments/<slug:department_slug>/hr/", include("hr.urls")),
    path("departments/<slug:department_slug>/payroll/", include("payroll.urls")),
    path("departments/<slug:department_slug>/finance/", include("finance.urls")),
    path("departments/<slug:department_slug>/onboarding/", include("onboarding.urls")),
    path("accounts/", include("shared_services.accounts.urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("api/v1/payroll/", include("payroll.api_urls")),
    path("api/v1/departments/<slug:department_slug>/hr/", include("hr.api_urls")),
    # hr's routes before they had an hr/ segment, kept working and marked deprecated in the schema.
    path("api/v1/departments/<slug:department_slug>/",
         include((hr_api_urls.deprecated_urlpatterns, hr_api_urls.app_name), namespace="hr-api-deprecated")),
    path("api/v1/departments/<slug:department_slug>/finance/", include("finance.api_urls")),
    path("api/v1/departments/<slug:department_slug>/payroll/", include("payroll.department_api_urls")),
    path("api/v1/departments/<slug:department_slug>/imports/", include("onboarding.api_urls")),
    path("api/v1/departments/<slug:department_slug>/parallel-runs/", include("onboarding.api_urls_parallel")),
    # Self-service: the caller's own records in one department (one namespace per app).
    path(ME, include(("hr.api_urls_me", "hr"), namespace="me-hr")),
    path(ME, include(("hr.api_urls_me_bank", "hr"), namespace="me-hr-bank")),
    path(ME, include(("hr.api_urls_me_leave", "hr"), namespace="me-hr-leave")),
    path(ME, include(("payroll.api_urls_me", "payroll"), namespace="me-payroll")),
    path(ME, include(("finance.api_urls_me", "finance"), namespace="me-finance")),
    path(ME, include(("departments.api_urls_me", "departments"), namespace="me-departments")),
    path(ME, include(("departments.api_urls_me_notifications", "departments"), namespace="me-notifications")),
    path("api/v1/", include("departments.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("platform-admin/", admin.site.urls),
]

handler400 = "shared_services.core.views.bad_request"
handler403 = "shared_services.core.views.permission_denied"
handler404 = "shared_services.core.views.page_not_found"
handler500 = "shared_services.core.views.server_error"
