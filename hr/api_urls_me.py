from django.urls import path

from departments.api_helpers import routed_by_method
from hr import apis_me

# Included under api/v1/me/departments/<slug:department_slug>/ (shared_services/urls.py): the
# caller's own records in one department.
urlpatterns = [
    path("details/", routed_by_method(apis_me.MyDetailsApi, apis_me.MyDetailsChangeApi).as_view(), name="details"),
    path("details/change-requests/",
         routed_by_method(apis_me.MyDetailChangeRequestListApi, apis_me.MyDetailChangeRequestCreateApi).as_view(),
         name="detail-change-requests"),
    path("details/change-requests/<int:request_id>/", apis_me.MyDetailChangeRequestDetailApi.as_view(),
         name="detail-change-request"),
    path("details/change-requests/<int:request_id>/withdraw/", apis_me.MyDetailChangeRequestWithdrawApi.as_view(),
         name="detail-change-request-withdraw"),
]
