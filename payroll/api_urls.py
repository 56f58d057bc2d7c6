from django.urls import path

from payroll import apis

app_name = "payroll-api"

urlpatterns = [
    path("calculations", apis.PayrollCalculationApi.as_view(), name="calculations"),
]
