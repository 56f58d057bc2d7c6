from django.urls import URLPattern, URLResolver

# Settings an HR admin owns: leave types and policies, working patterns. Relative to
# departments/<slug>/hr/.
urlpatterns: list[URLPattern | URLResolver] = []
