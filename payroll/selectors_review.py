"""A pay run's review before approval: its exceptions by kind with what is still open, the rows
filtered and with their state, and the net pay that does not go in the Bacs file (held, paid by
hand, or with no bank account). Run in the department's context."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value, When

from hr.models import Employee
from payroll.models import PayRun, PayRunException, PayRunPaymentRoute, Payslip
from payroll.review_kinds import BLOCKING_CODES, RECALCULATE_CODES, ROUTABLE_CODES, ReviewKind, review_kind

ZERO = Decimal("0.00")
OPEN, SETTLED = "open", "settled"
STATES = (OPEN, SETTLED)
ACKNOWLEDGED, ROUTED = "acknowledged", "routed"
EXCEPTION_STATES = (OPEN, ACKNOWLEDGED, ROUTED)

# Open: a blocking kind only recalculation settles; a routable one without a route; an advisory one
# (every code not blocking, registered or not) not acknowledged.
_OPEN = (Q(code__in=sorted(RECALCULATE_CODES))
         | (Q(code__in=sorted(ROUTABLE_CODES)) & Q(routed=False))
         | (~Q(code__in=sorted(BLOCKING_CODES)) & Q(acknowledged_at__isnull=True)))


def _routes(run: PayRun) -> QuerySet[PayRunPaymentRoute]:
    return PayRunPaymentRoute.objects.filter(run=run)


def _exceptions(run: PayRun) -> QuerySet[PayRunException]:
    routes = PayRunPaymentRoute.objects.filter(run_id=OuterRef("run_id"), employee_id=OuterRef("employee_id"))
    return PayRunException.objects.filter(run=run).annotate(
        routed=Exists(routes), route=Subquery(routes.values("route")[:1]))


@dataclass(frozen=True)
class KindCount:
    kind: ReviewKind
    total: int
    open: int

    @property
    def settled(self) -> int:
        return self.total - self.open


@dataclass(frozen=True)
class RunReview:
    """The run's exceptions by kind, blocking kinds first."""

    kinds: list[KindCount]

    @property
    def total(self) -> int:
        return sum(item.total for item in self.kinds)

    @property
    def open_blocking(self) -> list[KindCount]:
        return [item for item in self.kinds if item.kind.blocking and item.open]

    @property
    def open_advisory(self) -> list[KindCount]:
        return [item for item in self.kinds if not item.kind.blocking and item.open]

    @property
    def open(self) -> int:
        return sum(item.open for item in self.kinds)

    @property
    def settled(self) -> bool:
        return not self.open

    def get(self, code: str) -> KindCount | None:
        return next((item for item in self.kinds if item.kind.code == code), None)


def pay_run_review(*, run: PayRun) -> RunReview:
    """Counts by kind, in one statement whatever the run's size."""
    rows = (_exceptions(run).values("code").annotate(total=Count("pk"), open=Count("pk", filter=_OPEN))
            .order_by())
    kinds = [KindCount(review_kind(row["code"]), row["total"], row["open"]) for row in rows]
    kinds.sort(key=lambda item: (not item.kind.blocking, item.kind.order, item.kind.code))
    return RunReview(kinds)


def pay_run_review_rows(*, run: PayRun, code: str = "", state: str = "") -> QuerySet[PayRunException]:
    """The run's exceptions, blocking kinds first, then by employee; ``code`` keeps one kind,
    ``state`` the open or the settled ones. Each row carries ``routed`` and ``route``."""
    rows = _exceptions(run).select_related("employee", "acknowledged_by")
    if code:
        rows = rows.filter(code=code)
    if state == OPEN:
        rows = rows.filter(_OPEN)
    elif state == SETTLED:
        rows = rows.exclude(_OPEN)
    blocking_first = Case(When(code__in=sorted(BLOCKING_CODES), then=Value(0)), default=Value(1))
    return rows.order_by(blocking_first, "employee__last_name", "employee__first_name", "employee__payroll_number",
                         "code", "pk")


def exception_state(row: PayRunException) -> str:
    """open, acknowledged (advisory) or routed (blocking, the pay held or paid by hand), for a row
    of ``pay_run_review_rows``."""
    if row.code in RECALCULATE_CODES:
        return OPEN
    if row.code in ROUTABLE_CODES:
        return ROUTED if getattr(row, "routed", False) else OPEN
    if row.code in BLOCKING_CODES:
        return OPEN
    return ACKNOWLEDGED if row.acknowledged_at else OPEN


def payment_routes_of(*, run: PayRun, employee_ids: list[int]) -> dict[int, PayRunPaymentRoute]:
    """The payment routes decided for these employees of the run, by employee id."""
    return {route.employee_id: route for route in _routes(run).filter(employee_id__in=employee_ids)  # type: ignore[attr-defined]
            .select_related("decided_by")}


def payment_route_get(*, run: PayRun, employee_id: int) -> PayRunPaymentRoute | None:
    return _routes(run).filter(employee_id=employee_id).select_related("decided_by", "employee").first()


def routable_employee(*, run: PayRun, employee_id: int) -> Employee | None:
    """The employee, when the run holds a blocking exception of theirs that a payment route settles."""
    if not PayRunException.objects.filter(run=run, employee_id=employee_id, code__in=sorted(ROUTABLE_CODES)).exists():
        return None
    return Employee.objects.filter(pk=employee_id).first()


def bacs_payslips(run: PayRun) -> QuerySet[Payslip]:
    """The payslips whose net pay goes in the run's Bacs file: calculated, above zero, with a bank
    account, and neither held nor paid by hand."""
    return (Payslip.objects.filter(run=run, status=Payslip.Status.CALCULATED, net_pay__gt=0)
            .exclude(employee__bank_sort_code="").exclude(employee__bank_account_number="")
            .exclude(employee_id__in=_routes(run).values("employee_id")))


@dataclass(frozen=True)
class UnpaidPay:
    employee: Employee
    net_pay: Decimal
    route: str  # hold, manual or no_bank_details
    route_label: str
    reference: str = ""
    note: str = ""


ROUTE_LABELS = {PayRunPaymentRoute.Route.HOLD: "Held", PayRunPaymentRoute.Route.MANUAL: "Manual payment",
                "no_bank_details": "No bank details"}


@dataclass(frozen=True)
class UnpaidNetPay:
    """Net pay above zero that is not in the Bacs file, with a total per route."""

    items: list[UnpaidPay]
    totals: dict[str, Decimal] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return sum(self.totals.values(), ZERO)

    @property
    def labelled_totals(self) -> list[tuple[str, Decimal]]:
        return [(ROUTE_LABELS[route], amount) for route, amount in self.totals.items()]


def pay_run_unpaid_net_pay(*, run: PayRun) -> UnpaidNetPay:
    """Everyone the run owes net pay that its Bacs file does not pay: few people, so read whole."""
    routes = {route.employee_id: route for route in _routes(run)}  # type: ignore[attr-defined]
    unpaid = (Payslip.objects.filter(run=run, status=Payslip.Status.CALCULATED, net_pay__gt=0)
              .filter(Q(employee_id__in=list(routes)) | Q(employee__bank_sort_code="")
                      | Q(employee__bank_account_number=""))
              .select_related("employee").order_by("employee__last_name", "employee__first_name"))
    items: list[UnpaidPay] = []
    totals: dict[str, Decimal] = {}
    for slip in unpaid:
        route = routes.get(slip.employee_id)  # type: ignore[attr-defined]
        key = route.route if route else "no_bank_details"
        items.append(UnpaidPay(employee=slip.employee, net_pay=slip.net_pay, route=key, route_label=ROUTE_LABELS[key],
                               reference=route.reference if route else "", note=route.note if route else ""))
        totals[key] = totals.get(key, ZERO) + slip.net_pay
    return UnpaidNetPay(items, totals)


@dataclass(frozen=True)
class FinalisePreview:
    """What finalising a run will do, for its confirmation page."""

    payslips: int
    bacs_accounts: int
    bacs_total: Decimal
    net_total: Decimal
    unpaid: UnpaidNetPay


def pay_run_finalise_preview(*, run: PayRun) -> FinalisePreview:
    bacs = bacs_payslips(run).aggregate(count=Count("pk"), total=Sum("net_pay", default=ZERO))
    slips = Payslip.objects.filter(run=run, status=Payslip.Status.CALCULATED).aggregate(
        count=Count("pk"), total=Sum("net_pay", default=ZERO))
    return FinalisePreview(payslips=slips["count"], bacs_accounts=bacs["count"], bacs_total=bacs["total"],
                           net_total=slips["total"], unpaid=pay_run_unpaid_net_pay(run=run))
