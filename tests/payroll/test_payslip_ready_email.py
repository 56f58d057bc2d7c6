"""Payslip-ready and P60-ready e-mails, received by a real SMTP server (tests/smtp.py): a finalised
run tells each paid employee with an address once, from one task queued after finalising commits;
a finished P60 batch tells each employee with a P60 once a year; neither says what anyone is paid."""

from __future__ import annotations

import datetime
import re

import pytest

from departments import notifications
from departments.models import Notification
from hr.models import Employee, Grade, OrganisationUnit
from payroll import services
from payroll.models import Payslip
from payroll.services.finalising import payslips_ready_notify
from payroll.services.year_end import p60_batch_produce, p60_batch_start
from payroll.tasks import payslips_ready_notify_task
from tests.finance.conftest import hire
from tests.payroll.year_end.conftest import monthly, pay  # noqa: F401  (fixtures)

pytest_plugins = ["tests.smtp"]  # the smtp_server fixture
pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def addresses(moj, finance_setting, in_department):
    """Esme has a personal address and an NI number; Manon and Cal sign in (their accounts'
    addresses); Noor, hired without an account, has no address at all."""
    with in_department(moj):
        Employee.objects.filter(pk=finance_setting.claimant.pk).update(email="esme@home.example",
                                                                       ni_number="CE987654B")
        team, grade = OrganisationUnit.objects.get(code="OPS"), Grade.objects.get(code="EO")
    noor = hire(moj.department, payroll_number="E0003", first_name="Noor", user=None, team=team, grade=grade,
                centre=finance_setting.centre)
    return {"esme@home.example": finance_setting.claimant, moj.manager.email: finance_setting.manager,
            moj.hr_officer.email: finance_setting.colleague, None: noor}


def test_finalising_a_run_emails_each_paid_employee_with_an_address_once(
        moj, addresses, approved_run, in_department, smtp_server, settings, django_capture_on_commit_callbacks):
    settings.PLATFORM_BASE_URL = "https://shared-services.example"
    # given an approved run paying four employees, three with an address
    run = approved_run()
    with in_department(moj):
        paid = dict(Payslip.objects.filter(run=run, status=Payslip.Status.CALCULATED)
                    .values_list("employee_id", "pk"))
    assert set(paid) == {employee.pk for employee in addresses.values()}
    # when it is finalised and the transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        services.pay_run_finalise(run=run, acting_user=moj.payroll_approver)
    # then each employee with an address has exactly one e-mail, at their personal address when
    # they have one; Noor has none
    assert sorted(address for item in smtp_server.received for address in item.envelope_to) == sorted(
        address for address in addresses if address)
    for address, employee in addresses.items():
        if address is None:
            continue
        (received,) = smtp_server.to(address)
        text = received.text()
        assert received.subject == "Your payslip is ready"
        assert text.startswith(f"Dear {employee.first_name} Tester,\n\n"
                               f"Your payslip for {run.period_start:%B %Y} is ready.")
        assert (f"https://shared-services.example/departments/moj/payroll/runs/{run.pk}/payslips/"
                f"{paid[employee.pk]}/") in text
        # and nothing of what they are paid, their bank account or NI number
        assert "£" not in text
        assert "£" not in received.html()
        assert not re.search(r"\d+\.\d\d", text)
        for secret in ("66374958", "089999", "CE987654B"):
            assert secret not in text
    with in_department(moj):
        rows = list(Notification.objects.filter(kind=Notification.Kind.PAYSLIP_READY))
    assert len(rows) == 3
    assert {row.status for row in rows} == {Notification.Status.SENT}
    assert {row.user_id for row in rows} == {moj.employee.pk, moj.manager.pk, moj.hr_officer.pk}


def test_a_run_finalised_without_notifying_publishes_payslips_and_sends_nothing(
        moj, addresses, approved_run, in_department, smtp_server, django_capture_on_commit_callbacks):
    # given an approved run for a period paid long ago (a department's history loaded at once)
    run = approved_run()
    # when it is finalised without telling the employees
    with django_capture_on_commit_callbacks(execute=True):
        finalised = services.pay_run_finalise(run=run, acting_user=moj.payroll_approver, notify_employees=False)
    # then the run is finalised and its payslips published, but nobody is e-mailed
    assert finalised.status == finalised.Status.FINALISED
    assert smtp_server.received == []
    with in_department(moj):
        assert not Notification.objects.filter(kind=Notification.Kind.PAYSLIP_READY).exists()


def test_finalising_queues_one_task_and_writes_no_email_itself(moj, addresses, approved_run, in_department,
                                                               monkeypatch, django_capture_on_commit_callbacks):
    # given an approved run
    run = approved_run()
    queued = []
    monkeypatch.setattr(payslips_ready_notify_task, "delay", lambda *args: queued.append(args))
    # when it is finalised
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.pay_run_finalise(run=run, acting_user=moj.payroll_approver)
        # then its transaction holds no notification
        with in_department(moj):
            assert not Notification.objects.exists()
    # and after commit one task is queued for the whole run
    for callback in callbacks:
        if callback.__name__ == "tell_employees":
            callback()
    assert queued == [(moj.department.id, run.pk)]


def test_a_redelivered_task_writes_and_sends_nothing_twice(moj, addresses, approved_run, in_department, smtp_server,
                                                           django_capture_on_commit_callbacks):
    # given a finalised run whose employees were told
    run = approved_run()
    with django_capture_on_commit_callbacks(execute=True):
        services.pay_run_finalise(run=run, acting_user=moj.payroll_approver)
    assert len(smtp_server.received) == 3
    # when its task runs again
    with django_capture_on_commit_callbacks(execute=True):
        assert payslips_ready_notify_task(moj.department.id, run.pk) == 0
    # then nobody has a second e-mail
    assert len(smtp_server.received) == 3
    with in_department(moj):
        assert Notification.objects.count() == 3


def test_a_run_not_finalised_tells_nobody(moj, addresses, approved_run, in_department):
    run = approved_run()
    assert payslips_ready_notify(department=moj.department, run_id=run.pk) == 0
    with in_department(moj):
        assert not Notification.objects.exists()


def test_a_large_run_is_written_and_sent_in_chunks(moj, addresses, approved_run, in_department, smtp_server,
                                                   monkeypatch, django_capture_on_commit_callbacks):
    # given chunks far smaller than a real run's
    monkeypatch.setattr(notifications, "WRITE_CHUNK_SIZE", 2)
    monkeypatch.setattr(notifications, "SEND_CHUNK_SIZE", 2)
    run = approved_run()
    # when it is finalised
    with django_capture_on_commit_callbacks(execute=True):
        services.pay_run_finalise(run=run, acting_user=moj.payroll_approver)
    # then everyone with an address still has exactly one e-mail
    assert sorted(address for item in smtp_server.received for address in item.envelope_to) == sorted(
        address for address in addresses if address)


def test_a_finished_p60_batch_emails_each_employee_with_a_p60_once_a_year(
        moj, finance_setting, monthly, pay, in_department, smtp_server,  # noqa: F811
        django_capture_on_commit_callbacks):
    # given a tax year that is over, in which three employees with an address were paid
    pay(monthly, D(2026, 3, 10))
    batch = p60_batch_start(department=moj.department, tax_year="2025-26", acting_user=moj.payroll_officer)

    def render(p60s):
        return [b"%PDF-1.7 stand-in" for _ in p60s]

    # when HR's batch of P60s is produced
    with django_capture_on_commit_callbacks(execute=True):
        p60_batch_produce(department_id=moj.department.id, batch_id=batch.pk, render=render)
    # then each of them is told, once, without a figure
    assert sorted(address for item in smtp_server.received for address in item.envelope_to) == sorted(
        [moj.manager.email, moj.employee.email, moj.hr_officer.email])
    (received,) = smtp_server.to(moj.employee.email)
    assert received.subject == "Your P60 is ready"
    text = received.text()
    assert "Your P60 for the 2025 to 2026 tax year is ready." in text
    assert "/departments/moj/payroll/me/documents/p60/2025-26/" in text
    assert "£" not in text
    # when the year's P60s are produced again
    again = p60_batch_start(department=moj.department, tax_year="2025-26", acting_user=moj.payroll_officer)
    with django_capture_on_commit_callbacks(execute=True):
        p60_batch_produce(department_id=moj.department.id, batch_id=again.pk, render=render)
    # then nobody is told twice
    assert len(smtp_server.received) == 3
