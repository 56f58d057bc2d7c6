from django.urls import path

from departments.views import audit

# Relative to departments/<slug>/.
urlpatterns = [
    path("audit-log/", audit.AuditLogView.as_view(), name="audit-log"),
    path("audit-log/download.csv", audit.AuditLogDownloadView.as_view(), name="audit-log-download"),
]
