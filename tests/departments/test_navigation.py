"""The service navigation by role: each person sees the sections their access opens, every one of
them opens, the section holding the page is marked (never Home on a finance page), breadcrumbs
follow it, and a role's home page leads with what needs doing."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from departments.roles import Role
from payroll.models import PayRun, PayRunException, RtiSubmission
from tests.factories import MembershipFactory, OperatorAssignmentFactory, UserFactory
from tests.factories.hr import EmployeeFactory, EmploymentFactory, FamilyLeaveFactory
from tests.factories.payroll import PayRunExceptionFactory, PayRunFactory, RtiSubmissionFactory

pytestmark = pytest.mark.django_db

MENU = re.compile(r'<ul class="govuk-service-navigation__list" id="navigation">(.*?)</ul>', re.S)
ITEM = re.compile(r'<li class="govuk-service-navigation__item[^"]*"[^>]*>\s*<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>',
                  re.S)


def menu(html: str) -> dict[str, str]:
    """The service navigation's sections, label to address, in order."""
    found = MENU.search(html)
    assert found, "the page has no service navigation"
    return {re.sub(r"<[^>]+>", "", label).strip(): url for url, label in ITEM.findall(found.group(1))}


def active(html: str) -> list[str]:
    block = MENU.search(html)
    assert block
    return [re.sub(r"<[^>]+>", "", label).strip() for label in re.findall(
        r'govuk-service-navigation__item--active"[^>]*>\s*<a [^>]*aria-current="[a-z]+"[^>]*>(.*?)</a>',
        block.group(1), re.S)]


def settings_shown() -> list[str]:
    """The settings page joins the navigation once it is served."""
    try:
        reverse("departments:settings", args=["moj"])
    except NoReverseMatch:
        return []
    return ["Settings"]


@pytest.fixture
def records(moj, in_department):
    """The employee and the line manager have employee records; the manager manages the employee."""
    with in_department(moj):
        manager = EmploymentFactory(department=moj.department, employee__user=moj.manager).employee
        EmploymentFactory(department=moj.department, employee__user=moj.employee, line_manager=manager)
    return moj


def test_each_role_sees_the_sections_its_access_opens(client, records):
    moj = records
    expected = {
        "payroll_officer": ["Home", "People", "Organisation", "Pay runs", "Onboarding", *settings_shown()],
        "payroll_approver": ["Home", "People", "Organisation", "Pay runs", "Onboarding"],
        "hr_admin": ["Home", "People", "Organisation", "Leave", "Imports", "Members", "Audit", *settings_shown()],
        "hr_officer": ["Home", "People", "Organisation", "Leave", "Imports", "Members"],
        "finance_officer": ["Home", "Finance", "Onboarding"],
        "auditor": ["Home", "People", "Organisation", "Pay runs", "Finance", "Onboarding", "Members", "Audit"],
        "manager": ["Home", "Leave", "Payslips", "Expenses"],
        "employee": ["Home", "Leave", "Payslips", "Expenses"],
    }
    for persona, sections in expected.items():
        # given
        client.force_login(getattr(moj, persona))
        # when
        html = client.get(f"/departments/{moj.slug}/").content.decode()
        # then
        assert list(menu(html)) == sections, persona


def test_every_section_in_every_roles_navigation_opens(client, records):
    moj = records
    for persona in ("payroll_officer", "payroll_approver", "hr_admin", "hr_officer", "finance_officer", "auditor",
                    "manager", "employee"):
        client.force_login(getattr(moj, persona))
        sections = menu(client.get(f"/departments/{moj.slug}/").content.decode())
        for label, url in sections.items():
            assert client.get(url).status_code == 200, (persona, label, url)


def test_leave_leads_each_person_to_their_own_kind_of_leave_page(client, records):
    moj = records
    landings = {"hr_admin": "hr/family-leave/waiting/", "manager": "hr/team/", "employee": "hr/me/leave/"}
    for persona, page in landings.items():
        client.force_login(getattr(moj, persona))
        html = client.get(f"/departments/{moj.slug}/").content.decode()
        assert menu(html)["Leave"] == f"/departments/{moj.slug}/{page}", persona


def test_people_without_an_employee_record_get_no_sections_about_their_own_records(client, moj):
    # given an employee whose account is not linked to a record yet
    client.force_login(moj.employee)
    # when
    html = client.get(f"/departments/{moj.slug}/").content.decode()
    # then there is nothing of theirs to open
    assert list(menu(html)) == ["Home"]


def test_the_section_holding_the_page_is_marked_and_home_is_not(client, moj):
    # given
    client.force_login(moj.finance_officer)
    # when the finance officer is on the finance index, then on a ledger page inside it
    index = client.get(f"/departments/{moj.slug}/finance/").content.decode()
    journals = client.get(f"/departments/{moj.slug}/finance/journals/").content.decode()
    home = client.get(f"/departments/{moj.slug}/").content.decode()
    # then Finance is marked on both, as the page itself on the index and as its section below it
    assert active(index) == ["Finance"]
    assert 'aria-current="page"><strong class="govuk-service-navigation__active-fallback">Finance' in index
    assert active(journals) == ["Finance"]
    assert 'aria-current="true"><strong class="govuk-service-navigation__active-fallback">Finance' in journals
    assert active(home) == ["Home"]


def test_a_payslip_under_payroll_me_marks_payslips_not_pay_runs(client, records):
    # given an auditor who is also an employee, with both sections
    moj = records
    MembershipFactory(user=moj.employee, department=moj.department, role=Role.AUDITOR)
    client.force_login(moj.employee)
    # when
    html = client.get(f"/departments/{moj.slug}/payroll/me/documents/").content.decode()
    # then the longer address wins
    assert {"Pay runs", "Payslips"} <= set(menu(html))
    assert active(html) == ["Payslips"]


def test_signed_in_as_is_not_in_the_menu_but_the_account_links_are_reachable(client, moj):
    client.force_login(moj.employee)
    html = client.get(f"/departments/{moj.slug}/").content.decode()
    block = MENU.search(html)
    assert block
    assert "Signed in as" not in block.group(1)
    account = re.search(r'<nav class="platform-account" aria-label="Your account".*?</nav>', html, re.S)
    assert account
    assert f"Signed in as {moj.employee.get_full_name()}" in account.group(0)
    assert 'href="/accounts/security/"' in account.group(0)
    assert 'action="/accounts/sign-out/"' in account.group(0)


def test_breadcrumbs_follow_the_section_and_sit_in_a_landmark(client, moj):
    # given
    client.force_login(moj.payroll_officer)
    # when the pay runs list is open
    html = client.get(f"/departments/{moj.slug}/payroll/").content.decode()
    # then the trail is Home, then the section as the page itself, inside the navigation landmark
    trail = re.search(r'<nav class="platform-before-content" aria-label="Back and breadcrumbs">(.*?)</nav>', html, re.S)
    assert trail
    assert f'<a class="govuk-breadcrumbs__link" href="/departments/{moj.slug}/">Home</a>' in trail.group(1)
    assert '<span aria-current="page">Pay runs</span>' in trail.group(1)


def test_a_page_with_its_own_back_link_keeps_it_inside_the_landmark(client, moj):
    client.force_login(moj.payroll_officer)
    html = client.get(f"/departments/{moj.slug}/payroll/schedules/").content.decode()
    trail = re.search(r'<nav class="platform-before-content" aria-label="Back and breadcrumbs">(.*?)</nav>', html, re.S)
    assert trail
    assert 'class="govuk-back-link">Back to pay runs</a>' in trail.group(1)
    assert "govuk-breadcrumbs" not in trail.group(1)


def test_the_department_home_has_no_trail_and_an_empty_landmark_is_left_empty(client, moj):
    client.force_login(moj.employee)
    html = client.get(f"/departments/{moj.slug}/").content.decode()
    assert '<nav class="platform-before-content" aria-label="Back and breadcrumbs"></nav>' in html


def test_the_department_switcher_is_a_named_form(client, operator, moj):
    client.force_login(operator)
    html = client.get(f"/departments/{moj.slug}/").content.decode()
    assert re.search(r'<form [^>]*class="platform-department-switcher" aria-label="Switch department"', html)


def test_the_navigation_reads_the_persons_access_once_whatever_the_sections(client, records):
    # given
    moj = records
    client.force_login(moj.auditor)
    client.get(f"/departments/{moj.slug}/finance/")
    # when
    with CaptureQueriesContext(connection) as captured:
        client.get(f"/departments/{moj.slug}/finance/")
    # then the page's own access check and the navigation's are the only reads of memberships
    # (the department switcher's list asks for departments, with memberships in a sub-query)
    memberships = [query["sql"] for query in captured.captured_queries
                   if query["sql"].startswith('SELECT "departments_departmentmembership"')]
    assert len(memberships) <= 2, memberships


def test_an_operator_acts_with_the_role_their_assignment_gives(client, moj):
    # given an operator assigned to moj as its payroll officer
    operator = UserFactory(email="pat@centre.test", full_name="Pat Operator", platform_role="operator")
    OperatorAssignmentFactory(user=operator, department=moj.department, role=Role.PAYROLL_OFFICER)
    client.force_login(operator)
    # when
    html = client.get(f"/departments/{moj.slug}/").content.decode()
    # then payroll's sections and the platform home, none of HR admin's
    assert list(menu(html)) == ["Home", "People", "Organisation", "Pay runs", "Onboarding", *settings_shown(),
                                "Platform"]
    assert client.get(f"/departments/{moj.slug}/payroll/").status_code == 200
    assert client.get(f"/departments/{moj.slug}/people/").status_code == 403


# --- What needs doing -----------------------------------------------------------------------------


def _attention(client, moj, persona) -> dict[str, object]:
    client.force_login(getattr(moj, persona))
    response = client.get(f"/departments/{moj.slug}/")
    assert response.status_code == 200
    return {item.label: item for item in response.context["attention"]}


def test_the_payroll_officer_sees_runs_to_open_and_calculate_with_their_pay_dates(client, moj, in_department):
    # given a draft run and an open run
    with in_department(moj):
        draft = PayRunFactory(department=moj.department, status=PayRun.Status.DRAFT,
                              period_start=datetime.date(2026, 12, 1), period_end=datetime.date(2026, 12, 31),
                              pay_date=datetime.date(2026, 12, 24), tax_period=9)
        PayRunFactory(department=moj.department, status=PayRun.Status.OPEN)
    # when
    items = _attention(client, moj, "payroll_officer")
    # then each step links where it is done, with the pay date as its deadline
    to_open = items["Pay runs to open"]
    assert (to_open.count, to_open.due) == (1, datetime.date(2026, 12, 24))
    assert to_open.url == f"/departments/{moj.slug}/payroll/runs/{draft.pk}/"
    assert "December 2026" in to_open.hint
    assert items["Pay runs to calculate"].due == datetime.date(2026, 11, 30)
    # and the approver, who neither opens nor calculates, is not asked to
    assert "Pay runs to open" not in _attention(client, moj, "payroll_approver")


def test_the_approver_sees_calculated_runs_with_their_exceptions_and_approved_runs_to_finalise(
        client, moj, in_department):
    # given a calculated run with two exceptions, and an approved one
    with in_department(moj):
        calculated = PayRunFactory(department=moj.department, status=PayRun.Status.CALCULATED)
        PayRunExceptionFactory.create_batch(2, department=moj.department, run=calculated, code="net_pay_changed")
        PayRunFactory(department=moj.department, status=PayRun.Status.APPROVED,
                      period_start=datetime.date(2026, 10, 1), period_end=datetime.date(2026, 10, 31),
                      pay_date=datetime.date(2026, 10, 30), tax_period=7)
    # when
    items = _attention(client, moj, "payroll_approver")
    # then
    waiting = items["Pay runs waiting for approval"]
    assert waiting.count == 1
    assert "2 exceptions to settle" in waiting.hint
    # and once one is acknowledged, only the other is counted
    with in_department(moj):
        PayRunException.objects.filter(pk=PayRunException.objects.filter(run=calculated).order_by("pk")[0].pk).update(
            acknowledged_at=timezone.now(), acknowledgement_note="Checked")
    assert "1 exception to settle" in _attention(client, moj, "payroll_approver")["Pay runs waiting for approval"].hint
    assert items["Approved pay runs to finalise"].due == datetime.date(2026, 10, 30)
    # and the page shows them in deadline order, the earliest first
    html = client.get(f"/departments/{moj.slug}/").content.decode()
    assert html.index("Approved pay runs to finalise") < html.index("Pay runs waiting for approval")
    assert "By 30 October 2026" in html


def test_shadow_runs_and_finalised_runs_wait_for_nobody(client, moj, in_department):
    with in_department(moj):
        PayRunFactory(department=moj.department, status=PayRun.Status.CALCULATED, kind=PayRun.Kind.SHADOW)
        PayRunFactory(department=moj.department, status=PayRun.Status.FINALISED,
                      period_start=datetime.date(2026, 10, 1), period_end=datetime.date(2026, 10, 31),
                      pay_date=datetime.date(2026, 10, 30), tax_period=7)
    assert _attention(client, moj, "payroll_approver") == {}
    client.force_login(moj.payroll_approver)
    assert "Nothing needs doing now." in client.get(f"/departments/{moj.slug}/").content.decode()


def test_a_failed_rti_submission_waits_until_a_correction_replaces_it(client, moj, in_department):
    # given a rejected submission
    with in_department(moj):
        rejected = RtiSubmissionFactory(department=moj.department, status=RtiSubmission.Status.REJECTED)
    items = _attention(client, moj, "payroll_officer")
    assert items["RTI submissions that failed"].count == 1
    assert items["RTI submissions that failed"].url == f"/departments/{moj.slug}/payroll/rti/"
    # when a correction replaces it
    with in_department(moj):
        RtiSubmissionFactory(department=moj.department, run=rejected.run, replaces=rejected,
                             status=RtiSubmission.Status.ACCEPTED)
    # then nothing is waiting
    assert "RTI submissions that failed" not in _attention(client, moj, "payroll_officer")


def test_hr_sees_family_leave_to_confirm_from_its_earliest_start(client, moj, in_department):
    with in_department(moj):
        start = timezone.localdate() + datetime.timedelta(days=40)
        FamilyLeaveFactory(department=moj.department, status="requested", start_date=start,
                           end_date=start + datetime.timedelta(days=100))
    items = _attention(client, moj, "hr_admin")
    assert items["Family leave to confirm"].count == 1
    assert items["Family leave to confirm"].due == start
    assert "Family leave to confirm" not in _attention(client, moj, "payroll_officer")


def test_what_needs_doing_links_only_to_pages_the_person_may_open(client, moj, in_department):
    with in_department(moj):
        PayRunFactory(department=moj.department, status=PayRun.Status.DRAFT)
        RtiSubmissionFactory(department=moj.department, status=RtiSubmission.Status.INVALID)
        employee = EmployeeFactory(department=moj.department)
        start = timezone.localdate() + datetime.timedelta(days=40)
        FamilyLeaveFactory(department=moj.department, employee=employee, status="requested", start_date=start,
                           end_date=start + datetime.timedelta(days=100))
    for persona in ("payroll_officer", "hr_admin"):
        for item in _attention(client, moj, persona).values():
            assert client.get(item.url).status_code == 200, (persona, item.label)


def test_home_figures_sit_in_one_grid_without_rows_of_their_own(client, moj):
    client.force_login(moj.auditor)
    html = client.get(f"/departments/{moj.slug}/").content.decode()
    assert '<ul class="platform-figures" aria-label="Figures">' in html
    assert "govuk-grid-column-one-third" not in html


def test_the_payroll_officers_home_links_to_the_pay_runs_list(client, moj):
    client.force_login(moj.payroll_officer)
    figures = client.get(f"/departments/{moj.slug}/").context["figures"]
    assert f"/departments/{moj.slug}/payroll/" in [figure.url for figure in figures]
