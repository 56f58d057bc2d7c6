"""The EPS: statutory payments recovered, no payment for a period, the apprenticeship levy and the
final submission, accepted by HMRC's EPS schema and carrying a true IRmark."""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

import pytest
from lxml import etree

from payroll.engine.rti import RtiValueError, eps_bytes, irmark, validate_eps
from payroll.engine.rti.model import ApprenticeshipLevy, Eps, FinalSubmission, RecoverableAmounts
from tests.payroll.rti.worked_example import EMPLOYER, GATEWAY

D = datetime.date
NS = "{http://www.govtalk.gov.uk/taxation/PAYE/RTI/EmployerPaymentSummary/26-27/1}"
MONTH_8 = Eps(
    employer=EMPLOYER, gateway=GATEWAY, tax_year=2026,
    recoverable=RecoverableAmounts(tax_month=8, smp_recovered=Decimal("1842.30"),
                                   nic_compensation_on_smp=Decimal("55.27")),
    apprenticeship_levy=ApprenticeshipLevy(levy_due_ytd=Decimal(41250), tax_month=8,
                                           annual_allowance=Decimal("15000.00")),
)


def test_an_eps_with_recoveries_and_the_levy_is_accepted_and_marked():
    document = eps_bytes(MONTH_8)
    summary = etree.fromstring(document).find(f".//{NS}EmployerPaymentSummary")
    assert summary.findtext(f"{NS}RecoverableAmountsYTD/{NS}SMPRecovered") == "1842.30"
    assert summary.findtext(f"{NS}RecoverableAmountsYTD/{NS}NICCompensationOnSMP") == "55.27"
    assert summary.findtext(f"{NS}ApprenticeshipLevy/{NS}LevyDueYTD") == "41250.00"
    assert summary.findtext(f"{NS}RelatedTaxYear") == "26-27"
    assert b"<Class>HMRC-PAYE-RTI-EPS</Class>" in document
    assert irmark(document) in document.decode()
    assert validate_eps(document) == []


def test_no_payment_for_the_period_and_the_final_submission_for_the_year():
    eps = dataclasses.replace(MONTH_8, recoverable=None, apprenticeship_levy=None, no_payment_from=D(2027, 3, 6),
                              no_payment_to=D(2027, 4, 5), final_submission=FinalSubmission(for_year=True))
    document = eps_bytes(eps)
    summary = etree.fromstring(document).find(f".//{NS}EmployerPaymentSummary")
    assert summary.findtext(f"{NS}NoPaymentForPeriod") == "yes"
    assert (summary.findtext(f"{NS}NoPaymentDates/{NS}From"), summary.findtext(f"{NS}NoPaymentDates/{NS}To")) == (
        "2027-03-06", "2027-04-05")
    assert summary.findtext(f"{NS}FinalSubmission/{NS}ForYear") == "yes"
    assert summary.find(f"{NS}DeMinimisStateAid") is None
    assert validate_eps(document) == []


def test_hmrcs_eps_schema_rejects_a_no_payment_period_outside_the_tax_year():
    eps = dataclasses.replace(MONTH_8, no_payment_from=D(2026, 3, 6), no_payment_to=D(2026, 4, 5))
    errors = validate_eps(eps_bytes(eps))
    assert errors
    assert all(error.kind == "schema" for error in errors)
    assert "1 year(s) earlier" in errors[0].message
    assert "NoPaymentDates" in errors[0].location


def test_half_a_no_payment_period_is_refused():
    with pytest.raises(RtiValueError, match="NoPaymentDates"):
        eps_bytes(dataclasses.replace(MONTH_8, no_payment_from=D(2026, 11, 6)))


def test_a_levy_in_pence_is_refused_by_name():
    levy = ApprenticeshipLevy(levy_due_ytd=Decimal("41250.40"), tax_month=8, annual_allowance=Decimal(15000))
    with pytest.raises(RtiValueError, match="LevyDueYTD"):
        eps_bytes(dataclasses.replace(MONTH_8, apprenticeship_levy=levy))
