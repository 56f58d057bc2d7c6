import datetime
from decimal import Decimal

import factory
from django.core.files.base import ContentFile

from onboarding.models import ImportJob, ImportMapping, ImportRowError
from payroll.models import OpeningBalance
from tests.factories.base import DepartmentOwnedFactory
from tests.factories.hr import EmployeeFactory

SAME_DEPARTMENT = factory.SelfAttribute("..department")


class OpeningBalanceFactory(DepartmentOwnedFactory):
    class Meta:
        model = OpeningBalance

    employee = factory.SubFactory(EmployeeFactory, department=SAME_DEPARTMENT)
    tax_year = "2026-27"
    taxable_pay = Decimal("12000.00")
    tax_paid = Decimal("1400.00")
    ni_category = "A"


class ImportMappingFactory(DepartmentOwnedFactory):
    class Meta:
        model = ImportMapping

    name = factory.Sequence(lambda n: f"Mapping {n}")
    columns = factory.LazyFunction(lambda: {"payroll_number": "Emp Ref"})


class ImportJobFactory(DepartmentOwnedFactory):
    class Meta:
        model = ImportJob

    token = factory.Sequence(lambda n: f"{n:032x}")
    original_name = "staff.csv"
    upload = factory.LazyFunction(lambda: ContentFile(b"Payroll No\nA1\n", name="upload"))
    mapping = factory.SubFactory(ImportMappingFactory, department=SAME_DEPARTMENT)
    effective_from = datetime.date(2026, 11, 1)
    tax_year = "2026-27"


class ImportRowErrorFactory(DepartmentOwnedFactory):
    class Meta:
        model = ImportRowError

    job = factory.SubFactory(ImportJobFactory, department=SAME_DEPARTMENT)
    row_number = 2
    column = "NI Number"
    value = "QQ123"
    reason = "Enter a National Insurance number in the correct format"
