"""A synthetic legacy payroll export, as an old payroll system would write it (no real people).

Values are plausible: National Insurance numbers in HMRC's format, real-looking postcodes and
sort codes, Civil Service grades and pay, tax codes for the whole UK (rUK, S, C, K, BR, W1/M1),
NI letters, student loans, the alpha pension, and year-to-date figures for a mid-year go-live.
With ``bad_rows``, that many rows carry one realistic mistake each.
"""

from __future__ import annotations

import csv
import datetime
import random
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from pathlib import Path

from payroll.assembly import TAXABLE_PAYMENT, Element, PayrollProfile, Payslip, YearToDate, payslip_for
from payroll.engine.calculator import calculate, parse_input
from payroll.engine.codes import parse_tax_code
from payroll.engine.rates import available_tax_years
from payroll.periods import (
    CALENDAR_DAYS,
    MONTHLY,
    PayDateRule,
    PayPeriod,
    PaySpell,
    basic_pay,
    pay_period,
    tax_year_label,
)

PENNY = Decimal("0.01")
FULL_TIME_HOURS = Decimal("37")
FTE_PLACES = Decimal("0.0001")

HEADINGS = ["Payroll No", "Title", "Forename", "Surname", "Date of Birth", "Sex", "NI Number", "Address 1",
            "Address 2", "Town", "Postcode", "Sort Code", "Account No", "Grade", "Post", "Org Unit", "Cost Centre",
            "Salary", "Hours", "Start Date", "Tax Code", "NI Letter", "Student Loan", "Pension Scheme", "Payroll ID",
            "YTD Taxable Pay", "YTD Tax", "YTD NI EE", "YTD NI ER", "YTD Student Loan", "YTD PG Loan", "YTD Pension"]
# The address each person signs in with, last: files from before single sign-on end at YTD Pension.
WORK_EMAIL_HEADING = "Work Email"
EXPORT_HEADINGS = [*HEADINGS, WORK_EMAIL_HEADING]
DEFAULT_EMAIL_DOMAIN = "department.gov.uk"

FORENAMES = ["Aisha", "Ben", "Chloe", "Daniel", "Ella", "Farah", "George", "Hannah", "Isaac", "Jasmine", "Kieran",
             "Leah", "Mohammed", "Nadia", "Oliver", "Priya", "Rosa", "Samuel", "Tariq", "Una", "Victor", "Wendy",
             "Yusuf", "Zara", "Amelia", "Callum", "Deborah", "Eilidh", "Gareth", "Niamh", "Rhys", "Siobhan"]
SURNAMES = ["Adams", "Bhatt", "Campbell", "Davies", "Evans", "Fletcher", "Griffiths", "Hussain", "Iqbal", "Jones",
            "Kelly", "Lewis", "Morgan", "Nowak", "O'Brien", "Patel", "Quinn", "Roberts", "Singh", "Thomas", "Usman",
            "Vaughan", "Williams", "Xu", "Young", "Zielinski", "MacLeod", "Murphy", "Okafor", "Shah", "Ahmed"]
STREETS = ["High Street", "Station Road", "Church Lane", "Victoria Road", "Park Avenue", "Mill Lane", "King Street",
           "Queens Road", "New Road", "Manor Way", "The Crescent", "Orchard Close"]
# Town, outward codes, and the country (for Scottish and Welsh tax codes).
PLACES = [("London", ["SW1A", "SE1", "E14", "N1", "W2"], "england"), ("Manchester", ["M1", "M14", "M20"], "england"),
          ("Leeds", ["LS1", "LS6"], "england"), ("Bristol", ["BS1", "BS8"], "england"),
          ("Birmingham", ["B1", "B15"], "england"), ("Newcastle upon Tyne", ["NE1", "NE4"], "england"),
          ("Edinburgh", ["EH1", "EH3", "EH11"], "scotland"), ("Glasgow", ["G1", "G12"], "scotland"),
          ("Cardiff", ["CF10", "CF24"], "wales"), ("Swansea", ["SA1"], "wales"),
          ("Sheffield", ["S1", "S10"], "england")]
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
NI_FIRST = "ABCEGHJKLMNOPRSTWXYZ".replace("O", "")
NI_SECOND = "ABCEGHJKLMNPRSTWXYZ"
NI_NOT_ALLOWED = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}
GRADES = {"AA": (23500, 24500, "Administrative assistant", 8), "AO": (25000, 26500, "Caseworker", 30),
          "EO": (28500, 31500, "Senior caseworker", 25), "HEO": (34000, 38000, "Policy adviser", 15),
          "SEO": (41000, 45500, "Senior policy adviser", 10), "G7": (53000, 62000, "Team leader", 7),
          "G6": (64000, 76000, "Head of unit", 3), "SCS1": (81000, 120000, "Deputy director", 1.5),
          "SCS2": (100000, 160000, "Director", 0.4)}
UNITS = [(f"DIR{d}-DIV{v}", f"CC{d}{v}00") for d in range(1, 5) for v in range(1, 6)]
TAX_CODES = [("1257L", 70), ("1257L M1", 4), ("1257L W1", 1), ("K475", 2), ("BR", 4), ("D0", 1), ("0T", 1),
             ("1100L", 3), ("1383L", 2)]
NI_LETTERS = [("A", 90), ("C", 3), ("H", 1), ("M", 2), ("J", 2), ("Z", 1), ("B", 1)]
LOANS = [("", 70), ("Plan 2", 14), ("Plan 1", 8), ("Plan 2; PGL", 3), ("Plan 5", 2), ("PGL", 2), ("Plan 4", 1)]
TITLES = {"F": ["Ms", "Mrs", "Miss", "Dr", "Mx"], "M": ["Mr", "Mr", "Mr", "Dr", "Mx"]}

# Each realistic mistake: the column it spoils, and what it leaves there given the cell, the row
# and the row before (by heading).
Spoiler = Callable[[str, dict[str, str], dict[str, str]], str]
SPOILERS: dict[str, tuple[str, Spoiler]] = {
    "ni_number": ("NI Number", lambda cell, row, before: cell.replace(" ", "")[:8]),  # the suffix letter lost
    "impossible_date": ("Date of Birth", lambda cell, row, before: "31/02/1986"),
    "sort_code": ("Sort Code", lambda cell, row, before: cell[:-1]),
    "account_number": ("Account No", lambda cell, row, before: cell[1:]),
    "unknown_grade": ("Grade", lambda cell, row, before: "Grade 7 (old)"),
    "missing_surname": ("Surname", lambda cell, row, before: ""),
    "duplicate_payroll_number": ("Payroll No", lambda cell, row, before: before["Payroll No"]),
    "tax_code": ("Tax Code", lambda cell, row, before: "1257X"),
    "ni_letter": ("NI Letter", lambda cell, row, before: "Q"),
    "salary_text": ("Salary", lambda cell, row, before: "TBC"),
    "postcode": ("Postcode", lambda cell, row, before: "SW1A2"),
    "formula": ("Forename", lambda cell, row, before: '=HYPERLINK("http://example.invalid","Click")'),
    "two_digit_year": ("Start Date", lambda cell, row, before: cell[:6] + cell[-2:]),
    "too_young": ("Date of Birth", lambda cell, row, before: "01/01/" + str(int(row["Start Date"][-4:]) - 12)),
    "duplicate_ni_number": ("NI Number", lambda cell, row, before: before["NI Number"]),
}
MISTAKES = list(SPOILERS)


def _weighted(generator: random.Random, options: Sequence[tuple[str, float]]) -> str:
    values, weights = zip(*options, strict=True)
    return generator.choices(values, weights)[0]


def _ni_number(index: int, generator: random.Random) -> str:
    while True:
        pair = generator.choice(NI_FIRST) + generator.choice(NI_SECOND)
        if pair not in NI_NOT_ALLOWED:
            break
    digits = f"{index % 1_000_000:06d}"
    text = f"{pair}{digits}{'ABCD'[index // 1_000_000 % 4]}"
    # Legacy systems store them every which way.
    return f"{text[:2]} {text[2:4]} {text[4:6]} {text[6:8]} {text[8]}" if generator.random() < 0.15 else text


def _tax_months_done(day: datetime.date) -> int:
    """Whole tax months paid before ``day`` (the tax year starts on 6 April)."""
    months = (day.year - (day.year if (day.month, day.day) >= (4, 6) else day.year - 1)) * 12 + day.month - 4
    months = months if (day.month, day.day) >= (4, 6) else months + 12
    return max(0, min(11, months - (1 if day.day < 6 else 0)))


class _WorkEmails:
    """firstname.lastname@domain, numbered from the second person of the same name (jo.bloggs2@…)."""

    def __init__(self, domain: str) -> None:
        self.domain, self.seen = domain, dict[str, int]()

    def __call__(self, forename: str, surname: str) -> str:
        local = ".".join(re.sub(r"[^a-z0-9-]", "", name.lower()) for name in (forename, surname))
        number = self.seen[local] = self.seen.get(local, 0) + 1
        return f"{local}{number if number > 1 else ''}@{self.domain}"


def _rates_year(tax_year: str) -> str:
    """The tax year whose rates the year-to-date figures use (the nearest the platform has)."""
    years = available_tax_years()
    return tax_year if tax_year in years else min(years, key=lambda year: abs(int(year[:4]) - int(tax_year[:4])))


def _year_to_date(salary: Decimal, hours: str, tax_code: str, ni_letter: str, loans: str, pension: str, paid: int,
                  tax_year: str) -> list[str]:
    """The year-to-date columns after ``paid`` months at the row's pay: each month's figures as the
    engine calculates a first month, times the months (so the platform's cumulative tax in the
    next period carries on from them, as it would after a real year)."""
    if paid == 0:
        return ["0.00"] * 7
    code = parse_tax_code(tax_code)
    monthly = (salary * _fte(hours) / 12).quantize(PENNY, rounding=ROUND_HALF_UP)
    result = calculate(parse_input({
        "id": "", "tax_year": tax_year, "frequency": MONTHLY, "period": 1, "tax_code": _code_proper(code.text),
        "week1_month1": code.non_cumulative, "ni_category": ni_letter, "student_loans": list(LOAN_PLANS[loans]),
        "pension_scheme": "alpha" if pension == "alpha" else None, "gross_pay": str(monthly),
        "pensionable_pay": str(monthly if pension == "alpha" else Decimal("0.00")), "ytd_taxable_pay_before": "0.00",
        "ytd_tax_paid_before": "0.00"}))
    return [f"{Decimal(result[name]) * paid:.2f}"
            for name in ("taxable_pay", "income_tax", "employee_ni", "employer_ni", "student_loan",
                         "postgraduate_loan", "pension_employee")]


def _fte(hours: str) -> Decimal:
    """As the staff import records it."""
    return min(Decimal("1"), Decimal(hours).quantize(PENNY) / FULL_TIME_HOURS).quantize(FTE_PLACES)


def _code_proper(text: str) -> str:
    return _NON_CUMULATIVE.sub("", text)


_NON_CUMULATIVE = re.compile(r"(W1|M1|X)$")


def employees(count: int, *, seed: int = 2026, bad_rows: int = 0, today: datetime.date | None = None,
              email_domain: str = DEFAULT_EMAIL_DOMAIN, results_period: datetime.date | None = None
              ) -> Iterator[list[str]]:
    for row, _ in staff_rows(count, seed=seed, bad_rows=bad_rows, today=today, email_domain=email_domain,
                             results_period=results_period):
        yield row


def staff_rows(count: int, *, seed: int = 2026, bad_rows: int = 0, today: datetime.date | None = None,
               email_domain: str = DEFAULT_EMAIL_DOMAIN, results_period: datetime.date | None = None
               ) -> Iterator[tuple[list[str], bool]]:
    """The export's rows, each with whether a mistake spoiled it.

    The year-to-date figures cover the tax months paid before ``today`` or, with ``results_period``
    (the first day of a month), the tax months of that period's tax year before it: the balances a
    go-live in that period starts from. The people are the same either way.
    """
    generator = random.Random(seed)
    work_email = _WorkEmails(email_domain)
    today = today or datetime.date.today()  # noqa: DTZ011 - a calendar date for synthetic data
    months = _tax_months_done(today) if results_period is None else results_tax_period(results_period) - 1
    # Months are counted from a start date up to this day.
    counted_to = today if results_period is None else results_period
    tax_year = _rates_year(tax_year_label(today) if results_period is None
                           else results_pay_period(results_period).tax_year)
    bad = set(random.Random(seed + 1).sample(range(1, count), min(bad_rows, max(0, count - 1)))) if count > 1 else set()
    grade_options = [(code, spec[3]) for code, spec in GRADES.items()]
    previous: list[str] | None = None
    for index in range(count):
        sex = generator.choice("FM")
        town, outwards, country = generator.choice(PLACES)
        grade = _weighted(generator, grade_options)
        low, high, post, _ = GRADES[grade]
        unit, centre = generator.choice(UNITS)
        hours = generator.choices(["37", "30", "22.5", "18.5"], [80, 10, 7, 3])[0]
        salary = Decimal(generator.randint(low, high))
        start = today - datetime.timedelta(days=generator.randint(30, 9000))
        born = start - datetime.timedelta(days=365 * generator.randint(18, 45) + generator.randint(0, 364))
        tax_code = _weighted(generator, TAX_CODES)
        if tax_code[0].isdigit() and country != "england":
            tax_code = ("S" if country == "scotland" else "C") + tax_code
        loans = _weighted(generator, LOANS)
        pension = "alpha" if generator.random() < 0.85 else "none"
        paid = min(months, max(0, (counted_to - start).days // 31))
        row = [f"LP{index + 1:06d}", generator.choice(TITLES[sex]), generator.choice(FORENAMES),
               generator.choice(SURNAMES), born.strftime("%d/%m/%Y"), sex, _ni_number(index, generator),
               f"{generator.randint(1, 240)} {generator.choice(STREETS)}", "", town,
               f"{generator.choice(outwards)} {generator.randint(1, 9)}{generator.choice(INWARD_LETTERS)}"
               f"{generator.choice(INWARD_LETTERS)}",
               f"{generator.randint(10, 99)}-{generator.randint(0, 99):02d}-{generator.randint(0, 99):02d}",
               f"{generator.randint(10_000_000, 99_999_999)}", grade, post, unit, centre, f"{salary:.2f}", hours,
               start.strftime("%d/%m/%Y"), tax_code, _weighted(generator, NI_LETTERS), loans, pension,
               f"LEG-{index + 1:07d}"]
        row += _year_to_date(salary, hours, tax_code, row[21], loans, pension, paid, tax_year)
        row.append(work_email(row[2], row[3]))
        spoiled = False
        if previous is not None and index in bad:
            _spoil(row, previous, MISTAKES[len([b for b in bad if b < index]) % len(MISTAKES)])
            spoiled = True
        previous = row
        yield row, spoiled


def _spoil(row: list[str], previous: list[str], mistake: str) -> None:
    heading, spoiled = SPOILERS[mistake]
    position = HEADINGS.index(heading)
    row[position] = spoiled(row[position], dict(zip(EXPORT_HEADINGS, row, strict=True)),
                            dict(zip(EXPORT_HEADINGS, previous, strict=True)))


def write_export(path: Path, *, count: int, file_format: str = "csv", seed: int = 2026, bad_rows: int = 0,
                 today: datetime.date | None = None, email_domain: str = DEFAULT_EMAIL_DOMAIN,
                 results_period: datetime.date | None = None) -> int:
    """Write the export to ``path``; returns the number of staff rows. With ``results_period`` the
    year-to-date figures are those before that period (see ``staff_rows``)."""
    table = _Table(path, file_format, "Staff", EXPORT_HEADINGS)
    try:
        for row in employees(count, seed=seed, bad_rows=bad_rows, today=today, email_domain=email_domain,
                             results_period=results_period):
            table.append(row)
    finally:
        table.close()
    return count


# --- What the legacy payroll paid ----------------------------------------------------------------

# The layout of onboarding/LEGACY_RESULTS.md, as the legacy payroll writes it.
# The year to date after the period comes last, as older legacy layouts lacked it.
RESULT_HEADINGS = ["Payroll No", "Period", "Gross Pay", "Taxable Pay", "Tax", "NI EE", "NI ER", "Student Loan",
                   "PG Loan", "Pension EE", "Pension ER", "Net Pay", "Tax Code", "NI Letter", "YTD Taxable Pay",
                   "YTD Tax"]
_RESULT_FIGURES = ("gross_pay", "taxable_pay", "income_tax", "employee_ni", "employer_ni", "student_loan",
                   "postgraduate_loan", "pension_employee", "pension_employer", "net_pay")
LOAN_PLANS = {"": (), "Plan 1": ("plan1",), "Plan 2": ("plan2",), "Plan 4": ("plan4",), "Plan 5": ("plan5",),
              "PGL": ("pgl",), "Plan 2; PGL": ("plan2", "pgl")}
# The differences planted in the results, each a habit or slip of a real legacy payroll
# (onboarding/LEGACY_RESULTS.md says what each looks like in a parallel run).
PLANTED_KINDS = {
    "stale_tax_code": "the legacy payroll missed the latest code notice and used the previous code, 100 lower",
    "rounding": "the legacy payroll rounds the employer's pension contribution up to the next penny",
    "missing": "the legacy payroll held the employee's pay (no results row)",
    "leaver_still_paid": "the legacy payroll still paid a leaver who is not in the staff export",
    "year_to_date": "the legacy payroll counted the period's taxable pay twice in its year to date",
}
STALE_CODE_STEP = 100


@dataclass
class LegacyResultsWritten:
    rows: int
    period: str  # YYYY-MM
    planted: dict[str, list[str]] = field(default_factory=lambda: {kind: [] for kind in PLANTED_KINDS})

    def summary(self) -> str:
        return ", ".join(f"{len(numbers)} {kind.replace('_', ' ')}" for kind, numbers in self.planted.items())


def results_pay_period(period_start: datetime.date) -> PayPeriod:
    """The monthly pay period of the month starting ``period_start``, as a department's default
    schedule pays it (on the last working day; the tax month follows from that day)."""
    return pay_period(PayDateRule(frequency=MONTHLY), period_start, ())


def results_tax_period(period_start: datetime.date) -> int:
    return results_pay_period(period_start).tax_period


def planted_count(count: int) -> int:
    """How many rows get each of the stale code and rounding differences: a handful."""
    return 0 if count < 20 else min(5, max(1, count // 1000))


def legacy_payslip(row: dict[str, str], period: PayPeriod, *, tax_code: str | None = None) -> Payslip | None:
    """What the legacy payroll calculated for one export row in ``period`` (None: not employed in
    it), formed as the platform forms a payslip: basic pay for the days employed from salary × FTE,
    the row's codes and loans, and its year-to-date figures as those before the period."""
    start = datetime.datetime.strptime(row["Start Date"], "%d/%m/%Y").date()  # noqa: DTZ007 - a calendar date
    if start > period.end:
        return None
    spell = PaySpell(start=max(start, period.start), end=period.end, annual_salary=Decimal(row["Salary"]),
                     fte=_fte(row["Hours"]))
    basic = basic_pay(period, [spell], method=CALENDAR_DAYS)
    code = parse_tax_code(tax_code or row["Tax Code"])
    pension = row["Pension Scheme"] == "alpha"
    ytd = YearToDate(taxable_pay=Decimal(row["YTD Taxable Pay"]), tax=Decimal(row["YTD Tax"]),
                     employee_ni=Decimal(row["YTD NI EE"]), employer_ni=Decimal(row["YTD NI ER"]),
                     student_loan=Decimal(row["YTD Student Loan"]), postgraduate_loan=Decimal(row["YTD PG Loan"]),
                     pension_employee=Decimal(row["YTD Pension"]))
    profile = PayrollProfile(tax_code=_code_proper(code.text), week1_month1=code.non_cumulative,
                             ni_category=row["NI Letter"], student_loans=LOAN_PLANS[row["Student Loan"]],
                             pension_scheme="alpha" if pension else None)
    return payslip_for(employee_ref=row["Payroll No"], tax_year=period.tax_year, frequency=MONTHLY,
                       period=period.tax_period, profile=profile, ytd=ytd,
                       elements=[Element("BASIC", "Basic pay", TAXABLE_PAYMENT, basic, pensionable=pension)])


def _figures(payslip: Payslip) -> dict[str, Decimal]:
    result = payslip.result
    return {"gross_pay": payslip.gross_pay, "taxable_pay": payslip.taxable_pay,
            "pension_employer": payslip.amount("ER_PENSION"), "net_pay": payslip.net_pay,
            **{name: Decimal(result[name]) for name in ("income_tax", "employee_ni", "employer_ni", "student_loan",
                                                        "postgraduate_loan", "pension_employee")}}


def _stale_code(text: str) -> str | None:
    """The code before the latest notice (100 lower), for a cumulative code with a number; else None."""
    code = parse_tax_code(text)
    if code.kind != "suffix" or code.non_cumulative or code.number <= STALE_CODE_STEP:
        return None
    return re.sub(r"\d+", str(code.number - STALE_CODE_STEP), code.text, count=1)


def _rounded_up_employer_pension(payslip: Payslip) -> Decimal | None:
    """The employer's contribution rounded up to the penny, when that differs from the engine's."""
    pension = payslip.working.get("pension") or {}
    rate = pension.get("employer_rate")
    if not rate:
        return None
    exact = payslip.gross_pay * Decimal(rate.rstrip("%")) / 100
    rounded_up = exact.quantize(PENNY, rounding=ROUND_CEILING)
    return rounded_up if rounded_up != payslip.amount("ER_PENSION") else None


class _Planter:
    """Decides, row by row, which rows carry a planted difference. Each kind is due at positions
    drawn from the seed; a position whose row cannot carry it passes it on to the next row that can."""

    def __init__(self, count: int, seed: int, *, enabled: bool) -> None:
        handful = planted_count(count) if enabled else 0
        wanted = {"stale_tax_code": handful, "rounding": handful, "missing": min(handful, 1),
                  "leaver_still_paid": min(handful, 1)}
        positions = random.Random(seed + 2).sample(range(count * 4 // 5), sum(wanted.values())) if handful else []
        self.due_at: dict[int, str] = {}
        for kind, number in wanted.items():
            for _ in range(number):
                self.due_at[positions.pop()] = kind
        if handful:
            # Drawn apart from the others, so that adding this kind moved none of them.
            drawn = random.Random(seed + 3)
            position = drawn.randrange(count * 4 // 5)
            while position in self.due_at:
                position = drawn.randrange(count * 4 // 5)
            self.due_at[position] = "year_to_date"
        self.pending: dict[str, int] = {kind: 0 for kind in PLANTED_KINDS}

    def due(self, index: int) -> list[str]:
        if index in self.due_at:
            self.pending[self.due_at[index]] += 1
        return [kind for kind, number in self.pending.items() if number]


class _LegacyPayroll:
    """The legacy payroll paying the export's rows one by one in a period, with the planted
    differences; ``written`` says what it paid and planted."""

    def __init__(self, count: int, *, period_start: datetime.date, seed: int, planted: bool) -> None:
        self.count, self.period = count, results_pay_period(period_start)
        self.label = f"{period_start:%Y-%m}"
        self.written = LegacyResultsWritten(0, self.label)
        self.planter = _Planter(count, seed, enabled=planted)
        self.leavers: list[list[str]] = []

    def pay(self, index: int, cells: list[str], spoiled: bool) -> list[str] | None:
        """The results row of one staff row, or None: the import refuses a spoiled row, nobody is
        paid for a period before they start, and one employee's pay is held (planted)."""
        row = dict(zip(EXPORT_HEADINGS, cells, strict=True))
        due = self.planter.due(index)  # counted on every row, so that a skipped row passes its kind on
        payslip = None if spoiled else legacy_payslip(row, self.period)
        if payslip is None:
            return None
        kind, figures, tax_code = None, _figures(payslip), row["Tax Code"]
        year_to_date = _year_to_date_after(row, figures)
        for candidate in due:
            changed = _planted(candidate, row, self.period, payslip)
            if changed is not None:
                kind, (figures, tax_code) = candidate, changed
                year_to_date = _year_to_date_after(row, figures)
                if kind == "year_to_date":  # the period's taxable pay counted twice
                    year_to_date["taxable_pay"] += figures["taxable_pay"]
                break
        if kind is not None:
            self.planter.pending[kind] -= 1
            number = row["Payroll No"]
            if kind == "leaver_still_paid":  # a copy of this row's pay under a number the export lacks
                number = f"LP{self.count + 1 + len(self.leavers):06d}"
                self.leavers.append(_result_cells(number, self.label, figures, tax_code, row["NI Letter"],
                                                  year_to_date))
            self.written.planted[kind].append(number)
            if kind == "missing":
                return None
        self.written.rows += 1
        return _result_cells(row["Payroll No"], self.label, figures, tax_code, row["NI Letter"], year_to_date)

    def finish(self) -> list[list[str]]:
        """The rows after the export's: the leavers still paid."""
        self.written.rows += len(self.leavers)
        return self.leavers


def legacy_results(count: int, *, period_start: datetime.date, seed: int = 2026, bad_rows: int = 0,
                   today: datetime.date | None = None, email_domain: str = DEFAULT_EMAIL_DOMAIN,
                   planted: bool = True) -> tuple[Iterator[list[str]], LegacyResultsWritten]:
    """The legacy results (RESULT_HEADINGS rows) of the export written with the same arguments and
    ``results_period=period_start``, and what they planted (filled in as the rows are read)."""
    payroll = _LegacyPayroll(count, period_start=period_start, seed=seed, planted=planted)

    def rows() -> Iterator[list[str]]:
        staff = staff_rows(count, seed=seed, bad_rows=bad_rows, today=today, email_domain=email_domain,
                           results_period=period_start)
        for index, (cells, spoiled) in enumerate(staff):
            if (result := payroll.pay(index, cells, spoiled)) is not None:
                yield result
        yield from payroll.finish()

    return rows(), payroll.written


def _planted(kind: str, row: dict[str, str], period: PayPeriod,
             payslip: Payslip) -> tuple[dict[str, Decimal], str] | None:
    """The row's figures and tax code with ``kind`` planted, or None when this row cannot carry it."""
    if kind == "stale_tax_code":
        stale = _stale_code(row["Tax Code"])
        stale_payslip = legacy_payslip(row, period, tax_code=stale) if stale else None
        if stale is None or stale_payslip is None or stale_payslip.result["income_tax"] == payslip.result["income_tax"]:
            return None  # pay within both codes' allowance shows no difference
        return _figures(stale_payslip), stale
    if kind == "rounding":
        rounded_up = _rounded_up_employer_pension(payslip)
        return None if rounded_up is None else ({**_figures(payslip), "pension_employer": rounded_up},
                                                row["Tax Code"])
    if kind == "year_to_date" and payslip.taxable_pay <= 0:
        return None  # nothing taxable this period to count twice
    return _figures(payslip), row["Tax Code"]  # missing, a leaver paid the same, or the year to date


def _year_to_date_after(row: dict[str, str], figures: dict[str, Decimal]) -> dict[str, Decimal]:
    """The year to date after the period, as the legacy payslip shows it: the export's year to date
    before the period plus what the period paid."""
    return {"taxable_pay": Decimal(row["YTD Taxable Pay"]) + figures["taxable_pay"],
            "tax": Decimal(row["YTD Tax"]) + figures["income_tax"]}


def _result_cells(payroll_number: str, period: str, figures: dict[str, Decimal], tax_code: str,
                  ni_letter: str, year_to_date: dict[str, Decimal]) -> list[str]:
    return [payroll_number, period, *(f"{figures[name]:.2f}" for name in _RESULT_FIGURES), tax_code, ni_letter,
            f"{year_to_date['taxable_pay']:.2f}", f"{year_to_date['tax']:.2f}"]


class _Table:
    """Rows written to a CSV file or to the first sheet of an XLSX workbook, one at a time."""

    def __init__(self, path: Path, file_format: str, sheet: str, headings: list[str]) -> None:
        self.path, self.xlsx = path, file_format == "xlsx"
        if self.xlsx:
            from openpyxl import Workbook

            self.workbook = Workbook(write_only=True)
            self.sheet = self.workbook.create_sheet(sheet)
            self.sheet.append(headings)
        else:
            self.handle = path.open("w", newline="", encoding="utf-8")
            self.writer = csv.writer(self.handle)
            self.writer.writerow(headings)

    def append(self, cells: Sequence[object]) -> None:
        if self.xlsx:
            self.sheet.append(list(cells))
        else:
            self.writer.writerow(cells)

    def close(self) -> None:
        if self.xlsx:
            self.workbook.save(self.path)
        else:
            self.handle.close()


def _result_values(cells: list[str], file_format: str) -> Sequence[object]:
    # In a workbook amounts are numbers, as a payroll system's spreadsheet holds them.
    if file_format != "xlsx":
        return cells
    return [cells[0], cells[1], *(float(cell) for cell in cells[2:12]), cells[12], cells[13],
            *(float(cell) for cell in cells[14:])]


def write_export_with_results(path: Path, results_path: Path, *, count: int, period_start: datetime.date,
                              file_format: str = "csv", seed: int = 2026, bad_rows: int = 0,
                              today: datetime.date | None = None, email_domain: str = DEFAULT_EMAIL_DOMAIN,
                              planted: bool = True) -> LegacyResultsWritten:
    """Write the export (its year to date before ``period_start``) and, in the same pass, what the
    legacy payroll paid its people in that month."""
    payroll = _LegacyPayroll(count, period_start=period_start, seed=seed, planted=planted)
    staff = _Table(path, file_format, "Staff", EXPORT_HEADINGS)
    results = _Table(results_path, file_format, "Results", RESULT_HEADINGS)
    try:
        rows = staff_rows(count, seed=seed, bad_rows=bad_rows, today=today, email_domain=email_domain,
                          results_period=period_start)
        for index, (cells, spoiled) in enumerate(rows):
            staff.append(cells)
            if (result := payroll.pay(index, cells, spoiled)) is not None:
                results.append(_result_values(result, file_format))
        for result in payroll.finish():
            results.append(_result_values(result, file_format))
    finally:
        staff.close()
        results.close()
    return payroll.written


def write_legacy_results(path: Path, *, count: int, period_start: datetime.date, file_format: str = "csv",
                         seed: int = 2026, bad_rows: int = 0, today: datetime.date | None = None,
                         email_domain: str = DEFAULT_EMAIL_DOMAIN, planted: bool = True) -> LegacyResultsWritten:
    """Write only the results of the export written with the same arguments (``results_period=
    period_start``): the same people, calculated again."""
    rows, written = legacy_results(count, period_start=period_start, seed=seed, bad_rows=bad_rows, today=today,
                                   email_domain=email_domain, planted=planted)
    table = _Table(path, file_format, "Results", RESULT_HEADINGS)
    try:
        for cells in rows:
            table.append(_result_values(cells, file_format))
    finally:
        table.close()
    return written
