import datetime
from decimal import Decimal

import factory
from django.core.files.base import ContentFile

from onboarding.models import (
    CutoverSignOff,
    ImportJob,
    ImportMapping,
    ImportRowError,
    LegacyResult,
    LegacyResultRowError,
    ParallelRun,
    ParallelRunDifference,
)
from payroll.models import OpeningBalance
from tests.factories.base import DepartmentOwnedFactory
from tests.factories.departments import UserFactory
from tests.factories.hr import EmployeeFactory
from tests.factories.payroll import PayRunFactory, PayScheduleFactory

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


class ParallelRunFactory(DepartmentOwnedFactory):
    class Meta:
        model = ParallelRun

    token = factory.Sequence(lambda n: f"p{n:031x}")
    schedule = factory.SubFactory(PayScheduleFactory, department=SAME_DEPARTMENT)
    period_start = datetime.date(2026, 11, 1)
    shadow_run = factory.SubFactory(PayRunFactory, department=SAME_DEPARTMENT, kind="shadow",
                                    schedule=factory.SelfAttribute("..schedule"))
    original_name = "legacy-results.csv"
    upload = factory.LazyFunction(lambda: ContentFile(b"Payroll No,Gross\nA1,2500.00\n", name="legacy-results"))
    mapping = factory.SubFactory(ImportMappingFactory, department=SAME_DEPARTMENT)


class LegacyResultFactory(DepartmentOwnedFactory):
    class Meta:
        model = LegacyResult

    parallel_run = factory.SubFactory(ParallelRunFactory, department=SAME_DEPARTMENT)
    row_number = 2
    payroll_number = factory.Sequence(lambda n: f"L{n}")
    employee = factory.SubFactory(EmployeeFactory, department=SAME_DEPARTMENT)
    figures = factory.LazyFunction(lambda: {"gross_pay": "2500.00", "net_pay": "1984.20"})
    tax_code = "1257L"
    ni_category = "A"


class LegacyResultRowErrorFactory(DepartmentOwnedFactory):
    class Meta:
        model = LegacyResultRowError

    parallel_run = factory.SubFactory(ParallelRunFactory, department=SAME_DEPARTMENT)
    row_number = 3
    column = "Gross"
    value = "two thousand"
    reason = "Enter an amount of money, like 2500.00"


class ParallelRunDifferenceFactory(DepartmentOwnedFactory):
    class Meta:
        model = ParallelRunDifference

    parallel_run = factory.SubFactory(ParallelRunFactory, department=SAME_DEPARTMENT)
    payroll_number = factory.Sequence(lambda n: f"D{n}")
    employee = factory.SubFactory(EmployeeFactory, department=SAME_DEPARTMENT)
    figure = "income_tax"
    legacy_amount = Decimal("390.20")
    platform_amount = Decimal("390.40")
    classification = ParallelRunDifference.Classification.TAX_CODE


class CutoverSignOffFactory(DepartmentOwnedFactory):
    class Meta:
        model = CutoverSignOff

    parallel_run = factory.SubFactory(ParallelRunFactory, department=SAME_DEPARTMENT)
    role = CutoverSignOff.Role.HR_PAYROLL_LEAD
    signed_by = factory.LazyFunction(lambda: UserFactory.create())
    signed_at = factory.LazyFunction(lambda: datetime.datetime(2026, 12, 1, 12, tzinfo=datetime.UTC))
