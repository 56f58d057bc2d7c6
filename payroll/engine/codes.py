"""Tax codes as HMRC issues them: prefix (S Scotland, C Wales), then the code proper."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_CODE = re.compile(
    r"^(?P<prefix>[SC]?)"
    r"(?:(?P<single>BR|D[0-9])|(?P<nt>NT)|K(?P<k_number>\d{1,6})|(?P<number>\d{1,6})(?P<suffix>[LMNT]))"
    r"(?P<non_cumulative>W1|M1|X)?$",
    re.ASCII,  # \d would otherwise accept digits of other scripts
)
REGION_BY_PREFIX = {"": "ruk", "S": "scotland", "C": "wales"}


class TaxCodeError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class TaxCode:
    text: str
    region: str  # "ruk", "scotland" or "wales"
    kind: str  # "suffix", "k", "single_rate" or "no_tax"
    number: int  # the code number (suffix and K codes); 0 otherwise
    single_rate_code: str  # e.g. "SD1" for single-rate codes
    non_cumulative: bool  # the code itself carried W1, M1 or X


def parse_tax_code(raw: object) -> TaxCode:
    """``1257L``, ``S1257L``, ``C1257L``, ``K500``, ``BR``, ``SD2``, ``NT``, ``0T``, ``1257L W1``…"""
    if isinstance(raw, str):
        return _parse_text(raw)  # a pay run meets the same few codes thousands of times
    raise TaxCodeError("tax_code: must be a non-empty string such as '1257L'")


@lru_cache(maxsize=4096)
def _parse_text(raw: str) -> TaxCode:
    if not raw.strip():
        raise TaxCodeError("tax_code: must be a non-empty string such as '1257L'")
    text = "".join(raw.upper().split())
    match = _CODE.match(text)
    if match is None:
        raise TaxCodeError(f"tax_code: {raw!r} is not a tax code HMRC issues (e.g. 1257L, S1257L, K500, BR, D0, NT)")
    prefix = match["prefix"]
    non_cumulative = match["non_cumulative"] is not None
    region = REGION_BY_PREFIX[prefix]
    if match["nt"]:
        if prefix:
            raise TaxCodeError(f"tax_code: {raw!r}: NT takes no country prefix")
        return TaxCode(text, region, "no_tax", 0, "", non_cumulative)
    if match["single"]:
        return TaxCode(text, region, "single_rate", 0, prefix + match["single"], non_cumulative)
    if match["k_number"] is not None:
        number = int(match["k_number"])
        if number == 0:
            raise TaxCodeError(f"tax_code: {raw!r}: a K code needs a number from 1")
        return TaxCode(text, region, "k", number, "", non_cumulative)
    return TaxCode(text, region, "suffix", int(match["number"]), "", non_cumulative)
