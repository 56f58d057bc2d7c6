import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from payroll.models import (
    BankChangeAcknowledgement,
    DocumentBatch,
    EarningsHistory,
    PayInput,
    PayrollIdempotencyKey,
    PayRun,
    PayRunException,
    PayRunPaymentRoute,
    PaySchedule,
    PayScheduleMember,
    Payslip,
    PayslipLine,
    RtiSubmission,
    TaxCodeNotice,
)
from tests.factories.base import DepartmentOwnedFactory
from tests.factories.departments import UserFactory
from tests.factories.hr import BankDetailsChangeFactory, EmployeeFactory

SAME_DEPARTMENT = factory.SelfAttribute("..department")


class PayScheduleFactory(DepartmentOwnedFactory):
    class Meta:
        model = PaySchedule

    name = factory.Sequence(lambda n: f"Monthly {n}")
    bank_sort_code = "202959"
    bank_account_number = "63748472"
    bank_account_name = "PAYROLL ACCOUNT"


class PayScheduleMemberFactory(DepartmentOwnedFactory):
    class Meta:
        model = PayScheduleMember

    employee = factory.SubFactory(EmployeeFactory, department=SAME_DEPARTMENT)
    schedule = factory.SubFactory(PayScheduleFactory, department=SAME_DEPARTMENT)


class PayInputFactory(DepartmentOwnedFactory):
    class Meta:
        model = PayInput

    employee = factory.SubFactory(EmployeeFactory, department=SAME_DEPARTMENT)
    schedule = factory.SubFactory(PayScheduleFactory, department=SAME_DEPARTMENT)
    period_start = datetime.date(2026, 11, 1)
    code = "OVERTIME"
    description = "Overtime"
    kind = PayInput.Kind.TAXABLE_PAYMENT
    amount = Decimal("120.00")


class PayRunFactory(DepartmentOwnedFactory):
    class Meta:
        model = PayRun

    schedule = factory.SubFactory(PayScheduleFactory, department=SAME_DEPARTMENT)
    period_start = datetime.date(2026, 11, 1)
    period_end = datetime.date(2026, 11, 30)
    pay_date = datetime.date(2026, 11, 30)
    tax_year = "2026-27"
    tax_period = 8


class PayslipFactory(DepartmentOwnedFactory):
    class Meta:
        model = Payslip

    run = factory.SubFactory(PayRunFactory, department=SAME_DEPARTMENT)
    employee = factory.SubFactory(EmployeeFactory, department=SAME_DEPARTMENT)
    status = Payslip.Status.CALCULATED
    gross_pay = Decimal("3000.00")
    net_pay = Decimal("2200.00")
    calculated_at = factory.LazyFunction(timezone.now)


class PayslipLineFactory(DepartmentOwnedFactory):
    class Meta:
        model = PayslipLine

    payslip = factory.SubFactory(PayslipFactory, department=SAME_DEPARTMENT)
    run = factory.SelfAttribute("payslip.run")
    code = "BASIC"
    description = "Basic pay"
    section = "payment"
    amount = Decimal("3000.00")


class PayRunExceptionFactory(DepartmentOwnedFactory):
    class Meta:
        model = PayRunException

    run = factory.SubFactory(PayRunFactory, department=SAME_DEPARTMENT)
    employee = factory.SubFactory(EmployeeFactory, department=SAME_DEPARTMENT)
    code = "no_bank_details"
    reason = "No bank account: net pay cannot be paid by Bacs."


class PayRunPaymentRouteFactory(DepartmentOwnedFactory):
    class Meta:
        model = PayRunPaymentRoute

    run = factory.SubFactory(PayRunFactory, department=SAME_DEPARTMENT)
    employee = factory.SubFactory(EmployeeFactory, department=SAME_DEPARTMENT)
    route = PayRunPaymentRoute.Route.HOLD
    note = "Held until the employee gives bank details"
    decided_by = factory.LazyFunction(lambda: UserFactory.create())


class PayrollIdempotencyKeyFactory(DepartmentOwnedFactory):
    class Meta:
        model = PayrollIdempotencyKey

    user = factory.LazyFunction(UserFactory.create)  # a saved global user, even when the key is only built
    key = factory.Sequence(lambda n: f"key-{n}")
    operation = "POST /api/v1/departments/moj/payroll/runs/1/open"
    request_hash = "0" * 64
    response_status = 200


class RtiSubmissionFactory(DepartmentOwnedFactory):
    class Meta:
        model = RtiSubmission

    kind = RtiSubmission.Kind.FPS
    run = factory.SubFactory(PayRunFactory, department=SAME_DEPARTMENT)
    tax_year = "2026-27"


class TaxCodeNoticeFactory(DepartmentOwnedFactory):
    class Meta:
        model = TaxCodeNotice

    employee = factory.SubFactory(EmployeeFactory, department=SAME_DEPARTMENT)
    form = TaxCodeNotice.Form.P6
    tax_code = "1185L"
    effective_from = datetime.date(2026, 6, 1)
    source = "p6-notices.csv line 2"


class DocumentBatchFactory(DepartmentOwnedFactory):
    class Meta:
        model = DocumentBatch

    kind = DocumentBatch.Kind.P60
    tax_year = "2026-27"


class EarningsHistoryFactory(DepartmentOwnedFactory):
    class Meta:
        model = EarningsHistory

    employee = factory.SubFactory(EmployeeFactory, department=factory.SelfAttribute("..department"))
    pay_date = datetime.date(2026, 3, 27)
    earnings = Decimal("2500.00")
    source = "legacy payroll"


class BankChangeAcknowledgementFactory(DepartmentOwnedFactory):
    class Meta:
        model = BankChangeAcknowledgement

    run = factory.SubFactory(PayRunFactory, department=SAME_DEPARTMENT)
    bank_change = factory.SubFactory(BankDetailsChangeFactory, department=SAME_DEPARTMENT)
    flags = factory.LazyFunction(lambda: ["changed_before_pay_day"])
    note = "Confirmed with the employee by phone"
    acknowledged_by = factory.LazyFunction(lambda: UserFactory.create())
