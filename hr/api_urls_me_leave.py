from django.urls import path

from departments.api_helpers import routed_by_method
from hr import apis_me_leave as apis

# Included under api/v1/me/departments/<slug:department_slug>/ (shared_services/urls.py): the
# caller's own records in one department.
urlpatterns = [
    path("leave/", routed_by_method(apis.MyLeaveListApi, apis.MyLeaveRequestApi).as_view(), name="leave"),
    path("leave/<int:request_id>/", apis.MyLeaveDetailApi.as_view(), name="leave-request"),
    path("leave/<int:request_id>/cancel/", apis.MyLeaveCancelApi.as_view(), name="leave-request-cancel"),
    path("deputies/", routed_by_method(apis.MyDelegationListApi, apis.MyDelegationCreateApi).as_view(),
         name="deputies"),
    path("deputies/<int:delegation_id>/cancel/", apis.MyDelegationCancelApi.as_view(), name="deputy-cancel"),
]
