"""Every persona signs in, starts at their home and follows every link in the header, the service
navigation, the breadcrumbs and the page's main content that stays inside the service, breadth
first. Each kind of page (URL pattern) is opened once per persona: it must answer below 400 (a 403
or 404 behind a visible link is a broken promise), pass every axe rule (best practices included) at
desktop width and on a 375 px phone, and not scroll sideways on a 375 or a 320 px phone. Every
failure of the walk is reported together, with the page each broken one was linked from."""

from __future__ import annotations

import datetime
import io
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, resolve
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, ViewportSize

from departments.models import Department
from departments.roles import Role
from finance import services as finance_services
from finance.services import JournalLineInput as Line
from hr import selectors as hr_selectors
from hr import services as hr_services
from hr.models import Employee, LeaveType
from hr.services.bank_details import bank_details_change_propose
from hr.services.self_service import detail_change_request_create
from onboarding import services as onboarding_services
from payroll import services as payroll_services
from payroll.tasks import start_calculation
from shared_services.accounts.models import User
from tests.browser.axe import axe_violations_all_rules, format_violations
from tests.factories import OperatorAssignmentFactory, UserFactory
from tests.finance.conftest import build_finance_setting
from tests.onboarding.conftest import csv_bytes, staff_row
from tests.payroll.settling import settle_review

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 375, "height": 812}
SMALL_PHONE: ViewportSize = {"width": 320, "height": 640}  # checked for sideways scrolling only
PAGES_PER_PERSONA = 80
# Links that leave the pages for files (PDFs, CSVs, XML, zips), the API or the framework's admin.
FILE_ROUTE_NAMES = {
    "payslip-pdf", "run-download", "rti-submission-xml", "p45-pdf", "p60-batch-download", "my-documents-p45-pdf",
    "my-yearly-summary-pdf", "export", "receipt", "job-errors", "job-reconciliation-download",
    "parallel-run-report", "detail-request-evidence", "bank-details-evidence",
}
FILE_SUFFIXES = (".pdf", ".csv", ".xlsx", ".xml", ".zip", ".json")
OUTSIDE_THE_PAGES = ("/api/", "/platform-admin/", "/static/", "/healthz", "/accounts/sign-out")
# The links worth following: the header (the account's links), the service navigation, the breadcrumbs
# and the page's own content.
LINKS = """() => Array.from(document.querySelectorAll(
    'header a[href], .govuk-service-navigation a[href], .govuk-breadcrumbs a[href], main a[href]'))
  .filter((a) => !a.hasAttribute('download'))
  .map((a) => a.href)"""
# What sticks out past the right edge of the viewport, to say where a page scrolls sideways.
WIDEST = """() => {
  const limit = window.innerWidth;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  return Array.from(document.querySelectorAll('main *'))
    .filter((el) => el.getBoundingClientRect().right > limit + 1 &&
                    !(el.parentElement && el.parentElement.getBoundingClientRect().right > limit + 1))
    .slice(0, 5)
    .map((el) => `${name(el)} (${Math.round(el.getBoundingClientRect().right)} px)`);
}"""


@dataclass
class Walk:
    persona: str
    failures: list[str] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)

    def fail(self, url: str, found_on: str, problem: str) -> None:
        self.failures.append(f"[{self.persona}] {urlsplit(url).path} (linked from {found_on}): {problem}")


def _route(url: str) -> str | None:
    """The URL pattern a link leads to, or None when it is not one of the service's pages."""
    parts = urlsplit(url)
    if parts.path.startswith(OUTSIDE_THE_PAGES) or parts.path.endswith(FILE_SUFFIXES):
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return f"unresolved:{parts.path}"
    if match.url_name in FILE_ROUTE_NAMES:
        return None
    return f"{match.namespace}:{match.route}"


def _check_at_phone_widths(page: Page, walk: Walk, url: str, found_on: str) -> None:
    for phone in (SMALL_PHONE, PHONE):
        page.set_viewport_size(phone)
        scroll_width, inner_width = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]")
        if scroll_width > inner_width:
            walk.fail(url, found_on, f"scrolls sideways at {inner_width} px ({scroll_width} px wide): "
                                     f"{', '.join(page.evaluate(WIDEST)) or 'outside main'}")
    violations = axe_violations_all_rules(page)
    if violations:
        walk.fail(url, found_on, f"axe at 375 px:\n{format_violations(violations)}")


def walk_every_page(page: Page, persona: str) -> Walk:
    """Breadth first from the page the persona landed on after signing in."""
    walk = Walk(persona)
    origin = urlsplit(page.url).netloc
    start = page.url
    queue: deque[tuple[str, str]] = deque([(start, "sign-in")])
    queued = {_route(start)}
    while queue and len(walk.visited) < PAGES_PER_PERSONA:
        url, found_on = queue.popleft()
        route = _route(url)
        if route is not None and route.startswith("unresolved:"):
            walk.fail(url, found_on, "no page has this address")
            continue
        page.set_viewport_size(DESKTOP)
        try:
            response = page.goto(url)
        except PlaywrightError as error:
            if "Download is starting" not in str(error):  # a file behind an ordinary-looking link is no page
                walk.fail(url, found_on, f"did not open: {error.message}")
            continue
        walk.visited.append(urlsplit(url).path)
        if response is None or response.status >= 400:
            walk.fail(url, found_on, f"answered {response.status if response else 'nothing'}")
            continue
        violations = axe_violations_all_rules(page)
        if violations:
            walk.fail(url, found_on, f"axe at 1280 px:\n{format_violations(violations)}")
        links: list[str] = page.evaluate(LINKS)
        _check_at_phone_widths(page, walk, url, found_on)
        for link in links:
            if urlsplit(link).netloc != origin:
                continue
            link_route = _route(link.split("#")[0])
            if link_route is None or link_route in queued:
                continue
            queued.add(link_route)
            queue.append((link.split("#")[0], urlsplit(url).path))
    if queue:
        walk.failures.append(f"[{persona}] {len(queue)} kinds of page were left unopened after "
                             f"{PAGES_PER_PERSONA}: raise PAGES_PER_PERSONA")
    return walk


@pytest.fixture
def platform_admin(db) -> User:
    admin: User = UserFactory.create(email="platform.admin@centre.test", full_name="Priya Platform",
                                     platform_role=User.PlatformRole.PLATFORM_ADMIN)
    return admin


@pytest.fixture
def centre_operator(moj, dft) -> User:
    """A shared-services operator serving both departments as their payroll officer."""
    user: User = UserFactory.create(email="operator@centre.test", full_name="Centre Operator",
                                    platform_role=User.PlatformRole.OPERATOR)
    for department in (moj.department, dft.department):
        OperatorAssignmentFactory(user=user, department=department, role=Role.PAYROLL_OFFICER)
    return user


def records_complete(people, in_department) -> None:
    """Every employee with what a run needs to pay them and report them to HMRC: a bank account, an
    NI number and a home address."""
    with in_department(people):
        for number, employee in enumerate(Employee.objects.order_by("pk"), start=1):
            Employee.objects.filter(pk=employee.pk).update(
                bank_sort_code="089999", bank_account_number="66374958", ni_number=f"AB12345{number}C",
                address_line_1=f"{number} Petty France", town="London", postcode="SW1H 9AJ")


def _month_before(day: datetime.date) -> datetime.date:
    return day.replace(day=1) - datetime.timedelta(days=1)


@pytest.fixture
def busy_department(moj, in_department, settings, tmp_path):
    """moj at work: three staff on a monthly schedule, last month's run finalised with payslips and
    this month's calculated with an exception to review; leave waiting for the line manager; an
    expense claim waiting for finance and one for the manager; a posted journal and a budget; a
    change of details and a bank details proposal waiting for HR; a staff import checked."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    setting = build_finance_setting(moj, in_department)
    today = timezone.localdate()
    records_complete(moj, in_department)
    Department.objects.filter(pk=moj.department.pk).update(bacs_service_user_number="123456")
    schedule = payroll_services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly",
                                                    bank_sort_code="202959", bank_account_number="63748472")
    last_month = payroll_services.pay_run_create(schedule=schedule, period_containing=_month_before(today),
                                                 acting_user=None)
    payroll_services.pay_run_open(run=last_month, acting_user=moj.payroll_officer)
    start_calculation(run=last_month, acting_user=moj.payroll_officer)
    settle_review(last_month)
    payroll_services.pay_run_approve(run=last_month, acting_user=moj.payroll_approver)
    payroll_services.pay_run_finalise(run=last_month, acting_user=moj.payroll_approver)
    with in_department(moj):  # Cal's account closed: this month's run flags it
        Employee.objects.filter(pk=setting.colleague.pk).update(bank_sort_code="", bank_account_number="")
    this_month = payroll_services.pay_run_create(schedule=schedule, period_containing=today, acting_user=None)
    payroll_services.pay_run_open(run=this_month, acting_user=moj.payroll_officer)
    start_calculation(run=this_month, acting_user=moj.payroll_officer)

    with in_department(moj):
        hr_services.leave_types_install_defaults(department=moj.department, acting_user=None)
        annual = hr_selectors.leave_types().get(kind=LeaveType.Kind.ANNUAL)
    hr_services.leave_request_create(employee=setting.claimant, leave_type=annual,
                                     start_date=today + datetime.timedelta(days=14),
                                     end_date=today + datetime.timedelta(days=15), hours=Decimal("14.8"),
                                     acting_user=moj.employee, reason="Family visit")
    detail_change_request_create(employee=setting.claimant, changes={"last_name": "Testerton"},
                                 reason="Married", evidence=io.BytesIO(b"%PDF-1.4\n%a marriage certificate\n"),
                                 evidence_name="certificate.pdf", acting_user=moj.employee)
    bank_details_change_propose(employee=setting.colleague, sort_code="309950", account_number="12345678",
                                reason="Letter from the employee", evidence=io.BytesIO(b"%PDF-1.4\n%a letter\n"),
                                evidence_name="letter.pdf", acting_user=moj.hr_admin)

    year = today.year if today.month >= 4 else today.year - 1
    finance_services.budget_set(department=moj.department, cost_centre=setting.centre, financial_year=year,
                                annual_amount=Decimal("120000"), acting_user=None)
    finance_services.journal_post(department=moj.department, acting_user=None, posted_on=today,
                                  description="Consultancy accrual",
                                  lines=[Line(account="5400", debit=Decimal("2500"), cost_centre=setting.sub_centre),
                                         Line(account="2400", credit=Decimal("2500"))])
    for purpose, manager_decides in (("Leeds hearing", True), ("Bristol training", False)):
        claim = finance_services.expense_claim_create(employee=setting.claimant, purpose=purpose, acting_user=None)
        finance_services.expense_line_add(claim=claim, acting_user=None, category="travel",
                                          incurred_on=today - datetime.timedelta(days=2),
                                          description="Return train ticket", amount=Decimal("42.10"))
        finance_services.expense_claim_submit(claim=claim, acting_user=None)
        if manager_decides:
            finance_services.expense_claim_manager_decide(claim=claim, approve=True, acting_user=moj.manager)

    export = csv_bytes([staff_row(1), staff_row(2, **{"NI Number": "QQ12"})])
    onboarding_services.import_job_create(department=moj.department, upload=io.BytesIO(export),
                                          original_name="legacy-export.csv", acting_user=moj.hr_admin)
    return setting


PERSONAS = ("hr_admin", "hr_officer", "payroll_officer", "payroll_approver", "finance_officer", "manager",
            "employee", "auditor", "operator", "platform_admin")


def test_every_page_of_every_persona(page, moj, busy_department, centre_operator, platform_admin,
                                     sign_in_through_browser: Callable[..., Page], record_property):
    # given moj at work, and everyone who uses it
    people = {**moj.people, "operator": centre_operator, "platform_admin": platform_admin}
    started = time.monotonic()
    walks = []
    for persona in PERSONAS:
        # when each signs in and follows every link from their home
        page.context.clear_cookies()
        page.set_viewport_size(DESKTOP)
        sign_in_through_browser(people[persona])
        walks.append(walk_every_page(page, persona))
    for walk in walks:
        record_property(f"pages_{walk.persona}", " ".join(walk.visited))
    record_property("pages_opened", sum(len(walk.visited) for walk in walks))
    record_property("seconds", round(time.monotonic() - started))
    # then every page opened, passed axe at both widths and fitted the phone
    for walk in walks:
        assert len(walk.visited) > 1 or walk.failures, f"{walk.persona} found no links to follow from their home"
    failures = [failure for walk in walks for failure in walk.failures]
    assert not failures, (
        f"{len(failures)} problem(s) on {sum(len(walk.visited) for walk in walks)} pages opened:\n\n"
        + "\n\n".join(failures))
