from django.urls import URLPattern, URLResolver

# The department's own settings (bank holidays' region, …). Relative to departments/<slug>/.
urlpatterns: list[URLPattern | URLResolver] = []
