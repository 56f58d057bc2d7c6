from django.urls import URLPattern, URLResolver, path

from payroll import apis_review

# Relative to api/v1/departments/<slug>/payroll/.
urlpatterns: list[URLPattern | URLResolver] = [
    path("runs/<int:run_id>/review/", apis_review.PayRunReviewApi.as_view(), name="run-review"),
    path("runs/<int:run_id>/review/acknowledgements/", apis_review.PayRunExceptionsAcknowledgeApi.as_view(),
         name="run-review-acknowledge"),
    path("runs/<int:run_id>/payment-routes/", apis_review.PayRunPaymentRouteListApi.as_view(),
         name="run-payment-routes"),
    path("runs/<int:run_id>/payment-routes/<int:employee_id>/", apis_review.PayRunPaymentRouteApi.as_view(),
         name="run-payment-route"),
]
