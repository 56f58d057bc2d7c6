"""An FPS for a whole department: built (streamed to a temporary file) and checked against HMRC's
schema and business rules, with synthetic but realistic employees.

    .venv/bin/python bench/rti.py [--employees 75000] [--seed 7] [--batch 2000]

Prints one JSON line: ``employees``, ``fps_s`` (build and validate), ``build_s``, ``validate_s``,
``fps_mb`` (file size), ``peak_rss_mb``, ``errors`` (HMRC's, expected 0) and ``generate_s`` (making
the synthetic employees, not counted in ``fps_s``). Goal: 75,000 in at most 30 s with memory flat:
employees are made one at a time and never held together.

Then the year's P60s for as many employees: ``p60_s`` is building each P60 from a year of monthly
figures (``payroll.p60``), writing its PDF (``payroll.p60_document``: the department's form laid out
once by WeasyPrint, each employee's figures written onto it) and adding it to a zip in chunks of
``P60_CHUNK_SIZE``, as the year-end job does; ``p60_mb`` is the zip's size. Goal: 75,000 in at most
5 minutes. The job's database reads (a few set-based queries per chunk) are not in this figure.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import resource
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from payroll.engine.rti import build_fps, validate_fps  # noqa: E402
from payroll.engine.rti.model import (  # noqa: E402
    Address,
    Employer,
    FpsEmployee,
    FpsHeader,
    Gateway,
    Gender,
    HoursBand,
    Name,
    NiLetterFigures,
    PayFrequency,
    Pension,
    PostgraduateLoan,
    Starter,
    StarterDeclaration,
    StudentLoan,
    StudentLoanPlan,
    TaxCode,
)

PENNY = Decimal("0.01")
MONTH = 8  # November: eight months of year-to-date figures
LEL, PT, ST, UEL = Decimal(559), Decimal(1048), Decimal(417), Decimal(4189)  # 2026-27 monthly (RATES.md)
FORENAMES = ["Jane", "Amir", "Olivia", "Mohammed", "Siobhan", "Chen", "Zo\u00eb", "Rhys", "Priya", "Tom\u00e1s",
             "Aoife", "Kwame", "Mary-Ann", "Oluwaseun", "Grace", "Dafydd"]
SURNAMES = ["Smith", "Khan", "O'Brien", "Jones", "Patel", "Nowak", "Williams", "Brown-Taylor", "M\u00fcller", "Singh",
            "Evans", "MacDonald", "Okafor", "Wright", "Li", "Thomas"]
TOWNS = [("Leeds", "LS1 1AA"), ("Bristol", "BS1 4DJ"), ("Cardiff", "CF10 1EP"), ("Glasgow", "G1 1XQ"),
         ("Newcastle", "NE1 4ST"), ("Norwich", "NR2 1NH")]
NINO_PREFIXES = ["AB", "CE", "JG", "KL", "NP", "RS", "SW", "TH", "WP", "YZ"]


def _money(value: Decimal) -> Decimal:
    return value.quantize(PENNY)


def _ni(generator: random.Random, monthly: Decimal) -> NiLetterFigures:
    letter = generator.choices(["A", "J", "H", "C"], [90, 4, 3, 3])[0]
    banded_to = min(monthly, UEL)
    employee_rate = Decimal("0.08") if letter in ("A", "H") else Decimal("0.02")
    employee = Decimal(0) if letter == "C" else _money(max(banded_to - PT, Decimal(0)) * employee_rate
                                                      + max(monthly - UEL, Decimal(0)) * Decimal("0.02"))
    employer = _money(max(monthly - ST, Decimal(0)) * Decimal("0.15"))
    return NiLetterFigures(
        letter=letter, gross_in_period=monthly, gross_ytd=monthly * MONTH,
        at_lel_ytd=LEL * MONTH if monthly >= LEL else Decimal(0),
        lel_to_pt_ytd=(min(monthly, PT) - LEL) * MONTH if monthly > LEL else Decimal(0),
        pt_to_uel_ytd=(banded_to - PT) * MONTH if monthly > PT else Decimal(0),
        employer_in_period=employer, employer_ytd=employer * MONTH,
        employee_in_period=employee, employee_ytd=employee * MONTH,
    )


def employees(count: int, seed: int) -> Iterator[FpsEmployee]:
    generator = random.Random(seed)
    for index in range(count):
        salary = Decimal(generator.choice([21_000, 24_500, 28_000, 33_000, 41_000, 52_000, 68_000, 95_000]))
        monthly = _money(salary / 12)
        tax = _money(max(monthly - Decimal("1047.50"), Decimal(0)) * Decimal("0.2"))
        town, postcode = generator.choice(TOWNS)
        starter = None
        if generator.random() < 0.03:
            starter = Starter(start_date=datetime.date(2026, 11, generator.randint(2, 20)),
                              declaration=generator.choice(list(StarterDeclaration)),
                              student_loan=generator.random() < 0.3)
        loan = None
        if generator.random() < 0.2 and monthly > 2100:
            above = max(monthly - Decimal("2372.50"), Decimal(0))
            recovered = (above * Decimal("0.09")).to_integral_value(ROUND_DOWN)
            loan = StudentLoan(plan=generator.choice(list(StudentLoanPlan)), recovered_in_period=recovered,
                               recovered_ytd=recovered * MONTH)
        postgraduate = None
        if generator.random() < 0.05:
            recovered = (max(monthly - Decimal(1750), Decimal(0)) * Decimal("0.06")).to_integral_value(ROUND_DOWN)
            postgraduate = PostgraduateLoan(recovered_in_period=recovered, recovered_ytd=recovered * MONTH)
        pension = _money(monthly * Decimal("0.0735"))
        changed = generator.random() < 0.5
        yield FpsEmployee(
            nino=f"{generator.choice(NINO_PREFIXES)}{generator.randint(0, 999999):06d}{generator.choice('ABCD')}",
            name=Name(forenames=(generator.choice(FORENAMES),), surname=generator.choice(SURNAMES)),
            address=Address(lines=(f"{generator.randint(1, 240)} Station Road", town), uk_postcode=postcode),
            birth_date=datetime.date(generator.randint(1962, 2005), generator.randint(1, 12), generator.randint(1, 28)),
            gender=generator.choice(list(Gender)),
            payroll_id=f"DEPT-{index:07d}",
            payroll_id_changed=changed and starter is None,
            old_payroll_id=f"OLD-{index:07d}" if changed and starter is None else None,
            starter=starter,
            taxable_pay_ytd=(monthly - pension) * (1 if starter else MONTH),
            tax_ytd=tax * (1 if starter else MONTH),
            pay_frequency=PayFrequency.MONTHLY,
            payment_date=datetime.date(2026, 11, 27),
            period_number=MONTH,
            hours=generator.choices(list(HoursBand)[:4], [5, 10, 15, 70])[0],
            tax_code=TaxCode.parse(generator.choice(["1257L", "1257L", "1257L", "S1257L", "C1257L", "BR", "1100L M1"])),
            taxable_pay_in_period=monthly - pension,
            tax_in_period=tax,
            pay_after_statutory_deductions=monthly - pension - tax,
            ni=(_ni(generator, monthly),) if starter is None else (),
            student_loan=loan,
            postgraduate_loan=postgraduate,
            pension=Pension(net_pay_in_period=pension, net_pay_ytd=pension * (1 if starter else MONTH)),
        )


class _Timed:
    """Wraps the synthetic employees, timing their making: that is the benchmark's own work, not
    the FPS's, and is reported apart (``generate_s``)."""

    def __init__(self, source: Iterator[FpsEmployee]) -> None:
        self.source = source
        self.seconds = 0.0

    def __iter__(self) -> Iterator[FpsEmployee]:
        while True:
            started = time.perf_counter()
            try:
                employee = next(self.source)
            except StopIteration:
                return
            finally:
                self.seconds += time.perf_counter() - started
            yield employee


def p60s(count: int, seed: int) -> tuple[float, int]:
    """Seconds to build and render ``count`` P60s into a zip, and the zip's size in bytes."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shared_services.settings.base")
    import django

    django.setup()
    import logging

    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    from payroll.p60 import NiPeriod, p60_for
    from payroll.p60_document import p60_pdfs
    from payroll.services.year_end import P60_CHUNK_SIZE

    generator = random.Random(seed)
    thresholds = {"LEL": str(LEL), "PT": str(PT), "UEL": str(UEL)}
    started = time.perf_counter()
    with tempfile.TemporaryFile() as scratch:
        with zipfile.ZipFile(scratch, "w", compression=zipfile.ZIP_STORED) as bundle:
            for start in range(0, count, P60_CHUNK_SIZE):
                chunk = []
                for index in range(start, min(start + P60_CHUNK_SIZE, count)):
                    monthly = _money(Decimal(generator.choice([21_000, 28_000, 41_000, 68_000, 95_000])) / 12)
                    tax = _money(max(monthly - Decimal("1047.50"), Decimal(0)) * Decimal("0.2"))
                    employee_ni = _money(max(min(monthly, UEL) - PT, Decimal(0)) * Decimal("0.08"))
                    chunk.append(p60_for(
                        tax_year="2026-27", surname=generator.choice(SURNAMES), forenames=generator.choice(FORENAMES),
                        ni_number=f"AB{index % 1_000_000:06d}C", payroll_number=f"DEPT-{index:07d}",
                        year_to_date={"taxable_pay": str(monthly * 12), "tax": str(tax * 12),
                                      "student_loan": "412.00" if index % 5 == 0 else "0"},
                        tax_code="1257L", week1_month1=False, frequency="monthly",
                        periods=[NiPeriod("A", monthly, thresholds)] * 12,
                        employee_ni_by_letter={"A": employee_ni * 12},
                        employer_name="Ministry of Justice", employer_paye_reference="120/AB12345"))
                for p60, pdf in zip(chunk, p60_pdfs(chunk), strict=True):
                    bundle.writestr(f"P60-2026-27-{p60.payroll_number}.pdf", pdf)
        size = scratch.tell()
    return time.perf_counter() - started, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=75_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch", type=int, default=2000)
    arguments = parser.parse_args()
    header = FpsHeader(
        employer=Employer(tax_office_number="120", tax_office_reference="AB12345",
                          accounts_office_reference="120PA00012345"),
        gateway=Gateway(sender_id="SENDERID", password="PASSWORD", vendor_id="1234", product="Shared Services Payroll",
                        product_version="0.1", timestamp=datetime.datetime.now(datetime.UTC)),
        tax_year=2026,
    )
    with tempfile.NamedTemporaryFile(suffix=".xml") as out:
        synthetic = _Timed(employees(arguments.employees, arguments.seed))
        started = time.perf_counter()
        build_fps(header, synthetic, out)
        out.flush()
        built = time.perf_counter()
        errors = validate_fps(out.name, batch_size=arguments.batch)
        finished = time.perf_counter()
        size = os.path.getsize(out.name)
    p60_seconds, p60_bytes = p60s(arguments.employees, arguments.seed)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({
        "employees": arguments.employees,
        "fps_s": round(finished - started - synthetic.seconds, 2),
        "build_s": round(built - started - synthetic.seconds, 2),
        "validate_s": round(finished - built, 2),
        "fps_mb": round(size / 1_000_000, 1),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "errors": len(errors),
        "generate_s": round(synthetic.seconds, 2),
        "p60_s": round(p60_seconds, 2),
        "p60_mb": round(p60_bytes / 1_000_000, 1),
    }))
    for error in errors[:5]:
        print(error, file=sys.stderr)


if __name__ == "__main__":
    main()
