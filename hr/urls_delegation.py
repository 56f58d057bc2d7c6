from django.urls import path

from hr import views_delegation

# Included by the app's urls.py, so its names are in that app's namespace.
urlpatterns = [
    path("me/deputies/", views_delegation.MyDelegationsView.as_view(), name="my-delegations"),
    path("me/deputies/<int:delegation_id>/cancel/", views_delegation.MyDelegationCancelView.as_view(),
         name="my-delegation-cancel"),
]
