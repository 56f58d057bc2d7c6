"""What an FPS and an EPS say, as plain frozen dataclasses (``../shared/payroll/RTI.md`` §3-§7).

The pay run maps its payslips onto these; ``fps.build_fps`` and ``eps.build_eps`` turn them into
HMRC's XML. Money is ``Decimal`` in pounds (two places; the "whole pounds" items must be whole),
dates are ``datetime.date``. A ``None`` or ``False`` optional item is left out of the XML, never
sent as ``0.00`` or ``no`` (RTI.md §3.4). Element names in the comments are HMRC's (data item
numbers "DI…" from the RTI specification).
"""

from __future__ import annotations

import datetime
import enum
import re
from dataclasses import dataclass, field
from decimal import Decimal

ENVELOPE_NS = "http://www.govtalk.gov.uk/CM/envelope"


def tax_year_label(tax_year: int) -> str:
    """2026 (the year the tax year starts) → ``"26-27"``."""
    return f"{tax_year % 100:02d}-{(tax_year + 1) % 100:02d}"


def tax_year_end(tax_year: int) -> datetime.date:
    return datetime.date(tax_year + 1, 4, 5)


def fps_namespace(tax_year: int) -> str:
    return f"http://www.govtalk.gov.uk/taxation/PAYE/RTI/FullPaymentSubmission/{tax_year_label(tax_year)}/1"


def eps_namespace(tax_year: int) -> str:
    return f"http://www.govtalk.gov.uk/taxation/PAYE/RTI/EmployerPaymentSummary/{tax_year_label(tax_year)}/1"


class PayFrequency(enum.StrEnum):
    """DI42."""

    WEEKLY = "W1"
    FORTNIGHTLY = "W2"
    FOUR_WEEKLY = "W4"
    MONTHLY = "M1"
    QUARTERLY = "M3"
    BIANNUALLY = "M6"
    ANNUALLY = "MA"
    ONE_OFF = "IO"
    IRREGULAR = "IR"


class HoursBand(enum.StrEnum):
    """DI54: normal hours worked a week."""

    UNDER_16 = "A"
    FROM_16_TO_23_99 = "B"
    FROM_24_TO_29_99 = "C"
    THIRTY_OR_MORE = "D"
    OTHER = "E"


class StarterDeclaration(enum.StrEnum):
    """DI24A, the starter checklist statement (RTI.md §6.1; the XSD annotation is authoritative)."""

    FIRST_JOB_SINCE_6_APRIL = "A"
    NOW_ONLY_JOB = "B"
    ANOTHER_JOB_OR_PENSION = "C"


class StudentLoanPlan(enum.StrEnum):
    """DI192 ``PlanType``. Plan 5 is new for 2026-27 (RTI.md §7.2, three secondary sources)."""

    PLAN_1 = "01"
    PLAN_2 = "02"
    PLAN_4 = "04"
    PLAN_5 = "05"


class LateReason(enum.StrEnum):
    """DI154 (RTI.md §2.1)."""

    NOTIONAL_EXPAT = "A"
    NOTIONAL_SECURITY = "B"
    NOTIONAL_OTHER = "C"
    CLASS_1_ONLY = "D"
    MICRO_EMPLOYER = "E"
    NO_WORKING_SHEET = "F"
    REASONABLE_EXCUSE = "G"
    CORRECTION = "H"


class Gender(enum.StrEnum):
    MALE = "M"
    FEMALE = "F"


_TAX_CODE = re.compile(r"^(?P<regime>[SC])?(?P<code>[0-9]*[LMNPTY]|BR|0T|NT|D[0-8]|K[0-9]+)(?:\s*(?P<basis>W1|M1|X))?$")


@dataclass(frozen=True)
class TaxCode:
    """DI55. ``code`` without the Scottish/Welsh prefix or the W1/M1/X suffix: those are the
    ``regime`` (``"S"`` or ``"C"``) and ``non_cumulative`` (RTI.md §3.2)."""

    code: str
    non_cumulative: bool = False
    regime: str | None = None

    @classmethod
    def parse(cls, text: str) -> TaxCode:
        """``"S1257L M1"`` → ``TaxCode("1257L", non_cumulative=True, regime="S")``."""
        match = _TAX_CODE.match(text.strip().upper())
        if match is None:
            raise ValueError(f"{text!r} is not a tax code")
        return cls(code=match["code"], non_cumulative=match["basis"] is not None, regime=match["regime"])


@dataclass(frozen=True)
class Employer:
    """The PAYE scheme: ``EmpRefs`` and the keys of both headers."""

    tax_office_number: str  # DI1, 3 digits, e.g. "120"
    tax_office_reference: str  # DI2, e.g. "AB12345"
    accounts_office_reference: str  # DI3, e.g. "120PA00012345"
    self_assessment_utr: str | None = None  # DI141 (not with a corporation tax reference)
    corporation_tax_reference: str | None = None  # DI142
    sender: str = "Employer"  # IRheader/Sender


@dataclass(frozen=True)
class Gateway:
    """The GovTalk envelope's header: who sends and with which software. ``test`` sets
    ``GatewayTest`` (1 for HMRC's test service). Credentials are the caller's; a file kept
    for the record can carry placeholders."""

    sender_id: str
    password: str
    vendor_id: str  # ChannelRouting/Channel/URI, HMRC's software vendor ID
    product: str
    product_version: str
    timestamp: datetime.datetime
    test: bool = True


@dataclass(frozen=True)
class Name:
    surname: str  # DI6
    forenames: tuple[str, ...] = ()  # DI7/9, at most two
    initials: str | None = None  # DI8, when no forename is known
    title: str | None = None  # DI5A


@dataclass(frozen=True)
class Address:
    """Up to four lines, then a UK postcode or a foreign country (not both)."""

    lines: tuple[str, ...]
    uk_postcode: str | None = None
    foreign_country: str | None = None


@dataclass(frozen=True)
class Starter:
    """The first FPS of a new employment (RTI.md §6.1). Not for a continuing employee whose payroll
    ID changed on migration (§5 rule 4)."""

    start_date: datetime.date  # DI24
    declaration: StarterDeclaration | None  # DI24A; None only for secondees and pensioners
    student_loan: bool = False  # DI27: checklist or P45 says a student loan is being repaid
    postgraduate_loan: bool = False  # DI193


@dataclass(frozen=True)
class NiLetterFigures:
    """One ``NIlettersAndValues`` block: one per NI category letter used in the tax year.
    ``employer_*`` are employer NICs only and ``employee_*`` the employee's (RTI.md §3.4)."""

    letter: str  # DI79
    gross_in_period: Decimal  # DI79B
    gross_ytd: Decimal  # DI79A
    at_lel_ytd: Decimal  # DI82, whole pounds
    lel_to_pt_ytd: Decimal  # DI82A
    pt_to_uel_ytd: Decimal  # DI169
    employer_in_period: Decimal  # DI86A TotalEmpNICInPd
    employer_ytd: Decimal  # DI86Aa TotalEmpNICYTD
    employee_in_period: Decimal  # DI86B EmpeeContribnsInPd
    employee_ytd: Decimal  # DI86Ba EmpeeContribnsYTD


@dataclass(frozen=True)
class StudentLoan:
    """Undergraduate loan deductions (one plan at a time; RTI.md §7.2). Whole pounds."""

    plan: StudentLoanPlan
    recovered_in_period: Decimal  # DI67 StudentLoanRecovered
    recovered_ytd: Decimal  # DI41C StudentLoansTD


@dataclass(frozen=True)
class PostgraduateLoan:
    recovered_in_period: Decimal  # DI195, whole pounds
    recovered_ytd: Decimal  # DI194


@dataclass(frozen=True)
class Pension:
    """Employee pension contributions. ``net_pay_*``: paid under a net pay arrangement (taken before
    tax; DI61/DI150). ``relief_at_source_*``: not paid under one (DI65/DI151)."""

    net_pay_in_period: Decimal | None = None
    net_pay_ytd: Decimal | None = None
    relief_at_source_in_period: Decimal | None = None
    relief_at_source_ytd: Decimal | None = None


@dataclass(frozen=True)
class StatutoryPayYtd:
    """Statutory payments included in pay, year to date (DI…YTD; a ``None`` is left out)."""

    smp: Decimal | None = None
    spp: Decimal | None = None
    sap: Decimal | None = None
    shpp: Decimal | None = None
    spbp: Decimal | None = None
    sncp: Decimal | None = None


@dataclass(frozen=True)
class FpsEmployee:
    """One employee's employment and payment on an FPS (RTI.md §4).

    Identity: ``nino`` when known; without one the ``address`` needs at least two lines so HMRC
    can trace the person (rule 7823). ``payroll_id`` must be unique and never reused (§5); when it
    changed since the last FPS (on migration, say) set ``payroll_id_changed`` and the
    ``old_payroll_id`` on that first FPS only. Year-to-date figures include this payment.
    """

    name: Name
    gender: Gender  # DI11
    payroll_id: str | None  # DI38 PayId
    payment_date: datetime.date  # DI43, the usual pay date
    pay_frequency: PayFrequency
    period_number: int  # tax week (DI44) for W1/W2/W4, else tax month (DI45)
    hours: HoursBand
    tax_code: TaxCode
    taxable_pay_in_period: Decimal  # DI58
    tax_in_period: Decimal  # DI68, negative for a refund
    taxable_pay_ytd: Decimal  # DI41A
    tax_ytd: Decimal  # DI41B
    nino: str | None = None  # DI5
    address: Address | None = None
    birth_date: datetime.date | None = None  # DI10
    payroll_id_changed: bool = False  # DI39
    old_payroll_id: str | None = None  # DI40
    starter: Starter | None = None
    irregular_payment_pattern: bool = False  # DI40A IrrEmp
    leaving_date: datetime.date | None = None  # DI41
    payment_after_leaving: bool = False  # DI51, needs the leaving date (7847)
    late_reason: LateReason | None = None
    periods_covered: int = 1  # DI48
    pay_after_statutory_deductions: Decimal | None = None  # DI59
    non_tax_or_nic_payment: Decimal | None = None  # DI58A
    deductions_from_net_pay: Decimal | None = None  # DI58B
    ni: tuple[NiLetterFigures, ...] = ()
    student_loan: StudentLoan | None = None
    postgraduate_loan: PostgraduateLoan | None = None
    pension: Pension = field(default_factory=Pension)
    statutory_pay: StatutoryPayYtd = field(default_factory=StatutoryPayYtd)

    @property
    def uses_week_number(self) -> bool:
        return self.pay_frequency in (PayFrequency.WEEKLY, PayFrequency.FORTNIGHTLY, PayFrequency.FOUR_WEEKLY)


@dataclass(frozen=True)
class FinalSubmission:
    """``FinalSubmission``: the last FPS/EPS of the tax year (``for_year``), or of a scheme that
    ceased (``scheme_ceased_on``)."""

    for_year: bool = True
    scheme_ceased_on: datetime.date | None = None


@dataclass(frozen=True)
class FpsHeader:
    """Everything on an FPS except the employees, who are streamed in separately."""

    employer: Employer
    gateway: Gateway
    tax_year: int  # the year the tax year starts: 2026 for 2026-27
    final_submission: FinalSubmission | None = None


@dataclass(frozen=True)
class RecoverableAmounts:
    """EPS ``RecoverableAmountsYTD``: statutory payments recovered and NIC compensation, year to
    date (a ``None`` is left out)."""

    tax_month: int | None = None
    smp_recovered: Decimal | None = None
    spp_recovered: Decimal | None = None
    sap_recovered: Decimal | None = None
    shpp_recovered: Decimal | None = None
    spbp_recovered: Decimal | None = None
    sncp_recovered: Decimal | None = None
    nic_compensation_on_smp: Decimal | None = None
    nic_compensation_on_spp: Decimal | None = None
    nic_compensation_on_sap: Decimal | None = None
    nic_compensation_on_shpp: Decimal | None = None
    nic_compensation_on_spbp: Decimal | None = None
    nic_compensation_on_sncp: Decimal | None = None


@dataclass(frozen=True)
class ApprenticeshipLevy:
    levy_due_ytd: Decimal  # DI187, whole pounds
    tax_month: int  # DI188
    annual_allowance: Decimal  # DI189, at most 15000.00


@dataclass(frozen=True)
class Eps:
    """An Employer Payment Summary for one tax month (RTI.md §7.3). ``no_payment_from``/``_to``
    (a 6th and a 5th) say no employee was paid in those tax months."""

    employer: Employer
    gateway: Gateway
    tax_year: int
    no_payment_from: datetime.date | None = None
    no_payment_to: datetime.date | None = None
    employment_allowance: bool | None = None  # DI166, yes/no when claimed or withdrawn
    recoverable: RecoverableAmounts | None = None
    apprenticeship_levy: ApprenticeshipLevy | None = None
    final_submission: FinalSubmission | None = None
