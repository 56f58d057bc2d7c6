"""The schedule of expected absence payments (page and API): a family leave's statutory test and its
weeks beside the occupational scheme's step and what finalised payslips paid, the sick pay
allowance, and the SMP1-style notice for someone who does not qualify; payroll and HR may read it,
other roles may not, and another department cannot reach it at all."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from departments import services as department_services
from hr.models import FamilyLeave
from payroll.models import PayRun
from tests.factories import EmployeeFactory
from tests.factories.hr import FamilyLeaveFactory, SicknessPeriodFactory
from tests.factories.payroll import EarningsHistoryFactory, PayRunFactory, PayslipFactory, PayslipLineFactory

pytestmark = pytest.mark.django_db
D = datetime.date
PROBLEM = "application/problem+json"


@pytest.fixture
def mothers(moj):
    """Mia, with the service and the earnings for SMP (£2,600 a month: £600 a week), on maternity leave
    from 6 September 2026, the expected week of childbirth starting 20 September; September's run,
    finalised, paid her SMP. Nell, who started too late and has no earnings, on leave too."""
    mia = EmployeeFactory(department=moj.department, payroll_number="M0200", first_name="Mia", last_name="Hart",
                          ni_number="AB123456C", start_date=D(2020, 4, 1))
    for month in range(1, 6):
        EarningsHistoryFactory(department=moj.department, employee=mia, pay_date=D(2026, month, 27),
                               earnings=Decimal("2600.00"))
    leave = FamilyLeaveFactory(department=moj.department, employee=mia, start_date=D(2026, 9, 6),
                               end_date=D(2027, 9, 4), expected_date=D(2026, 9, 20),
                               keeping_in_touch_days=[D(2026, 12, 1)])
    run = PayRunFactory(department=moj.department, status=PayRun.Status.FINALISED, period_start=D(2026, 9, 1),
                        period_end=D(2026, 9, 30), pay_date=D(2026, 9, 29), tax_period=6)
    slip = PayslipFactory(department=moj.department, run=run, employee=mia)
    PayslipLineFactory(department=moj.department, payslip=slip, run=run, code="SMP", amount=Decimal("1774.28"),
                       description="Statutory Maternity Pay, weeks 1–4")
    nell = EmployeeFactory(department=moj.department, payroll_number="M0201", first_name="Nell", last_name="Ray",
                           ni_number="CE987654B", start_date=D(2026, 5, 1))
    refused = FamilyLeaveFactory(department=moj.department, employee=nell, status=FamilyLeave.Status.REQUESTED,
                                 start_date=D(2026, 9, 6), end_date=D(2027, 3, 6), expected_date=D(2026, 9, 20))
    return {"mia": mia, "leave": leave, "nell": nell, "refused": refused}


def _page(department, rest):
    return f"/departments/{department.slug}/payroll/employees/{rest}"


def _api(department, rest):
    return f"/api/v1/departments/{department.slug}/payroll/employees/{rest}"


def _token(department, scopes=("payroll:read",)):
    _, raw = department_services.api_token_create(department=department.department, name="+".join(scopes),
                                                  acting_user=None, scopes=list(scopes))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_the_schedule_shows_the_test_the_weeks_the_scheme_and_what_is_paid(client, moj, mothers):
    client.force_login(moj.payroll_officer)
    text = client.get(_page(moj, "M0200/absence-pay/")).content.decode()
    # the statutory test
    assert "Sunday 7 June 2026 to Saturday 13 June 2026" in text  # 15 weeks before the expected week
    assert "£600.00" in text  # average weekly earnings
    assert "£129.00 a week" in text  # the lower earnings limit
    assert "Yes: 39 weeks, £9,652.56 in all" in text  # 6 × £540.00 and 33 × £194.32
    # week by week: 90% of earnings, then the standard rate; the department's default scheme's steps
    assert "Week 1: 90% of average weekly earnings (£540.00)" in text
    assert "Week 7: standard rate (£194.32)" in text
    for step in ("Full pay (step 1)", "Statutory pay only (step 2)", "No pay (step 3)"):
        assert step in text
    # September's finalised run paid the weeks inside September; the week running into October in part
    assert text.count("govuk-tag--green\">Paid") == 3
    assert text.count(">Part paid<") == 1
    assert "£1,620.00 paid so far" in text
    assert "KIT day: 1 Dec" in text
    # a chart with a text alternative beside the table
    assert 'role="img" aria-label="Bar chart of the SMP due each week' in text
    assert 'id="absence-pay-charts"' in text


def test_someone_who_does_not_qualify_gets_the_reasons_and_an_smp1(client, moj, mothers):
    client.force_login(moj.hr_officer)
    text = client.get(_page(moj, "M0201/absence-pay/")).content.decode()
    assert "HR has not confirmed this leave yet" in text
    assert "You started work with us on Friday 1 May 2026" in text
    assert "There is no pay history for the relevant period" in text
    notice_url = _page(moj, f"M0201/absence-pay/{mothers['refused'].pk}/notice/")
    assert notice_url in text
    notice = client.get(notice_url).content.decode()
    assert "SMP1" in notice
    assert "why we cannot pay you SMP" in notice
    for shown in ("CE987654B", "M0201", "Nell Ray"):
        assert shown in notice
    assert "6 September 2026 to 6 March 2027" in notice
    assert "Expected week of childbirth" in notice
    assert f"{timezone.localdate():%-d %B %Y}" in notice  # the date of the notice
    assert "You started work with us on Friday 1 May 2026" in notice
    assert "Maternity Allowance" in notice


def test_the_notice_of_someone_who_qualifies_says_none_is_needed(client, moj, mothers):
    client.force_login(moj.payroll_officer)
    notice = client.get(_page(moj, f"M0200/absence-pay/{mothers['leave'].pk}/notice/")).content.decode()
    assert 'data-testid="notice-not-needed"' in notice
    assert "Part D" not in notice


def test_the_sick_pay_allowance_used_and_remaining(client, moj, mothers):
    today = timezone.localdate()
    SicknessPeriodFactory(department=moj.department, employee=mothers["mia"],
                          first_day=today - datetime.timedelta(days=9), last_day=today)
    client.force_login(moj.payroll_officer)
    text = client.get(_page(moj, "M0200/absence-pay/")).content.decode()
    allowance = text.split('data-testid="sick-pay-allowance"')[1].split("</table>")[0]
    rows = [[cell.split(">")[-1] for cell in row.split("</td>")[:3]] for row in allowance.split("Full pay</th>")[1:]]
    assert rows == [["183", "10", "173"]]
    assert "off sick 10 days" in text


def test_who_may_read_the_schedule(client, moj, dft, mothers):
    url = _page(moj, "M0200/absence-pay/")
    for persona in ("payroll_officer", "payroll_approver", "hr_officer", "hr_admin", "auditor"):
        client.force_login(getattr(moj, persona))
        assert client.get(url).status_code == 200, persona
    for persona in ("manager", "employee", "finance_officer"):
        client.force_login(getattr(moj, persona))
        assert client.get(url).status_code == 403, persona
    client.force_login(dft.payroll_officer)
    assert client.get(url).status_code == 404
    assert client.get(_page(moj, f"M0200/absence-pay/{mothers['leave'].pk}/notice/")).status_code == 404
    # in moj: an unknown payroll number, and one employee's leave through another's address
    client.force_login(moj.payroll_officer)
    assert client.get(_page(moj, "NOBODY/absence-pay/")).status_code == 404
    assert client.get(_page(moj, f"M0201/absence-pay/{mothers['leave'].pk}/notice/")).status_code == 404


def test_the_api_twins_of_the_schedule_and_the_notice(moj, dft, mothers):
    reader = _token(moj)
    body = reader.get(_api(moj, "M0200/absence-pay/")).json()
    leave = body["family_leaves"][0]
    assert (leave["payment"], leave["eligible"], leave["qualifying_week"]) == (
        "SMP", True, {"start": "2026-06-07", "end": "2026-06-13"})
    assert leave["average_weekly_earnings"]["amount"] == "600.0000000"
    assert leave["statutory_total"] == "9652.56"
    first = leave["weeks"][0]
    assert (first["start"], first["scheme_pay"], first["statutory_amount"], first["paid"]) == (
        "2026-09-06", "full", "540.00", "paid")
    assert body["sick_pay"]["steps"][0] == {"pay": "full", "allowed_days": 183, "used_days": 0,
                                            "remaining_days": 183}
    notice = reader.get(_api(moj, f"M0201/absence-pay/{mothers['refused'].pk}/notice/")).json()
    assert (notice["form"], notice["due"], notice["ni_number"]) == ("SMP1", False, "CE987654B")
    assert any(reason.startswith("You started work with us") for reason in notice["reasons"])
    # another department's token, an unknown employee, a leave that is not the employee's
    assert _token(dft).get(_api(moj, "M0200/absence-pay/")).status_code == 404
    missing = reader.get(_api(moj, "NOBODY/absence-pay/"))
    assert (missing.status_code, missing["Content-Type"]) == (404, PROBLEM)
    assert reader.get(_api(moj, f"M0200/absence-pay/{mothers['refused'].pk}/notice/")).status_code == 404
    # a token without payroll:read
    assert _token(moj, ("hr:read",)).get(_api(moj, "M0200/absence-pay/")).status_code == 403
