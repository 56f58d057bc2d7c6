"""Reads of HR records, each in the caller's department context (the scoped managers need it)."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, cached_property
from pathlib import Path
from typing import Any, overload

from django.db.models import (
    BooleanField,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Concat, LPad
from django.utils import timezone

from departments.bulk import AnyOf
from departments.joined_rows import fetch_department_rows, instance_from, select_list
from departments.models import Department
from departments.tenancy import department_context
from hr.models import (
    CostCentre,
    Employee,
    Employment,
    Grade,
    LeaveRequest,
    LeaveType,
    OrganisationUnit,
    PayRange,
    SicknessPeriod,
    WorkingPattern,
)
from shared_services.core.problems import NotFound


def _covering(day: datetime.date | F) -> Q:
    return Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))


# An employment version with what its pages and API show of the records it names. Only those
# columns: each of the four is a wide row, and reading them whole was half the cost of an
# employee's API read (bench/web.py).
_NAMED_BY_EMPLOYMENT = (
    "organisation_unit__code", "organisation_unit__name", "grade__code", "grade__name", "cost_centre__code",
    "cost_centre__name", "line_manager__payroll_number", "line_manager__first_name", "line_manager__preferred_name",
    "line_manager__last_name", "line_manager__user",
)


def _with_names(versions: QuerySet[Employment]) -> QuerySet[Employment]:
    own = [field.name for field in Employment._meta.concrete_fields]
    return versions.select_related("organisation_unit", "grade", "cost_centre", "line_manager").only(
        *own, *_NAMED_BY_EMPLOYMENT)


def employment_as_of(*, employee: Employee, on: datetime.date) -> Employment | None:
    """The version true on ``on``, as the record stands now (corrections applied). At most one:
    current versions never overlap (an exclusion constraint), so no ordering is needed."""
    versions = _with_names(Employment.objects.filter(employee=employee, superseded_at__isnull=True)
                           .filter(_covering(on))).order_by()[:1]
    return next(iter(versions), None)


def employment_shown_on(*, employee: Employee) -> datetime.date:
    """The day whose version an employee's record shows: today; a future starter's first day; a
    leaver's last."""
    on = max(timezone.localdate(), employee.start_date)
    return on if employee.leave_date is None else min(on, employee.leave_date)


def employment_shown(*, employee: Employee) -> Employment | None:
    """The version an employee's record shows: today's; a future starter's first; a leaver's last."""
    return employment_as_of(employee=employee, on=employment_shown_on(employee=employee))


def employment_as_known(*, employee: Employee, on: datetime.date,
                        known_at: datetime.datetime) -> Employment | None:
    """The version that, as the record stood at ``known_at``, was true on ``on``."""
    return _with_names(Employment.objects.filter(employee=employee, recorded_at__lte=known_at)
                       .filter(Q(superseded_at__isnull=True) | Q(superseded_at__gt=known_at)).filter(_covering(on))
                       .order_by("-recorded_at")).first()


def employment_history(*, employee: Employee, include_superseded: bool = False) -> QuerySet[Employment]:
    """Versions oldest first; planned ones (from a future date) included. With superseded ones,
    the full record of what was believed when."""
    versions = Employment.objects.filter(employee=employee)
    if not include_superseded:
        versions = versions.filter(superseded_at__isnull=True)
    return versions.select_related("organisation_unit", "grade", "cost_centre", "line_manager", "recorded_by") \
        .order_by("valid_from", "recorded_at")


class EmployeeStatus:
    CURRENT = "current"
    LEAVERS = "leavers"
    STARTING = "starting"
    CHOICES = (CURRENT, LEAVERS, STARTING)


NAME_ORDER = ("last_name", "first_name", "payroll_number")
# What a list row shows (page and API): loading only these keeps a page of rows cheap to build.
LIST_ROW_FIELDS = (
    "employee_id", "post_title", "annual_salary", "fte", "valid_from", "valid_to",
    "employee__payroll_number", "employee__first_name", "employee__last_name", "employee__preferred_name",
    "employee__start_date", "employee__leave_date", "organisation_unit__code", "organisation_unit__name",
    "grade__code", "cost_centre__code",
)
HIGHEST_CHARACTER = chr(0x10FFFF)
# From this many employees in a filtered list, a page walks the name index (probing a hash of the
# matches) rather than sorting the matches: the walk is bounded by half the department's staff,
# the sort grows with the matches. Below it, sorting the few matches is the cheaper of the two.
WALK_FROM = 1000
# Above this many, PostgreSQL's hash of the matches might not fit in memory (at the default 4 MB
# work_mem, twice that for hashes), and an unhashed subquery would run once per row walked.
WALK_UNTIL = 100_000
# A search's matches are fetched whole, counted and sliced in Python up to this many: taking a few
# thousand keys costs less than running the search a second time to count it. Beyond it, the
# database counts them and returns one page.
SEARCH_FETCHED_WHOLE = 5000


def _starts_with(key: str, term: str) -> Q:
    """``key`` (an upper-cased, byte-ordered column) starts with ``term``, as a range an index can
    answer under row-level security, where LIKE cannot use one."""
    prefix = term.upper()
    return Q(**{f"{key}__gte": prefix, f"{key}__lt": prefix + HIGHEST_CHARACTER})


class _IsTrue(Func):
    """``(condition) IS TRUE``. Around ``id IN (subquery)`` it stops PostgreSQL turning the IN into
    a join (whose output is never in index order): the subquery becomes a hash probed row by row
    while the name index is read in order, so a LIMIT stops the scan early."""

    template = "(%(expressions)s) IS TRUE"
    output_field = BooleanField()


class _CountOf(Subquery):
    """How many rows a queryset has, as a scalar subquery: several counts in one query."""

    template = "(SELECT count(*) FROM (%(subquery)s) counted)"
    output_field = IntegerField()

    def __init__(self, queryset: QuerySet[Any]) -> None:
        super().__init__(queryset.order_by().values("pk"))


@dataclass(frozen=True)
class EmployeeListing:
    """The employee list in two parts, so any page stays cheap with tens of thousands of staff.

    ``keys`` are the matching employees in name order, as (employee id, last name, first name,
    payroll number): narrow rows the database counts and skips through on an index. ``rows_for``
    then loads one page's employment versions (the version each employee shows) in one query.

    The listing itself is what a paginator should be given: ``count()`` and slicing answer the
    same as ``keys`` does, but count from the narrowest index that can answer and read a deep
    page from whichever end of the name order is nearer.
    """

    keys: QuerySet[Any]
    versions: QuerySet[Employment]
    on: datetime.date
    status: str = EmployeeStatus.CURRENT
    # The versions a unit, grade or cost centre filter matched, when only those filters apply.
    matching: QuerySet[Employment] | None = None
    # ``keys`` as a walk along the name index, probing a hash of the matching employees.
    walk: QuerySet[Any] | None = None
    searched: bool = False

    def rows_for(self, keys: Sequence[tuple[Any, ...]]) -> list[Employment]:
        employee_ids = [key[0] for key in keys]
        shown = {row.employee_id: row for row in self.versions.filter(employee_id__in=employee_ids)
                 .select_related("employee", "organisation_unit", "grade", "cost_centre").only(*LIST_ROW_FIELDS)}
        return [shown[employee_id] for employee_id in employee_ids if employee_id in shown]

    def values_for(self, keys: Iterable[tuple[Any, ...]]) -> list[dict[str, Any]]:
        """What the list page shows of one page's employees, as plain values, in the keys' order:
        ``rows_for`` without building five model instances per row."""
        employee_ids = [key[0] for key in keys]
        shown = {row["employee_id"]: dict(row) for row in self.versions.filter(employee_id__in=employee_ids).values(
            "employee_id", "post_title", payroll_number=F("employee__payroll_number"),
            last_name=F("employee__last_name"), first_name=F("employee__first_name"),
            preferred_name=F("employee__preferred_name"), start_date=F("employee__start_date"),
            leave_date=F("employee__leave_date"), unit_name=F("organisation_unit__name"),
            grade_code=F("grade__code"), cost_centre_code=F("cost_centre__code"),
        ).order_by()}
        return [shown[employee_id] for employee_id in employee_ids if employee_id in shown]

    def count(self) -> int:
        """How many employees ``keys`` holds (counted once)."""
        return self._count

    @cached_property
    def _count(self) -> int:
        if self.searched:
            first, complete = self._searched
            return len(first) if complete else self.keys.count()
        if self.status != EmployeeStatus.CURRENT:
            return self.keys.count()  # leavers and starters are few, each on its own date index
        leaving, starting = Q(leave_date__lt=self.on), Q(start_date__gt=self.on)
        if self.matching is None:
            # Employed on the day: everyone but those who had left and those yet to start (two
            # groups that cannot overlap, as nobody leaves before starting). Three index-only
            # counts in one query, where the direct count reads every row's dates.
            employed = Employee.objects.order_by().aggregate(employed=Count("*") - _CountOf(
                Employee.objects.filter(leaving)) - _CountOf(Employee.objects.filter(starting)))
            return int(employed["employed"])
        # No employee has two versions true on one day (an exclusion constraint), so the matching
        # versions count their employees; less any whose employee is not employed that day (there
        # should be none, as versions end with employment, but the list's rule is the employee's).
        # Every column read is in the filter indexes, so all three counts are index-only.
        def employee_is(condition: Q) -> Q:
            return Q(employee_id__in=Employee.objects.filter(condition).order_by().values("pk"))

        counts = self.matching.order_by().aggregate(
            versions=Count("employee_id"),
            left=Count("employee_id", filter=employee_is(leaving)),
            not_started=Count("employee_id", filter=employee_is(starting)),
        )
        return int(counts["versions"]) - int(counts["left"]) - int(counts["not_started"])

    @cached_property
    def _searched(self) -> tuple[list[tuple[Any, ...]], bool]:
        """A search's first keys, and whether they are all of them: a typical search matches few
        enough that one query both counts and pages them."""
        keys = list(self.keys[:SEARCH_FETCHED_WHOLE + 1])
        return keys[:SEARCH_FETCHED_WHOLE], len(keys) <= SEARCH_FETCHED_WHOLE

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self.keys)

    @overload
    def __getitem__(self, index: int) -> tuple[Any, ...]: ...

    @overload
    def __getitem__(self, index: slice) -> list[tuple[Any, ...]]: ...

    def __getitem__(self, index: int | slice) -> tuple[Any, ...] | list[tuple[Any, ...]]:
        if isinstance(index, int):
            found = self[index:index + 1] if index >= 0 else []
            if not found:
                raise IndexError(index)
            return found[0]
        if index.step is not None:
            raise TypeError("An employee listing is read in order, without a step.")
        total = self.count()
        start, stop = max(0, index.start or 0), min(total, total if index.stop is None else index.stop)
        if start >= stop:
            return []
        if self.searched:
            first, complete = self._searched
            if complete or stop <= len(first):
                return first[start:stop]
            return list(self.keys[start:stop])
        keys = self.walk if self.walk is not None and WALK_FROM <= total <= WALK_UNTIL else self.keys
        if start + stop <= total:
            return list(keys[start:stop])
        # In the second half, read backwards from the end of the name order: as far as either
        # end is from the middle, so the deepest page costs what the middle one does.
        return list(reversed(keys.reverse()[total - stop:total - start]))


def employee_list(
    *,
    on: datetime.date,
    status: str = EmployeeStatus.CURRENT,
    search: str = "",
    organisation_unit: OrganisationUnit | None = None,
    grade: Grade | None = None,
    cost_centre: CostCentre | None = None,
) -> EmployeeListing:
    """Employees for the list page and API, ordered by name, with the employment version each shows.

    Current staff show the version true on ``on``; leavers, the one true on their last day;
    future starters, the one from their start date. Search matches the start of a name or of the
    post title, or a whole payroll number. Filters on a unit or cost centre include their subtrees
    and apply to the version shown.
    """
    versions = Employment.objects.filter(superseded_at__isnull=True)
    if status == EmployeeStatus.LEAVERS:
        versions = versions.filter(_covering(F("employee__leave_date")))
        employed = Q(leave_date__lt=on)
    elif status == EmployeeStatus.STARTING:
        versions = versions.filter(valid_from=F("employee__start_date"))
        employed = Q(start_date__gt=on)
    else:
        versions = versions.filter(_covering(on))
        employed = Q(start_date__lte=on) & (Q(leave_date__isnull=True) | Q(leave_date__gte=on))
    matching = versions
    if organisation_unit is not None:
        matching = matching.filter(organisation_unit__path__startswith=organisation_unit.path)
    if grade is not None:
        matching = matching.filter(grade=grade)
    if cost_centre is not None:
        matching = matching.filter(cost_centre__path__startswith=cost_centre.path)
    employees = Employee.objects.filter(employed).order_by()
    walk = None
    columns = ("pk", *NAME_ORDER)
    if matching is not versions:
        # A unit, grade or cost centre narrows the versions first; only their employees are sorted.
        matched = matching.order_by().values("employee_id")
        walk = employees.filter(_IsTrue(ExpressionWrapper(Q(pk__in=matched), output_field=BooleanField()))) \
            .values_list(*columns).order_by(*NAME_ORDER)
        employees = employees.filter(pk__in=matched)
    term = search.strip()
    if term:
        # Two halves, each answered from its own index, then merged: an OR across the two tables
        # would read every employee.
        by_name = employees.filter(
            _starts_with("last_name_key", term) | _starts_with("first_name_key", term)
            | _starts_with("preferred_name_key", term) | Q(payroll_number__in={term, term.upper()}))
        by_post = employees.filter(pk__in=versions.filter(_starts_with("post_title_key", term))
                                   .order_by().values("employee_id"))
        keys = by_name.values_list(*columns).union(by_post.values_list(*columns)).order_by(*NAME_ORDER)
    else:
        keys = employees.values_list(*columns).order_by(*NAME_ORDER)
    return EmployeeListing(
        keys=keys, versions=versions, on=on, status=status, searched=bool(term),
        matching=matching if matching is not versions and not term else None,
        walk=walk if not term else None,
    )


def employee_find(*, payroll_number: str) -> Employee | None:
    """The department's employee with this payroll number, or None (a form names the field)."""
    # get(), not first(): a payroll number is unique in a department, and first() would sort by name.
    try:
        return Employee.objects.select_related("user").get(payroll_number=payroll_number)
    except Employee.DoesNotExist:
        return None


def employee_get(*, payroll_number: str) -> Employee:
    """The department's employee with this payroll number, or ``NotFound`` (a 404 to pages and the API)."""
    employee = employee_find(payroll_number=payroll_number)
    if employee is None:
        raise NotFound("This department has no employee with that payroll number.")
    return employee


# What an employee's read shows of the records their employment names (as _NAMED_BY_EMPLOYMENT).
_NAMED_COLUMNS: tuple[tuple[str, type[Any], str, tuple[str, ...]], ...] = (
    ("organisation_unit", OrganisationUnit, "u", ("code", "name")),
    ("grade", Grade, "g", ("code", "name")),
    ("cost_centre", CostCentre, "c", ("code", "name")),
    ("line_manager", Employee, "m", ("payroll_number", "first_name", "preferred_name", "last_name", "user")),
)


@cache
def _employee_shown_sql() -> str:
    """The employee and the employment version their record shows (employment_shown_on's rule:
    today; a future starter's first day; a leaver's last), with the names it shows, in one statement.
    Parameters: the department, the payroll number, then today."""
    selected = select_list(Employee, "e", "") + select_list(Employment, "v", "version__")
    joins = []
    for relation, model, alias, shown in _NAMED_COLUMNS:
        selected += select_list(model, alias, f"{relation}__", only=shown)
        joins.append(f'LEFT JOIN "{model._meta.db_table}" {alias} ON {alias}.department_id = v.department_id '
                     f'AND {alias}.id = v."{relation}_id"')
    return (f'WITH e AS (SELECT *, LEAST(GREATEST(%s, start_date), COALESCE(leave_date, '
            f'GREATEST(%s, start_date))) AS shown_on FROM "{Employee._meta.db_table}" '
            f"WHERE department_id = %s AND payroll_number = %s) "
            f'SELECT {", ".join(selected)} FROM e LEFT JOIN LATERAL (SELECT * FROM "{Employment._meta.db_table}" w '
            f"WHERE w.department_id = e.department_id AND w.employee_id = e.id AND w.superseded_at IS NULL "
            f"AND w.valid_from <= e.shown_on AND (w.valid_to IS NULL OR w.valid_to >= e.shown_on) LIMIT 1) v ON true "
            f'{" ".join(joins)}')


def employee_with_employment_shown(*, payroll_number: str) -> tuple[Employee, Employment | None]:
    """An employee and the employment version their record shows (as ``employment_shown``), with the
    names it shows, in one statement: the API's busiest read, which through the ORM cost more CPU to
    compose than to run. ``NotFound`` when the department has no such employee."""
    today = timezone.localdate()
    rows = fetch_department_rows(_employee_shown_sql(), [payroll_number], before=[today, today])
    if not rows:
        raise NotFound("This department has no employee with that payroll number.")
    row = rows[0]
    employee = instance_from(Employee, row, "")
    assert employee is not None  # the row is the employee's
    version = instance_from(Employment, row, "version__")
    if version is not None:
        for relation, model, _alias, shown in _NAMED_COLUMNS:
            setattr(version, relation, instance_from(model, row, f"{relation}__", only=shown))
    return employee, version


def organisation_units() -> QuerySet[OrganisationUnit]:
    return OrganisationUnit.objects.order_by("path")


def cost_centres() -> QuerySet[CostCentre]:
    return CostCentre.objects.select_related("owner").order_by("path")


def grades() -> QuerySet[Grade]:
    return Grade.objects.order_by("rank", "code")


def organisation_choices() -> dict[str, list[tuple[str, str, int]]]:
    """The department's units, grades and cost centres as (code, name, depth), each in the order
    its select lists them (units and cost centres as their trees, grades by rank), in one query."""
    def listed(queryset: QuerySet[Any], kind: str, *, depth: Any, order: Any) -> QuerySet[Any]:
        return queryset.order_by().annotate(choice_of=Value(kind), tree_depth=depth, sort_key=order) \
            .values_list("choice_of", "code", "name", "tree_depth", "sort_key")

    rank = LPad(Cast("rank", CharField()), 5, Value("0"))
    rows = listed(OrganisationUnit.objects.all(), "organisation_unit", depth=F("depth"), order=F("path")).union(
        listed(Grade.objects.all(), "grade", depth=Value(0), order=Concat(rank, Value(" "), "code")),
        listed(CostCentre.objects.all(), "cost_centre", depth=F("depth"), order=F("path")),
        all=True,
    ).order_by("choice_of", "sort_key")
    choices: dict[str, list[tuple[str, str, int]]] = {"organisation_unit": [], "grade": [], "cost_centre": []}
    for kind, code, name, depth, _ in rows:
        choices[kind].append((code, name, depth))
    return choices


def pay_ranges() -> QuerySet[PayRange]:
    return PayRange.objects.select_related("grade").order_by("grade__rank", "location")


def direct_reports(*, manager: Employee, on: datetime.date) -> QuerySet[Employment]:
    return (Employment.objects.filter(superseded_at__isnull=True, line_manager=manager).filter(_covering(on))
            .select_related("employee", "grade", "organisation_unit")
            .order_by("employee__last_name", "employee__first_name"))


def employee_of_user(*, user_id: int) -> Employee | None:
    """The signed-in person's own employee record in the department in context, if they have one."""
    return Employee.objects.filter(user_id=user_id).first()


def leave_ahead(*, employee_ids: Sequence[int], on: datetime.date) -> QuerySet[LeaveRequest]:
    """Waiting and approved leave that has not ended by ``on``, soonest first."""
    return (LeaveRequest.objects.filter(employee_id__in=employee_ids, end_date__gte=on,
                                        status__in=[LeaveRequest.Status.PENDING, LeaveRequest.Status.APPROVED])
            .select_related("leave_type").order_by("start_date", "id"))


def off_sick_on(*, employee_ids: Sequence[int], on: datetime.date) -> set[int]:
    """Which of these employees are off sick on ``on`` (the fact only; the reason is health data)."""
    return set(SicknessPeriod.objects.filter(employee_id__in=employee_ids, first_day__lte=on)
               .filter(Q(last_day__isnull=True) | Q(last_day__gte=on)).values_list("employee_id", flat=True))


# --- Absence and leave ----------------------------------------------------------------------------

BANK_HOLIDAY_REGIONS = ("england-and-wales", "scotland", "northern-ireland")
PIW_MINIMUM_DAYS = 4  # a period of incapacity for work: at least four days in a row
LINKING_GAP_DAYS = 56  # periods of incapacity no more than 8 weeks apart are one spell


@cache
def _bank_holiday_data() -> dict[str, dict[str, list[dict[str, str]]]]:
    return json.loads((Path(__file__).resolve().parent / "bank_holidays.json").read_text())["regions"]


def bank_holidays(*, region: str, year: int) -> list[tuple[datetime.date, str]]:
    """Bank holidays of a UK region in a calendar year, from the data file (empty if not held)."""
    if region not in BANK_HOLIDAY_REGIONS:
        raise ValueError(f"region: {region!r} must be one of {', '.join(BANK_HOLIDAY_REGIONS)}")
    return [(datetime.date.fromisoformat(day["date"]), day["name"])
            for day in _bank_holiday_data()[region].get(str(year), [])]


def department_bank_holidays(*, department: Department, start: datetime.date,
                             end: datetime.date) -> dict[datetime.date, str]:
    """The bank holidays from ``start`` to ``end`` in the department's region (its setting), which
    are not working days for its people. Payroll's Bacs dates keep the English calendar."""
    return {day: name for year in range(start.year, end.year + 1)
            for day, name in bank_holidays(region=department.bank_holiday_region, year=year)
            if start <= day <= end}


# Hours a day where an employment names no pattern the department keeps: the standard 37-hour week.
STANDARD_DAY_HOURS = (Decimal("7.40"),) * 5 + (Decimal("0"),) * 2


def working_hours_by_weekday(*, pattern_name: str) -> tuple[Decimal, ...]:
    """Hours on each weekday (Monday first) of the department's pattern of that name; the standard
    week for a name it does not keep (an older record's or an import's free text)."""
    pattern = WorkingPattern.objects.filter(name__iexact=pattern_name.strip()).first() if pattern_name else None
    return pattern.hours_by_weekday if pattern is not None else STANDARD_DAY_HOURS


def working_hours_between(*, department: Department, pattern_name: str, start: datetime.date,
                          end: datetime.date) -> Decimal:
    """The hours someone on the pattern works from ``start`` to ``end`` inclusive, less the bank
    holidays of the department's region: the hours a leave over those days takes."""
    hours = working_hours_by_weekday(pattern_name=pattern_name)
    holidays = department_bank_holidays(department=department, start=start, end=end)
    total, day = Decimal("0"), start
    while day <= end:
        if day not in holidays:
            total += hours[day.weekday()]
        day += datetime.timedelta(days=1)
    return total


def working_days_between(*, department: Department, pattern_name: str, start: datetime.date,
                         end: datetime.date) -> int:
    """The days from ``start`` to ``end`` inclusive the pattern works, less the region's bank holidays."""
    hours = working_hours_by_weekday(pattern_name=pattern_name)
    holidays = department_bank_holidays(department=department, start=start, end=end)
    return sum(1 for offset in range((end - start).days + 1)
               if (day := start + datetime.timedelta(days=offset)) not in holidays and hours[day.weekday()] > 0)


def working_patterns(*, active_only: bool = False) -> QuerySet[WorkingPattern]:
    patterns = WorkingPattern.objects.order_by("name")
    return patterns.filter(is_active=True) if active_only else patterns


def working_pattern_get(*, pattern_id: int) -> WorkingPattern:
    pattern = WorkingPattern.objects.filter(pk=pattern_id).first()
    if pattern is None:
        raise NotFound("There is no working pattern with that number in this department.")
    return pattern


def leave_type_get(*, code: str) -> LeaveType:
    leave_type = LeaveType.objects.select_related("policy").filter(code=code).first()
    if leave_type is None:
        raise NotFound(f"There is no leave type with the code {code} in this department.")
    return leave_type


def leave_requests_awaiting(*, manager_user_id: int | None = None) -> QuerySet[LeaveRequest]:
    """Requests waiting for a decision; for one line manager when given (their reports' requests)."""
    waiting = LeaveRequest.objects.filter(status=LeaveRequest.Status.PENDING).select_related("employee", "leave_type")
    if manager_user_id is not None:
        managed = Employment.objects.filter(superseded_at__isnull=True, line_manager__user_id=manager_user_id)
        waiting = waiting.filter(employee__in=managed.values("employee_id"))
    return waiting.order_by("start_date")


def leave_types() -> QuerySet[LeaveType]:
    return LeaveType.objects.order_by("name")


# Family leave is asked for with its dates and evidence (``hr.services.absence``), and unauthorised
# absence is recorded by HR: neither is a leave request.
NOT_REQUESTED_KINDS = (LeaveType.Kind.MATERNITY, LeaveType.Kind.PATERNITY, LeaveType.Kind.ADOPTION,
                       LeaveType.Kind.SHARED_PARENTAL, LeaveType.Kind.PARENTAL_BEREAVEMENT,
                       LeaveType.Kind.NEONATAL_CARE, LeaveType.Kind.UNAUTHORISED)


def requestable_leave_types() -> QuerySet[LeaveType]:
    """The leave types a leave request may be for (a retired one stays only on the requests that used it)."""
    return leave_types().filter(is_active=True).exclude(kind__in=NOT_REQUESTED_KINDS)


def leave_requests(*, status: str = "", payroll_number: str = "") -> QuerySet[LeaveRequest]:
    """Leave requests, newest first, optionally one status or one employee's."""
    requests = LeaveRequest.objects.select_related("employee", "leave_type").order_by("-start_date", "-id")
    if status:
        requests = requests.filter(status=status)
    if payroll_number:
        requests = requests.filter(employee__payroll_number=payroll_number)
    return requests


def leave_request_get(*, request_id: int) -> LeaveRequest:
    """A leave request of the department in context, or ``NotFound`` (a 404 to pages and the API)."""
    leave_request = LeaveRequest.objects.select_related("employee", "leave_type").filter(pk=request_id).first()
    if leave_request is None:
        raise NotFound("This department has no leave request with that id.")
    return leave_request


def leave_requests_of(*, employee: Employee) -> QuerySet[LeaveRequest]:
    return leave_requests().filter(employee=employee)


def sickness_periods_of(*, employee: Employee) -> QuerySet[SicknessPeriod]:
    return SicknessPeriod.objects.filter(employee=employee).order_by("-first_day")


@dataclass(frozen=True)
class SicknessSpell:
    """Linked periods of incapacity for work, as SSP counts them."""

    periods: tuple[SicknessPeriod, ...]
    first_day: datetime.date
    last_day: datetime.date
    qualifying_days: int


def sickness_spells(*, employee: Employee, until: datetime.date) -> list[SicknessSpell]:
    """Periods of four or more days off sick, linked into spells when no more than 8 weeks apart;
    open-ended periods run to ``until``. Qualifying days count each period's working weekdays."""
    return link_sickness_periods(
        SicknessPeriod.objects.filter(employee=employee, first_day__lte=until).order_by("first_day"), until=until)


def link_sickness_periods(periods: Iterable[SicknessPeriod], *, until: datetime.date) -> list[SicknessSpell]:
    """``sickness_spells`` for periods already read (one employee's, in order of first day)."""
    incapacity = []
    for period in periods:
        if period.first_day > until:
            continue
        last = min(period.last_day or until, until)
        if (last - period.first_day).days + 1 >= PIW_MINIMUM_DAYS:
            incapacity.append((period, last))
    spells: list[list[tuple[SicknessPeriod, datetime.date]]] = []
    for period, last in incapacity:
        if spells and (period.first_day - spells[-1][-1][1]).days - 1 <= LINKING_GAP_DAYS:
            spells[-1].append((period, last))
        else:
            spells.append([(period, last)])
    result = []
    for spell in spells:
        qualifying = sum(
            1 for period, last in spell for offset in range((last - period.first_day).days + 1)
            if (period.first_day + datetime.timedelta(days=offset)).weekday() in period.qualifying_days
        )
        result.append(SicknessSpell(tuple(p for p, _ in spell), spell[0][0].first_day, spell[-1][1], qualifying))
    return result


def open_employment_totals(*, department: Department,
                           employee_ids: Sequence[int]) -> dict[str, dict[str, tuple[int, Decimal]]]:
    """Headcount and full-time salary of the employees' open-ended employment versions by grade,
    cost centre and organisation unit code: what an import stored, for its reconciliation.

    One grouped query by reference ids (the employee ids go as one array), named by code after.
    """
    totals: dict[str, dict[str, tuple[int, Decimal]]] = {"grade": {}, "cost_centre": {}, "organisation_unit": {}}
    if not employee_ids:
        return totals
    with department_context(department.id):
        codes = {"grade": dict(Grade.objects.values_list("id", "code")),
                 "cost_centre": dict(CostCentre.objects.values_list("id", "code")),
                 "organisation_unit": dict(OrganisationUnit.objects.values_list("id", "code"))}
        rows = (Employment.objects.filter(AnyOf(F("employee_id"), employee_ids), superseded_at__isnull=True,
                                          valid_to__isnull=True)
                .values_list("grade_id", "cost_centre_id", "organisation_unit_id")
                .annotate(headcount=Count("id"), salary=Sum("annual_salary")).order_by())
        for grade, cost_centre, unit, headcount, salary in rows:
            for kind, reference in (("grade", grade), ("cost_centre", cost_centre), ("organisation_unit", unit)):
                code = codes[kind][reference]
                count, amount = totals[kind].get(code, (0, Decimal("0")))
                totals[kind][code] = (count + headcount, amount + (salary or Decimal("0")))
    return totals


def reference_codes() -> dict[str, dict[str, int]]:
    """Ids of the department's grades, organisation units and cost centres, by code."""
    return {
        "grade": dict(Grade.objects.values_list("code", "id")),
        "organisation_unit": dict(OrganisationUnit.objects.values_list("code", "id")),
        "cost_centre": dict(CostCentre.objects.values_list("code", "id")),
    }
