from django.urls import path

from departments import apis_notifications as apis
from departments.api_helpers import routed_by_method

# Included under api/v1/me/departments/<slug:department_slug>/ (shared_services/urls.py): the
# caller's own records in one department.
urlpatterns = [
    path("notification-preferences/",
         routed_by_method(apis.MyNotificationPreferenceGetApi, apis.MyNotificationPreferenceSetApi).as_view(),
         name="notification-preferences"),
    path("notifications/", apis.MyNotificationListApi.as_view(), name="notifications"),
]
