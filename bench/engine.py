"""Payroll engine throughput on one core, for a realistic mix of codes, letters, loans and pensions.

    .venv/bin/python bench/engine.py [--inputs 100000] [--seed 7] [--repeat 3]

Prints calculations per second (goal: at least 50,000) for the contract's results alone and with
the working that payslips and the API show. Inputs are parsed and validated as in production.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from payroll.engine import calculate_batch  # noqa: E402

CODES = [("1257L", 55), ("S1257L", 10), ("C1257L", 5), ("1100L", 5), ("K475", 3), ("SK300", 1), ("BR", 8),
         ("D0", 2), ("SD1", 1), ("0T", 3), ("NT", 1), ("1257M", 2), ("1131N", 2), ("1383T", 2)]
LETTERS = [("A", 80), ("B", 1), ("C", 4), ("H", 2), ("J", 1), ("M", 5), ("Z", 1), ("X", 1), ("F", 2), ("V", 3)]
LOANS = [((), 70), (("plan2",), 15), (("plan1",), 5), (("plan2", "pgl"), 4), (("pgl",), 2), (("plan4",), 2),
         (("plan5",), 2)]


def _pick(generator: random.Random, weighted: list) -> object:
    values, weights = zip(*weighted, strict=True)
    return generator.choices(values, weights)[0]


def make_inputs(count: int, seed: int) -> list[dict]:
    generator = random.Random(seed)
    inputs = []
    for index in range(count):
        monthly = generator.random() < 0.85
        frequency = "monthly" if monthly else "weekly"
        period = generator.randint(1, 12 if monthly else 52)
        salary = generator.choice([19_000, 24_000, 28_500, 33_000, 41_000, 52_000, 68_000, 95_000, 140_000])
        salary = salary + generator.randint(-2000, 2000)
        gross = round(salary / (12 if monthly else 52), 2)
        on_alpha = generator.random() < 0.6
        inputs.append({
            "id": f"e{index}",
            "tax_year": "2026-27" if generator.random() < 0.7 else "2025-26",
            "frequency": frequency,
            "period": period,
            "tax_code": _pick(generator, CODES),
            "week1_month1": generator.random() < 0.05,
            "ni_category": _pick(generator, LETTERS),
            "student_loans": list(_pick(generator, LOANS)),
            "pension_scheme": "alpha" if on_alpha else None,
            "gross_pay": f"{gross:.2f}",
            "pensionable_pay": f"{gross:.2f}" if on_alpha else "0.00",
            "ytd_taxable_pay_before": f"{gross * 0.95 * (period - 1):.2f}",
            "ytd_tax_paid_before": f"{gross * 0.18 * (period - 1):.2f}",
        })
    return inputs


def measure(inputs: list[dict], with_working: bool, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        results = calculate_batch(inputs, with_working=with_working)
        best = min(best, time.perf_counter() - started)
    errors = [result for result in results if "error" in result]
    if errors:
        raise SystemExit(f"{len(errors)} inputs failed, e.g. {errors[0]}")
    return len(inputs) / best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--inputs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    inputs = make_inputs(arguments.inputs, arguments.seed)
    calculate_batch(inputs[:1000])  # load the rates and warm the band tables
    print(f"{arguments.inputs:,} employee-periods, best of {arguments.repeat}, one process:")
    print(f"  results only:      {measure(inputs, False, arguments.repeat):>10,.0f} calculations/s")
    print(f"  with the working:  {measure(inputs, True, arguments.repeat):>10,.0f} calculations/s")


if __name__ == "__main__":
    main()
