"""Payroll tests build on the HR tests' organisation fixture."""

from tests.hr.conftest import organisation  # noqa: F401  (a fixture, shared)
