from django.apps import AppConfig


class TenancyFixtureConfig(AppConfig):
    """Two department-owned models, one pointing at the other, installed only in tests.

    They prove the tenancy mechanisms (scoped manager, RLS operation, composite foreign key) on
    their own, before any business model relies on them.
    """

    name = "tests.tenancy_fixture"
    label = "tenancy_fixture"
