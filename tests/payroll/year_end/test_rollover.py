"""The rollover to 2027-28: refused while a 2026-27 run is open; week 1/month 1 bases cleared, L codes
uplifted, the year's final FPS flagged, audited once; and the first run of the new year starting
from zero."""

from __future__ import annotations

import datetime
import shutil
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from departments.models import AuditEvent
from hr.models import Employee
from payroll import services
from payroll.engine import rates as rates_module
from payroll.engine.paye import band_table
from payroll.models import Payslip, RtiSubmission, TaxCodeNotice
from payroll.services.year_end import year_end_rollover

pytestmark = pytest.mark.django_db
D = datetime.date
W1 = Employee.TaxBasis.WEEK1_MONTH1


@pytest.fixture
def codes(moj, finance_setting, in_department):
    """The claimant on 1257L week 1/month 1, the colleague on 1100L M1, the manager on K100."""
    with in_department(moj):
        Employee.objects.filter(pk=finance_setting.claimant.pk).update(tax_basis=W1)
        Employee.objects.filter(pk=finance_setting.colleague.pk).update(tax_code="1100LM1")
        Employee.objects.filter(pk=finance_setting.manager.pk).update(tax_code="K100")
    return finance_setting


def _codes(moj, in_department, setting):
    with in_department(moj):
        return {row[0]: row[1:] for row in Employee.objects.filter(
            pk__in=[setting.claimant.pk, setting.colleague.pk, setting.manager.pk]).values_list(
            "payroll_number", "tax_code", "tax_basis")}


def test_the_rollover_clears_week_1_bases_uplifts_l_codes_and_flags_the_final_fps(moj, monthly, pay, codes,
                                                                                  in_department):
    # given March 2027 paid and finalised, its FPS built
    march = pay(monthly, D(2027, 3, 10))
    with in_department(moj):
        fps = RtiSubmission.objects.create(kind=RtiSubmission.Kind.FPS, run=march, tax_year="2026-27",
                                           status=RtiSubmission.Status.FILE_ONLY)
    # when the department rolls over to 2027-28 with an L-code uplift of 10
    outcome = year_end_rollover(department=moj.department, to_tax_year="2027-28", acting_user=moj.payroll_officer,
                                uplift_l=10)
    # then everyone starts the year cumulative, L codes uplifted, K codes carried as they are
    assert _codes(moj, in_department, codes) == {"E0001": ("1267L", "cumulative"), "E0002": ("1110L", "cumulative"),
                                                 "M0001": ("K100", "cumulative")}
    assert (outcome.week1_month1_cleared, outcome.codes_uplifted) == (2, 2)
    assert outcome.first_periods == {"Monthly": D(2027, 4, 30)}
    with in_department(moj):
        # and each uplift is on the employee's record as an applied P9X from 6 April
        notices = set(TaxCodeNotice.objects.values_list("employee__payroll_number", "form", "tax_code", "status",
                                                        "effective_from"))
        assert notices == {("E0001", "P9X", "1267L", "applied", D(2027, 4, 6)),
                           ("E0002", "P9X", "1110L", "applied", D(2027, 4, 6))}
        # and the year's last FPS is its final submission
        fps.refresh_from_db()
        assert fps.is_final_for_year
        assert AuditEvent.objects.filter(action="payroll.year_end_rollover").count() == 1
    # when it runs again, nothing changes (no second uplift)
    again = year_end_rollover(department=moj.department, to_tax_year="2027-28", acting_user=None, uplift_l=10)
    assert again.already_done
    assert _codes(moj, in_department, codes)["E0001"] == ("1267L", "cumulative")


def test_a_loaded_p9x_notice_gives_the_uplift(moj, monthly, pay, codes, in_department):
    pay(monthly, D(2027, 3, 10))
    with in_department(moj):
        TaxCodeNotice.objects.create(form=TaxCodeNotice.Form.P9X, tax_code="L+7", effective_from=D(2027, 4, 6))
    outcome = year_end_rollover(department=moj.department, to_tax_year="2027-28", acting_user=None)
    assert outcome.uplifts == {"L": 7}
    assert _codes(moj, in_department, codes)["E0001"] == ("1264L", "cumulative")
    with in_department(moj):
        assert TaxCodeNotice.objects.get(employee__isnull=True).status == "applied"


def test_the_rollover_is_refused_while_a_run_of_the_old_year_is_open(moj, monthly, pay, codes, in_department):
    # given February 2027 finalised and March 2027 only started
    pay(monthly, D(2027, 2, 10))
    services.pay_run_create(schedule=monthly, period_containing=D(2027, 3, 10), acting_user=None)
    # when the rollover is asked for
    with pytest.raises(ValidationError) as refused:
        year_end_rollover(department=moj.department, to_tax_year="2027-28", acting_user=None, uplift_l=10)
    # then it names the run to finish, and nothing changed
    assert "Finalise or cancel the 2026-27 runs first: Monthly paid 31 March 2027 (draft)" in str(refused.value)
    assert _codes(moj, in_department, codes)["E0001"] == ("1257L", W1)


def test_the_command_reports_and_refuses_bad_input(moj, monthly, pay, codes, capsys):
    pay(monthly, D(2027, 3, 10))
    with pytest.raises(CommandError, match="--to: Enter a tax year like 2026-27"):
        call_command("year_end_rollover", department=moj.slug, to_tax_year="2027")
    with pytest.raises(CommandError, match="--uplift-l: Enter the L-code uplift as a whole number"):
        call_command("year_end_rollover", department=moj.slug, to_tax_year="2027-28", uplift_l=-1)
    call_command("year_end_rollover", department=moj.slug, to_tax_year="2027-28", uplift_l=10)
    assert "rolled over to 2027-28: 2 week 1/month 1 bases cleared, 2 codes uplifted (uplifts: L +10)" in \
        capsys.readouterr().out
    call_command("year_end_rollover", department=moj.slug, to_tax_year="2027-28")
    assert "already rolled over to 2027-28; nothing changed" in capsys.readouterr().out


@pytest.fixture
def confirmed_2027_28(tmp_path, monkeypatch):
    """2027-28 rates as they will be once every figure is published (the file without its list)."""
    for path in rates_module.RATES_DIR.glob("*.toml"):
        shutil.copy(path, tmp_path / path.name)
    text = (tmp_path / "2027-28.toml").read_text()
    start = text.index("\n[unconfirmed]\n")
    (tmp_path / "2027-28.toml").write_text(text[:start] + text[text.index("\n[paye]\n"):])
    monkeypatch.setattr(rates_module, "RATES_DIR", tmp_path)
    rates_module.rates_for.cache_clear()
    band_table.cache_clear()
    yield
    rates_module.rates_for.cache_clear()
    band_table.cache_clear()


def test_the_first_run_of_the_new_year_starts_from_zero(moj, monthly, pay, codes, in_department, confirmed_2027_28):
    # given 2026-27 paid to March and rolled over
    pay(monthly, D(2027, 2, 10))
    march = pay(monthly, D(2027, 3, 10))
    year_end_rollover(department=moj.department, to_tax_year="2027-28", acting_user=None, uplift_l=0)
    # when April 2027 is paid
    april = pay(monthly, D(2027, 4, 10))
    with in_department(moj):
        before = Payslip.objects.get(run=march, employee=codes.colleague)
        first = Payslip.objects.get(run=april, employee=codes.colleague)
    # then its year to date holds April alone, while March's held the whole of 2026-27 so far
    assert (april.tax_year, april.tax_period) == ("2027-28", 1)
    assert Decimal(before.year_to_date["taxable_pay"]) == Decimal("5000.00")
    assert Decimal(first.year_to_date["taxable_pay"]) == first.taxable_pay == Decimal("2500.00")
    assert Decimal(first.year_to_date["tax"]) == first.income_tax
    # and the colleague, on month 1 last year, is taxed cumulatively now
    assert first.working["paye"]["basis"] == "cumulative"
    assert (first.tax_code, first.week1_month1) == ("1100L", False)
