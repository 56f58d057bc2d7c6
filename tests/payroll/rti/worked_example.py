"""RTI.md §10's worked example as the dataclasses the pay run fills in: a migrated department's
first FPS in tax month 8, with Jane Smith's payroll ID changed on migration and Amir Khan a new
starter (declaration A, student loan)."""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal
from pathlib import Path

from payroll.engine.rti.model import (
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
    Starter,
    StarterDeclaration,
    TaxCode,
)

D = datetime.date
SHARED = Path(__file__).resolve().parents[4] / "shared" / "payroll"
EXAMPLE_FILE = SHARED / "fps-example-2026-27.xml"

EMPLOYER = Employer(tax_office_number="120", tax_office_reference="AB12345", accounts_office_reference="120PA00012345")
GATEWAY = Gateway(sender_id="SENDERID", password="PASSWORD", vendor_id="1234", product="Shared Services Payroll",
                  product_version="0.1", timestamp=datetime.datetime(2026, 11, 25, 10, 0, tzinfo=datetime.UTC))
HEADER = FpsHeader(employer=EMPLOYER, gateway=GATEWAY, tax_year=2026)


def _m(value: str) -> Decimal:
    return Decimal(value)


JANE = FpsEmployee(
    nino="AB123456C",
    name=Name(title="Ms", forenames=("Jane",), surname="Smith"),
    address=Address(lines=("1 High Street", "Leeds"), uk_postcode="LS1 1AA"),
    birth_date=D(1985, 3, 14),
    gender=Gender.FEMALE,
    payroll_id="MOJ-000123",
    payroll_id_changed=True,
    old_payroll_id="OLD-00123",
    taxable_pay_ytd=_m("20000.00"),
    tax_ytd=_m("2322.80"),
    pay_frequency=PayFrequency.MONTHLY,
    payment_date=D(2026, 11, 27),
    period_number=8,
    hours=HoursBand.THIRTY_OR_MORE,
    tax_code=TaxCode("1257L"),
    taxable_pay_in_period=_m("2500.00"),
    pay_after_statutory_deductions=_m("2093.44"),
    tax_in_period=_m("290.40"),
    ni=(NiLetterFigures(letter="A", gross_in_period=_m("2500.00"), gross_ytd=_m("20000.00"), at_lel_ytd=_m("4472.00"),
                        lel_to_pt_ytd=_m("3912.00"), pt_to_uel_ytd=_m("11616.00"), employer_in_period=_m("312.45"),
                        employer_ytd=_m("2499.60"), employee_in_period=_m("116.16"), employee_ytd=_m("929.28")),),
)

AMIR = FpsEmployee(
    nino="CE987654B",
    name=Name(forenames=("Amir",), surname="Khan"),
    address=Address(lines=("22 Station Road", "Bristol"), uk_postcode="BS1 4DJ"),
    birth_date=D(1999, 7, 1),
    gender=Gender.MALE,
    starter=Starter(start_date=D(2026, 11, 2), declaration=StarterDeclaration.FIRST_JOB_SINCE_6_APRIL,
                    student_loan=True),
    payroll_id="MOJ-000456",
    taxable_pay_ytd=_m("2000.00"),
    tax_ytd=_m("0.00"),
    pay_frequency=PayFrequency.MONTHLY,
    payment_date=D(2026, 11, 27),
    period_number=8,
    hours=HoursBand.THIRTY_OR_MORE,
    tax_code=TaxCode("1257L"),
    taxable_pay_in_period=_m("2000.00"),
    tax_in_period=_m("0.00"),
    ni=(NiLetterFigures(letter="A", gross_in_period=_m("2000.00"), gross_ytd=_m("2000.00"), at_lel_ytd=_m("559.00"),
                        lel_to_pt_ytd=_m("489.00"), pt_to_uel_ytd=_m("952.00"), employer_in_period=_m("237.45"),
                        employer_ytd=_m("237.45"), employee_in_period=_m("76.16"), employee_ytd=_m("76.16")),),
)

EMPLOYEES = (JANE, AMIR)


def changed(employee: FpsEmployee, **changes: object) -> FpsEmployee:
    return dataclasses.replace(employee, **changes)  # type: ignore[arg-type]
