from django.urls import URLPattern, URLResolver, path

from hr import views_settings

# Settings an HR admin owns: leave types and policies, working patterns. Relative to
# departments/<slug>/hr/.
urlpatterns: list[URLPattern | URLResolver] = [
    path("settings/leave-types/", views_settings.LeaveTypeListView.as_view(), name="settings-leave-types"),
    path("settings/leave-types/new/", views_settings.LeaveTypeCreateView.as_view(), name="settings-leave-type-new"),
    path("settings/leave-types/<str:code>/", views_settings.LeaveTypeChangeView.as_view(),
         name="settings-leave-type"),
    path("settings/leave-types/<str:code>/entitlement/", views_settings.LeavePolicyChangeView.as_view(),
         name="settings-leave-policy"),
    path("settings/working-patterns/", views_settings.WorkingPatternListView.as_view(),
         name="settings-working-patterns"),
    path("settings/working-patterns/new/", views_settings.WorkingPatternCreateView.as_view(),
         name="settings-working-pattern-new"),
    path("settings/working-patterns/<int:pattern_id>/", views_settings.WorkingPatternChangeView.as_view(),
         name="settings-working-pattern"),
]
