"""The Employer Payment Summary (EPS): ``build_eps(eps, out)``.

Structure per RTI.md §7.3, in the 2026-27 form: no ``DeMinimisStateAid`` group (removed for
2026-27, §7.2). The NI statutory parental bereavement recovery items new for 2026-27 are not
written: their element names are unconfirmed (§11 item 1).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal
from typing import IO

from payroll.engine.rti.envelope import write_submission
from payroll.engine.rti.fps import final_submission_xml
from payroll.engine.rti.model import Eps, RecoverableAmounts, eps_namespace, tax_year_end, tax_year_label
from payroll.engine.rti.xmltext import RtiValueError, date, element, money, text, whole_pounds

EPS_CLASS = "HMRC-PAYE-RTI-EPS"
_RECOVERABLE = (
    ("SMPRecovered", "smp_recovered"),
    ("SPPRecovered", "spp_recovered"),
    ("SAPRecovered", "sap_recovered"),
    ("ShPPRecovered", "shpp_recovered"),
    ("SPBPRecovered", "spbp_recovered"),
    ("SNCPRecovered", "sncp_recovered"),
    ("NICCompensationOnSMP", "nic_compensation_on_smp"),
    ("NICCompensationOnSPP", "nic_compensation_on_spp"),
    ("NICCompensationOnSAP", "nic_compensation_on_sap"),
    ("NICCompensationOnShPP", "nic_compensation_on_shpp"),
    ("NICCompensationOnSPBP", "nic_compensation_on_spbp"),
    ("NICCompensationOnSNCP", "nic_compensation_on_sncp"),
)


def build_eps(eps: Eps, out: IO[bytes]) -> str:
    """Write the whole GovTalk EPS message (UTF-8) to ``out``; return its IRmark (Base64)."""
    if (eps.no_payment_from is None) != (eps.no_payment_to is None):
        raise RtiValueError("NoPaymentDates: give both the first and the last date with no payment")
    return write_submission(
        out,
        message_class=EPS_CLASS,
        gateway=eps.gateway,
        employer=eps.employer,
        namespace=eps_namespace(eps.tax_year),
        period_end=tax_year_end(eps.tax_year),
        content=_content(eps),
    )


def eps_bytes(eps: Eps) -> bytes:
    buffer = io.BytesIO()
    build_eps(eps, buffer)
    return buffer.getvalue()


def _recoverable(recoverable: RecoverableAmounts) -> str:
    i = "      "
    lines = ["    <RecoverableAmountsYTD>\n"]
    if recoverable.tax_month is not None:
        lines.append(element(i, "TaxMonth", str(recoverable.tax_month)))
    for name, attribute in _RECOVERABLE:
        value: Decimal | None = getattr(recoverable, attribute)
        if value is not None and value != 0:
            lines.append(element(i, name, money(value, name)))
    lines.append("    </RecoverableAmountsYTD>\n")
    return "".join(lines)


def _content(eps: Eps) -> Iterator[str]:
    employer = eps.employer
    lines = [
        "  <EmployerPaymentSummary>\n    <EmpRefs>\n",
        element("      ", "OfficeNo", text(employer.tax_office_number)),
        element("      ", "PayeRef", text(employer.tax_office_reference)),
        element("      ", "AORef", text(employer.accounts_office_reference)),
    ]
    if employer.corporation_tax_reference:
        lines.append(element("      ", "COTAXRef", text(employer.corporation_tax_reference)))
    lines.append("    </EmpRefs>\n")
    if eps.no_payment_from is not None and eps.no_payment_to is not None:
        lines.append("    <NoPaymentForPeriod>yes</NoPaymentForPeriod>\n    <NoPaymentDates>\n")
        lines.append(element("      ", "From", date(eps.no_payment_from)))
        lines.append(element("      ", "To", date(eps.no_payment_to)))
        lines.append("    </NoPaymentDates>\n")
    if eps.employment_allowance is not None:
        lines.append(element("    ", "EmpAllceInd", "yes" if eps.employment_allowance else "no"))
    if eps.recoverable is not None:
        lines.append(_recoverable(eps.recoverable))
    levy = eps.apprenticeship_levy
    if levy is not None:
        lines.append("    <ApprenticeshipLevy>\n")
        lines.append(element("      ", "LevyDueYTD", whole_pounds(levy.levy_due_ytd, "LevyDueYTD")))
        lines.append(element("      ", "TaxMonth", str(levy.tax_month)))
        lines.append(element("      ", "AnnualAllce", money(levy.annual_allowance, "AnnualAllce")))
        lines.append("    </ApprenticeshipLevy>\n")
    lines.append(element("    ", "RelatedTaxYear", tax_year_label(eps.tax_year)))
    if eps.final_submission is not None:
        lines.append(final_submission_xml(eps.final_submission, "    "))
    lines.append("  </EmployerPaymentSummary>\n")
    yield "".join(lines)
