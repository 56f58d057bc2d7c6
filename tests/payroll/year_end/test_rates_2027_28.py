"""The 2027-28 rates: every figure sourced, those not yet published listed with why, and a pay run in a
year whose rates are not all confirmed refused with that reason."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from payroll import services
from payroll.engine import calculate_batch
from payroll.engine.rates import RATES_DIR, RatesError, load_file, rates_for, unconfirmed_reason

pytestmark = pytest.mark.django_db


def test_the_frozen_thresholds_are_confirmed_and_the_rest_marked_unpublished():
    rates = rates_for("2027-28")
    # thresholds frozen to April 2031 at the Autumn Budget 2025
    assert rates.personal_allowance == 12_570_00
    assert rates.regions["ruk"].widths == (37700, 87440)
    assert rates.ni_thresholds["monthly"]["PT"] == 1048_00
    assert rates.student_loans["plan2"].threshold["monthly"] == 2448_75
    # figures set by uprating not yet announced are listed, each with why
    assert {"ni.thresholds.monthly.LEL", "paye.regions.scotland", "statutory"} <= set(rates.unconfirmed)
    assert all(why.strip() for why in rates.unconfirmed.values())
    assert unconfirmed_reason("2026-27") is None


def test_a_run_in_a_year_without_confirmed_rates_is_refused_with_the_reason(moj, monthly):
    # when a run is started for April 2027
    with pytest.raises(ValidationError) as refused:
        services.pay_run_create(schedule=monthly, period_containing=datetime.date(2027, 4, 15), acting_user=None)
    # then it is refused, naming the period and why
    (message,) = refused.value.message_dict["period_containing"]
    assert message.startswith("Pay day 30 April 2027 is in the 2027-28 tax year, and the 2027-28 rates are not all "
                              "confirmed yet: ni.thresholds.weekly.LEL")
    # and a year with no rates file at all is refused too
    with pytest.raises(ValidationError, match="there are no rates for the 2029-30 tax year yet"):
        services.pay_run_create(schedule=monthly, period_containing=datetime.date(2029, 5, 15), acting_user=None)


def test_the_engine_refuses_to_calculate_on_unconfirmed_rates():
    (result,) = calculate_batch([{"id": "x", "tax_year": "2027-28", "frequency": "monthly", "period": 1,
                                  "tax_code": "1257L", "ni_category": "A", "gross_pay": "2500.00"}])
    assert result["error"].startswith("tax_year: the 2027-28 rates are not all confirmed yet")


def test_an_unconfirmed_entry_must_name_a_real_figure_and_say_why(tmp_path):
    text = (RATES_DIR / "2027-28.toml").read_text()
    typo = tmp_path / "2027-28.toml"
    typo.write_text(text.replace('"ni.thresholds.weekly.LEL" =', '"ni.thresholds.weekly.LELL" ='))
    with pytest.raises(RatesError, match="ni.thresholds.weekly.LELL: is missing"):
        load_file(typo)
    silent = tmp_path / "2027-28.toml"
    silent.write_text(text.replace('"statutory" = "SSP', '"statutory" = "" #'))
    with pytest.raises(RatesError, match="unconfirmed.statutory: must say why"):
        load_file(silent)
