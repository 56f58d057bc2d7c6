from django.urls import URLPattern, URLResolver

# A run's review before approval: exceptions by kind, acknowledgements, payment routes.
# Relative to departments/<slug>/payroll/.
urlpatterns: list[URLPattern | URLResolver] = []
