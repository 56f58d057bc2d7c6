"""Journals: balanced to the penny, immutable once posted, refused into closed periods; reversal
posts the mirror image. The database holds the same rules against any code that skips the service."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction

from departments.models import AuditEvent
from departments.tenancy import department_context
from finance import selectors, services
from finance.models import Account, Journal, JournalLine
from finance.services import JournalLineInput as Line
from tests.finance.conftest import build_finance_setting

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 5, 14)


def _salary_lines(centre, amount=Decimal("1000.00")):
    return [Line(account="5000", debit=amount, cost_centre=centre), Line(account="2200", credit=amount)]


def test_a_balanced_journal_is_posted_with_its_lines_period_and_audit(moj, setting, in_department):
    # when
    journal = services.journal_post(department=moj.department, acting_user=moj.finance_officer, posted_on=DAY,
                                    description="May accrual", lines=[
                                        Line(account="5000", debit=Decimal("600.10"), cost_centre=setting.centre),
                                        Line(account="5010", debit=Decimal("399.90"), cost_centre="C110"),
                                        Line(account="2400", credit=Decimal("1000.00"))])
    # then
    with in_department(moj):
        assert [(line.account.code, line.debit, line.credit) for line in journal.lines.order_by("line_number")] == [
            ("5000", Decimal("600.10"), Decimal("0.00")), ("5010", Decimal("399.90"), Decimal("0.00")),
            ("2400", Decimal("0.00"), Decimal("1000.00"))]
        assert (journal.period.financial_year, journal.period.number) == (2026, 2)
        assert str(journal.period) == "May 2026 (2026-27 month 2)"
        assert AuditEvent.objects.filter(action="journal.post", object_id=str(journal.pk)).exists()


@pytest.mark.parametrize(("lines", "field", "message"), [
    ([], "lines", "at least two lines"),
    ([Line(account="5000", debit=Decimal("10.00"), cost_centre="C100")], "lines", "at least two lines"),
    ([Line(account="5000", debit=Decimal("10.00"), cost_centre="C100"), Line(account="2400", credit=Decimal("9.99"))],
     "lines", "does not balance: debits £10.00, credits £9.99, a difference of £0.01"),
    ([Line(account="5000", debit=Decimal("-10.00"), cost_centre="C100"), Line(account="2400", credit=Decimal("10"))],
     "lines[0].debit", "cannot be negative"),
    ([Line(account="5000", debit=Decimal("10.001"), cost_centre="C100"), Line(account="2400", credit=Decimal("10"))],
     "lines[0].debit", "to the penny"),
    ([Line(account="5000", debit=Decimal("10"), credit=Decimal("10"), cost_centre="C100"),
      Line(account="2400", credit=Decimal("10"))], "lines[0].credit", "not both"),
    ([Line(account="5000", debit=Decimal("1e15"), cost_centre="C100"), Line(account="2400", credit=Decimal("1e15"))],
     "lines[0].debit", "larger than any journal line"),
    ([Line(account="9999", debit=Decimal("10"), cost_centre="C100"), Line(account="2400", credit=Decimal("10"))],
     "lines[0].account", "no account with the code '9999'"),
    ([Line(account="5000", debit=Decimal("10")), Line(account="2400", credit=Decimal("10"))],
     "lines[0].cost_centre", "choose its cost centre"),
    ([Line(account="5000", debit=Decimal("10"), cost_centre="NOPE"), Line(account="2400", credit=Decimal("10"))],
     "lines[0].cost_centre", "no cost centre with the code 'NOPE'"),
])
def test_bad_journals_are_refused_naming_the_problem_and_nothing_is_written(moj, setting, in_department, lines,
                                                                             field, message):
    # when
    with pytest.raises(ValidationError) as refused:
        services.journal_post(department=moj.department, acting_user=moj.finance_officer, posted_on=DAY,
                              description="Bad", lines=lines)
    # then
    assert message in " ".join(refused.value.message_dict[field])
    with in_department(moj):
        assert not Journal.objects.exists()
        assert not JournalLine.objects.exists()


def test_accounts_and_cost_centres_of_another_department_are_refused(moj, dft, setting, in_department):
    # given dft's own chart and cost centre
    other = build_finance_setting(dft, in_department)
    with in_department(dft):
        their_account = Account.objects.get(code="5000")
    # when moj posts to them
    with pytest.raises(ValidationError) as refused:
        services.journal_post(department=moj.department, acting_user=None, posted_on=DAY, description="Sneaky",
                              lines=[Line(account=their_account, debit=Decimal("5"), cost_centre=other.centre),
                                     Line(account="2400", credit=Decimal("5"))])
    # then
    errors = refused.value.message_dict
    assert "account 5000 does not belong to Ministry of Justice" in errors["lines[0].account"][0]
    assert "cost centre C100 does not belong to Ministry of Justice" in errors["lines[0].cost_centre"][0]
    with in_department(moj):
        assert not Journal.objects.exists()


def test_a_closed_period_refuses_postings_until_reopened(moj, setting, in_department):
    # given May 2026 closed
    period = services.accounting_period_for(department=moj.department, day=DAY)
    services.accounting_period_close(period=period, acting_user=moj.finance_officer)
    # when
    with pytest.raises(ValidationError) as refused:
        services.journal_post(department=moj.department, acting_user=None, posted_on=DAY, description="Late",
                              lines=_salary_lines(setting.centre))
    # then
    assert "May 2026 (2026-27 month 2) is closed" in refused.value.message_dict["posted_on"][0]
    # and when reopened, it posts
    services.accounting_period_reopen(period=period, acting_user=moj.finance_officer)
    assert services.journal_post(department=moj.department, acting_user=None, posted_on=DAY, description="Late",
                                 lines=_salary_lines(setting.centre)).pk


def test_the_same_source_reference_returns_the_first_journal_and_different_lines_are_refused(moj, setting,
                                                                                             in_department):
    # given a pay run's posting
    first = services.journal_post(department=moj.department, acting_user=None, posted_on=DAY, description="Pay",
                                  source=Journal.Source.PAYROLL, source_reference="payrun-2026-02",
                                  lines=_salary_lines(setting.centre))
    # when it is retried, and when a different journal reuses the reference
    again = services.journal_post(department=moj.department, acting_user=None, posted_on=DAY, description="Pay",
                                  source=Journal.Source.PAYROLL, source_reference="payrun-2026-02",
                                  lines=_salary_lines(setting.centre))
    with pytest.raises(ValidationError) as refused:
        services.journal_post(department=moj.department, acting_user=None, posted_on=DAY, description="Pay",
                              source=Journal.Source.PAYROLL, source_reference="payrun-2026-02",
                              lines=_salary_lines(setting.centre, Decimal("2000")))
    # then
    assert again.pk == first.pk
    assert "already posted under the reference 'payrun-2026-02'" in refused.value.message_dict["source_reference"][0]
    with in_department(moj):
        assert Journal.objects.count() == 1


def test_a_reversal_is_a_new_journal_mirroring_the_original_and_only_one_is_allowed(moj, setting, in_department):
    # given
    original = services.journal_post(department=moj.department, acting_user=None, posted_on=DAY,
                                     description="Accrual", lines=_salary_lines(setting.centre))
    # when
    reversal = services.journal_reverse(journal=original, acting_user=moj.finance_officer,
                                        posted_on=datetime.date(2026, 6, 1))
    # then
    with in_department(moj):
        assert [(line.account.code, line.debit, line.credit) for line in reversal.lines.order_by("line_number")] == [
            ("5000", Decimal("0.00"), Decimal("1000.00")), ("2200", Decimal("1000.00"), Decimal("0.00"))]
        assert reversal.reverses == original
        assert reversal.period.number == 3
        assert all(row.balance == 0 for row in selectors.trial_balance(financial_year=2026))
    with pytest.raises(ValidationError, match="has been reversed already"):
        services.journal_reverse(journal=original, acting_user=None)


def test_a_reversal_cannot_go_into_a_closed_period(moj, setting, in_department):
    original = services.journal_post(department=moj.department, acting_user=None, posted_on=DAY,
                                     description="Accrual", lines=_salary_lines(setting.centre))
    services.accounting_period_close(period=original.period, acting_user=None)
    with pytest.raises(ValidationError, match="is closed"):
        services.journal_reverse(journal=original, acting_user=None, posted_on=DAY)


def test_posted_journals_and_lines_cannot_be_changed_or_deleted_even_by_raw_sql(moj, setting, in_department,
                                                                                 as_app_role):
    journal = services.journal_post(department=moj.department, acting_user=None, posted_on=DAY,
                                    description="Fixed", lines=_salary_lines(setting.centre))
    with in_department(moj), as_app_role(), connection.cursor() as cursor:
        for statement in ("UPDATE finance_journalline SET debit = debit * 2 WHERE journal_id = %s",
                          "DELETE FROM finance_journalline WHERE journal_id = %s",
                          "UPDATE finance_journal SET description = 'changed' WHERE id = %s"):
            with pytest.raises(DatabaseError, match="Posted journals are immutable"), transaction.atomic():
                cursor.execute(statement, [journal.pk])


def test_the_trial_balance_totals_debits_and_credits_per_account(moj, setting, in_department):
    services.journal_post(department=moj.department, acting_user=None, posted_on=DAY, description="One",
                          lines=_salary_lines(setting.centre, Decimal("100.00")))
    services.journal_post(department=moj.department, acting_user=None, posted_on=DAY, description="Two",
                          lines=_salary_lines(setting.sub_centre, Decimal("50.25")))
    with in_department(moj):
        rows = {row.account.code: (row.debit, row.credit) for row in selectors.trial_balance(financial_year=2026)}
    assert rows == {"2200": (Decimal("0"), Decimal("150.25")), "5000": (Decimal("150.25"), Decimal("0"))}


@pytest.mark.django_db(transaction=True)
def test_a_raw_insert_of_an_unbalanced_journal_fails_at_commit(moj, setting):
    # given accounts and an open period
    period = services.accounting_period_for(department=moj.department, day=DAY)
    with department_context(moj.id):
        debit_account, credit_account = Account.objects.get(code="5000"), Account.objects.get(code="2400")
    # when a transaction inserts a journal whose lines differ by a penny, bypassing the service
    with pytest.raises(IntegrityError, match="does not balance: debits 100.00 and credits 99.99"):
        with department_context(moj.id), connection.cursor() as cursor:
            cursor.execute("INSERT INTO finance_journal (department_id, period_id, posted_on, description, source, "
                           "source_reference, fingerprint) VALUES (%s, %s, %s, 'raw', 'manual', '', '') RETURNING id",
                           [moj.id, period.pk, DAY])
            journal_id = cursor.fetchone()[0]
            for number, account, debit, credit in ((1, debit_account, "100.00", "0"),
                                                   (2, credit_account, "0", "99.99")):
                cursor.execute("INSERT INTO finance_journalline (department_id, journal_id, line_number, account_id, "
                               "cost_centre_id, description, debit, credit) VALUES (%s, %s, %s, %s, %s, '', %s, %s)",
                               [moj.id, journal_id, number, account.pk, setting.centre.pk, debit, credit])
            # the statements themselves succeed: the check is deferred to commit
    # then nothing was kept
    with department_context(moj.id):
        assert not Journal.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_journal_without_lines_and_a_line_added_later_are_refused_by_the_database(moj, setting):
    period = services.accounting_period_for(department=moj.department, day=DAY)
    with pytest.raises(IntegrityError, match="has 0 line"), department_context(moj.id), \
            connection.cursor() as cursor:
        cursor.execute("INSERT INTO finance_journal (department_id, period_id, posted_on, description, source, "
                       "source_reference, fingerprint) VALUES (%s, %s, %s, 'empty', 'manual', '', '')",
                       [moj.id, period.pk, DAY])
    # given a journal committed by the service
    journal = services.journal_post(department=moj.department, acting_user=None, posted_on=DAY, description="Kept",
                                    lines=_salary_lines(setting.centre))
    with department_context(moj.id):
        account_id = Account.objects.get(code="5000").pk
    # when a later transaction adds a balanced pair of lines to it
    with pytest.raises(DatabaseError, match="is posted; lines cannot be added"), department_context(moj.id), \
            connection.cursor() as cursor:
        cursor.execute("INSERT INTO finance_journalline (department_id, journal_id, line_number, account_id, "
                       "description, debit, credit) VALUES (%s, %s, 9, %s, '', 1, 0)", [moj.id, journal.pk, account_id])
    with department_context(moj.id):
        assert journal.lines.count() == 2
