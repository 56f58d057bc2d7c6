"""The cut-over sign-off: two different people, the HR or payroll lead and the finance lead, each
with the right role, only on a compared run with no difference left open; what was accepted is
recorded; a sign-off can be withdrawn until the first live run after the period is finalised."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from onboarding import services_parallel as services
from onboarding.models import CutoverSignOff, ParallelRun, ParallelRunDifference
from tests.factories import MembershipFactory, PayRunFactory
from tests.factories.onboarding import ParallelRunDifferenceFactory, ParallelRunFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def compared(moj):
    return ParallelRunFactory.create(department=moj.department, status=ParallelRun.Status.COMPARED,
                                     employees_compared=3, employees_matched=2, employees_differing=1,
                                     tolerance="0.05")


def test_two_different_people_with_the_right_roles_sign_and_what_they_accepted_is_recorded(moj, compared):
    ParallelRunDifferenceFactory.create(department=moj.department, parallel_run=compared,
                                 resolution=ParallelRunDifference.Resolution.EXPLAINED, note="Known")
    # when the payroll approver and the finance officer sign
    lead = services.cutover_sign_off(parallel_run=compared, role=CutoverSignOff.Role.HR_PAYROLL_LEAD,
                                     acting_user=moj.payroll_approver)
    finance = services.cutover_sign_off(parallel_run=compared, role=CutoverSignOff.Role.FINANCE_LEAD,
                                        acting_user=moj.finance_officer, note="Totals agree with the ledger.")
    # then both are recorded with what was accepted
    assert lead.accepted["employees_compared"] == 3
    assert lead.accepted["explained"] == 1
    assert lead.accepted["tolerance"] == "0.05"
    assert lead.accepted["matched_share"] == "66.67"
    assert finance.note == "Totals agree with the ledger."


def test_the_wrong_role_the_same_person_twice_or_a_second_signature_for_a_role_is_refused(moj, dft, compared):
    # an HR officer is not the HR or payroll lead; a payroll officer is not the finance lead
    with pytest.raises(ValidationError, match="Only the department's"):
        services.cutover_sign_off(parallel_run=compared, role="hr_payroll_lead", acting_user=moj.hr_officer)
    with pytest.raises(ValidationError, match="Only the department's finance officer"):
        services.cutover_sign_off(parallel_run=compared, role="finance_lead", acting_user=moj.payroll_officer)
    # nor is another department's HR admin
    with pytest.raises(ValidationError, match="Only the department's"):
        services.cutover_sign_off(parallel_run=compared, role="hr_payroll_lead", acting_user=dft.hr_admin)
    # one person holding both roles signs one part only
    MembershipFactory(user=moj.hr_admin, department=moj.department, role="finance_officer")
    services.cutover_sign_off(parallel_run=compared, role="hr_payroll_lead", acting_user=moj.hr_admin)
    with pytest.raises(ValidationError, match="a second person signs"):
        services.cutover_sign_off(parallel_run=compared, role="finance_lead", acting_user=moj.hr_admin)
    with pytest.raises(ValidationError, match="has signed already"):
        services.cutover_sign_off(parallel_run=compared, role="hr_payroll_lead", acting_user=moj.payroll_approver)


def test_an_open_difference_or_an_unfinished_run_cannot_be_signed(moj, compared):
    ParallelRunDifferenceFactory.create(department=moj.department, parallel_run=compared)
    with pytest.raises(ValidationError, match="1 differences are still to explain or fix"):
        services.cutover_sign_off(parallel_run=compared, role="finance_lead", acting_user=moj.finance_officer)
    calculating = ParallelRunFactory.create(department=moj.department, status=ParallelRun.Status.CALCULATING)
    with pytest.raises(ValidationError, match="once its comparison has finished"):
        services.cutover_sign_off(parallel_run=calculating, role="finance_lead", acting_user=moj.finance_officer)


def test_a_sign_off_is_withdrawn_before_go_live_but_not_after(moj, compared, in_department):
    sign_off = services.cutover_sign_off(parallel_run=compared, role="finance_lead", acting_user=moj.finance_officer)
    with pytest.raises(ValidationError, match="Say why"):
        services.cutover_sign_off_withdraw(sign_off=sign_off, acting_user=moj.finance_officer, reason="")
    services.cutover_sign_off_withdraw(sign_off=sign_off, acting_user=moj.finance_officer, reason="Wrong month")
    # and, signed again, it stays once the first live run after the period is finalised
    again = services.cutover_sign_off(parallel_run=compared, role="finance_lead", acting_user=moj.finance_officer)
    PayRunFactory.create(department=moj.department, schedule=compared.schedule, kind="regular", status="finalised",
                  period_start=compared.period_start.replace(month=12),
                  period_end=compared.period_start.replace(month=12, day=31))
    with pytest.raises(ValidationError, match="gone live"):
        services.cutover_sign_off_withdraw(sign_off=again, acting_user=moj.finance_officer, reason="Too late")


def test_the_sign_off_page_records_a_signature(client, moj, compared):
    client.force_login(moj.finance_officer)
    url = f"/departments/{moj.slug}/onboarding/parallel-runs/{compared.pk}/sign-off/"
    page = client.post(url, {"role": "finance_lead"}).content.decode()
    assert "Confirm that you accept the parallel run" in page
    response = client.post(url, {"role": "finance_lead", "confirm": "on"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Your sign-off was recorded." in page
    assert "Finance lead" in page
    assert "66.67% matched" in page
    # and the HR officer, who may read, cannot sign as the lead
    client.force_login(moj.hr_officer)
    page = client.post(url, {"role": "hr_payroll_lead", "confirm": "on"}).content.decode()
    assert "Only the department&#x27;s HR admin or payroll approver can sign off" in page
