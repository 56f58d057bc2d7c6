from django.urls import URLPattern

# Included under api/v1/me/departments/<slug:department_slug>/ (shared_services/urls.py): the
# caller's own records in one department.
urlpatterns: list[URLPattern] = []
