from django.urls import URLPattern, URLResolver, path

from payroll import views_review

# A run's review before approval: exceptions by kind, acknowledgements, payment routes; and the
# confirmation of a step that cannot be undone. Relative to departments/<slug>/payroll/.
urlpatterns: list[URLPattern | URLResolver] = [
    path("runs/<int:run_id>/review/", views_review.PayRunReviewView.as_view(), name="run-review"),
    path("runs/<int:run_id>/review/employees/<int:employee_id>/payment-route/",
         views_review.PayRunPaymentRouteView.as_view(), name="run-payment-route"),
    path("runs/<int:run_id>/confirm/<str:action>/", views_review.PayRunConfirmView.as_view(), name="run-confirm"),
]
