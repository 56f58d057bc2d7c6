from django.urls import path

from departments.views.notifications import NotificationPreferencesView

# Included by the app's urls.py under departments/<slug:department_slug>/, so its names are in that
# app's namespace.
urlpatterns = [
    path("notifications/", NotificationPreferencesView.as_view(), name="notification-preferences"),
]
