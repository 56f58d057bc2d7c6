"""HMRC's approved mileage allowance payments (AMAP), as data by tax year.

Cars and vans: 45p a mile for the first 10,000 business miles in a tax year, 25p after; motorcycles
24p and bicycles 20p a mile throughout. Source: HMRC, "Travel — mileage and fuel rates and
allowances" (gov.uk/government/publications/rates-and-allowances-travel-mileage-and-fuel-allowances),
unchanged since 6 April 2011. A new year's rates are a new entry here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class MileageBand:
    up_to_miles: Decimal | None  # None: no upper limit
    pence_per_mile: Decimal


RATES_FROM: dict[int, dict[str, tuple[MileageBand, ...]]] = {
    2011: {
        "car": (MileageBand(Decimal("10000"), Decimal("45")), MileageBand(None, Decimal("25"))),
        "motorcycle": (MileageBand(None, Decimal("24")),),
        "bicycle": (MileageBand(None, Decimal("20")),),
    },
}


def tax_year_start(day: datetime.date) -> datetime.date:
    """6 April of the tax year ``day`` falls in."""
    start = datetime.date(day.year, 4, 6)
    return start if day >= start else datetime.date(day.year - 1, 4, 6)


def _bands(vehicle: str, day: datetime.date) -> tuple[MileageBand, ...]:
    year = tax_year_start(day).year
    known = [from_year for from_year in RATES_FROM if from_year <= year]
    if not known:
        raise ValueError(f"No approved mileage rates are held for the tax year starting in {year}.")
    rates = RATES_FROM[max(known)]
    if vehicle not in rates:
        raise ValueError(f"{vehicle!r} is not a vehicle with approved mileage rates.")
    return rates[vehicle]


def mileage_amount(*, vehicle: str, miles: Decimal, on: datetime.date, earlier_miles: Decimal) -> Decimal:
    """The approved amount for ``miles`` driven on ``on``, after ``earlier_miles`` business miles
    already claimed in the same tax year (they decide which band each mile falls in). To the penny."""
    pence = Decimal("0")
    start, remaining = earlier_miles, miles
    for band in _bands(vehicle, on):
        if remaining <= 0:
            break
        room = remaining if band.up_to_miles is None else max(Decimal("0"), band.up_to_miles - start)
        in_band = min(remaining, room)
        pence += in_band * band.pence_per_mile
        start += in_band
        remaining -= in_band
    return (pence / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
