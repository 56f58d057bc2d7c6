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
from decimal import Decimal
from pathlib import Path

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


def employees(count: int, *, seed: int = 2026, bad_rows: int = 0, today: datetime.date | None = None,
              email_domain: str = DEFAULT_EMAIL_DOMAIN) -> Iterator[list[str]]:
    generator = random.Random(seed)
    work_email = _WorkEmails(email_domain)
    today = today or datetime.date.today()  # noqa: DTZ011 - a calendar date for synthetic data
    months = _tax_months_done(today)
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
        monthly = salary * Decimal(hours) / Decimal("37") / 12
        paid = min(months, max(0, (today - start).days // 31))
        pension_ytd = (monthly * Decimal("0.0545") * paid) if pension == "alpha" else Decimal(0)
        taxable = monthly * paid - pension_ytd
        tax = max(Decimal(0), (taxable - Decimal("1047.50") * paid) * Decimal("0.2"))
        ni_ee = max(Decimal(0), (monthly - Decimal("1048")) * Decimal("0.08") * paid)
        ni_er = max(Decimal(0), (monthly - Decimal("417")) * Decimal("0.15") * paid)
        loan = max(Decimal(0), (monthly - Decimal("2372")) * Decimal("0.09") * paid) if "Plan" in loans else Decimal(0)
        pgl = max(Decimal(0), (monthly - Decimal("1750")) * Decimal("0.06") * paid) if "PGL" in loans else Decimal(0)
        row = [f"LP{index + 1:06d}", generator.choice(TITLES[sex]), generator.choice(FORENAMES),
               generator.choice(SURNAMES), born.strftime("%d/%m/%Y"), sex, _ni_number(index, generator),
               f"{generator.randint(1, 240)} {generator.choice(STREETS)}", "", town,
               f"{generator.choice(outwards)} {generator.randint(1, 9)}{generator.choice(INWARD_LETTERS)}"
               f"{generator.choice(INWARD_LETTERS)}",
               f"{generator.randint(10, 99)}-{generator.randint(0, 99):02d}-{generator.randint(0, 99):02d}",
               f"{generator.randint(10_000_000, 99_999_999)}", grade, post, unit, centre, f"{salary:.2f}", hours,
               start.strftime("%d/%m/%Y"), tax_code, _weighted(generator, NI_LETTERS), loans, pension,
               f"LEG-{index + 1:07d}"] + [f"{value:.2f}" for value in (taxable, tax, ni_ee, ni_er, loan, pgl,
                                                                         pension_ytd)]
        row.append(work_email(row[2], row[3]))
        if index in bad and previous is not None:
            _spoil(row, previous, MISTAKES[len([b for b in bad if b < index]) % len(MISTAKES)])
        previous = row
        yield row


def _spoil(row: list[str], previous: list[str], mistake: str) -> None:
    heading, spoiled = SPOILERS[mistake]
    position = HEADINGS.index(heading)
    row[position] = spoiled(row[position], dict(zip(EXPORT_HEADINGS, row, strict=True)),
                            dict(zip(EXPORT_HEADINGS, previous, strict=True)))


def write_export(path: Path, *, count: int, file_format: str = "csv", seed: int = 2026, bad_rows: int = 0,
                 today: datetime.date | None = None, email_domain: str = DEFAULT_EMAIL_DOMAIN) -> int:
    """Write the export to ``path``; returns the number of staff rows."""
    rows = employees(count, seed=seed, bad_rows=bad_rows, today=today, email_domain=email_domain)
    if file_format == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Staff")
        sheet.append(EXPORT_HEADINGS)
        for row in rows:
            sheet.append(row)
        workbook.save(path)
        return count
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(EXPORT_HEADINGS)
        writer.writerows(rows)
    return count
