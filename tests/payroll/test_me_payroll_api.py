"""The self-service payroll API under /api/v1/me/departments/<slug>/: the caller's own published
payslips and documents as JSON and PDFs, for a person signed in or a token linked to an employee
record; another employee's ids and tax years answer 404 problem+json, a malformed tax year a 400
naming ``tax_year``; every operation is in the schema."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from departments.roles import TOKEN_SCOPES
from departments.services import api_token_create
from hr.models import Employee
from payroll import apis_me
from payroll.engine import calculate_batch
from payroll.models import PayRun
from payroll.periods import tax_year_label, tax_year_start
from tests.factories.payroll import PayRunFactory, PayslipFactory, PayslipLineFactory

pytestmark = pytest.mark.django_db
D = datetime.date
PROBLEM = "application/problem+json"


def _api(moj, rest=""):
    return f"/api/v1/me/departments/{moj.slug}/{rest}"


def _years() -> tuple[str, str, int]:
    """Last tax year, this tax year, and the calendar year this one started in."""
    start = tax_year_start(timezone.localdate()).year
    return tax_year_label(D(start - 1, 4, 6)), tax_year_label(D(start, 4, 6)), start


def _working(gross_pay: str) -> dict:
    """What a calculated payslip stores as its working (the engine's, with its result), so that its
    page and PDF can explain it."""
    (result,) = calculate_batch([{
        "id": "1", "tax_year": "2026-27", "frequency": "monthly", "period": 1, "tax_code": "1257L",
        "week1_month1": False, "ni_category": "A", "student_loans": [], "pension_scheme": None,
        "gross_pay": gross_pay, "pensionable_pay": gross_pay, "ytd_taxable_pay_before": "0",
        "ytd_tax_paid_before": "0"}], with_working=True)
    working = result.pop("working")
    return {**working, "result": result}


class Paid:
    """Esme's payslips: one in each of last March and this April (both finalised), one calculated in a
    run not yet finalised; Manon paid in the same finalised runs."""

    def __init__(self, moj, finance_setting):
        previous, this, start = _years()
        department = moj.department
        self.march_run = PayRunFactory(department=department, status=PayRun.Status.FINALISED,
                                       period_start=D(start, 3, 1), period_end=D(start, 3, 31),
                                       pay_date=D(start, 3, 31), tax_year=previous, tax_period=12)
        schedule = self.march_run.schedule
        self.april_run = PayRunFactory(department=department, schedule=schedule, status=PayRun.Status.FINALISED,
                                       period_start=D(start, 4, 1), period_end=D(start, 4, 30),
                                       pay_date=D(start, 4, 30), tax_year=this, tax_period=1)
        self.may_run = PayRunFactory(department=department, schedule=schedule, status=PayRun.Status.APPROVED,
                                     period_start=D(start, 5, 1), period_end=D(start, 5, 31),
                                     pay_date=D(start, 5, 29), tax_year=this, tax_period=2)
        esme, manon = finance_setting.claimant, finance_setting.manager
        self.march = PayslipFactory(department=department, run=self.march_run, employee=esme, tax_code="1257L",
                                    gross_pay=Decimal("2500.00"), taxable_pay=Decimal("2500.00"),
                                    income_tax=Decimal("290.20"), net_pay=Decimal("2093.64"),
                                    year_to_date={"taxable_pay": "30000.00", "tax": "3486.00"},
                                    working=_working("2500.00"))
        self.april = PayslipFactory(department=department, run=self.april_run, employee=esme, tax_code="1257L",
                                    gross_pay=Decimal("2618.75"), taxable_pay=Decimal("2618.75"),
                                    income_tax=Decimal("313.95"), net_pay=Decimal("2186.64"),
                                    working=_working("2618.75"))
        PayslipLineFactory(department=department, payslip=self.april, code="BASIC", amount=Decimal("2500.00"))
        PayslipLineFactory(department=department, payslip=self.april, code="SSP", description="Statutory Sick Pay",
                           amount=Decimal("118.75"))
        PayslipLineFactory(department=department, payslip=self.april, code="TAX", description="Income tax",
                           section="deduction", amount=Decimal("313.95"))
        self.unpublished = PayslipFactory(department=department, run=self.may_run, employee=esme,
                                          working=_working("3000.00"))
        self.manons = PayslipFactory(department=department, run=self.april_run, employee=manon,
                                     working=_working("3000.00"))
        self.previous, self.this, self.start = previous, this, start


@pytest.fixture
def paid(moj, finance_setting, in_department) -> Paid:
    with in_department(moj):
        return Paid(moj, finance_setting)


def _problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    return response.json()


# --- Payslips -------------------------------------------------------------------------------------------

def test_an_employee_lists_their_published_payslips_newest_first(api_client, moj, paid):
    # given Esme signed in
    api_client.force_login(moj.employee)
    # when she lists her payslips
    body = api_client.get(_api(moj, "payslips/")).json()
    # then only the two from finalised runs are there, newest first, each with its addresses
    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [paid.april.pk, paid.march.pk]
    first = body["results"][0]
    assert first["gross_pay"] == "2618.75"
    assert first["period"] == "Month 1"
    assert first["url"] == f"http://testserver{_api(moj, f'payslips/{paid.april.pk}/')}"
    assert first["pdf_url"] == f"http://testserver{_api(moj, f'payslips/{paid.april.pk}/pdf/')}"
    # and a tax year narrows them
    narrowed = api_client.get(_api(moj, "payslips/"), {"tax_year": paid.previous}).json()
    assert [row["id"] for row in narrowed["results"]] == [paid.march.pk]


def test_a_payslip_comes_with_its_lines_and_as_a_pdf(api_client, moj, paid):
    api_client.force_login(moj.employee)
    body = api_client.get(_api(moj, f"payslips/{paid.april.pk}/")).json()
    assert [(line["code"], line["amount"]) for line in body["lines"]] == [
        ("BASIC", "2500.00"), ("SSP", "118.75"), ("TAX", "313.95")]
    pdf = api_client.get(_api(moj, f"payslips/{paid.april.pk}/pdf/"))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    # a client that asks for the PDF by its media type gets it too
    asked = api_client.get(_api(moj, f"payslips/{paid.april.pk}/pdf/"), HTTP_ACCEPT="application/pdf")
    assert asked.status_code == 200
    assert asked.content.startswith(b"%PDF")


def test_a_colleagues_or_an_unpublished_payslip_is_not_found(api_client, moj, paid):
    api_client.force_login(moj.employee)
    for payslip in (paid.manons, paid.unpublished):
        for rest in (f"payslips/{payslip.pk}/", f"payslips/{payslip.pk}/pdf/"):
            body = _problem(api_client.get(_api(moj, rest)), 404)
            assert body["detail"] == "You have no published payslip with that id."
    # and still a problem when the client asked for a PDF
    _problem(api_client.get(_api(moj, f"payslips/{paid.manons.pk}/pdf/"), HTTP_ACCEPT="application/pdf"), 404)


# --- Documents ------------------------------------------------------------------------------------------

def test_the_documents_list_gives_each_years_documents_and_addresses(api_client, moj, paid):
    # given
    api_client.force_login(moj.employee)
    # when Esme lists her documents
    years = api_client.get(_api(moj, "documents/")).json()
    # then this tax year comes first, its P60 still to come, its summary ready
    assert [year["tax_year"] for year in years] == [paid.this, paid.previous]
    this, previous = years
    assert this["is_current"] is True
    assert this["p60"] == {"available": False, "url": None, "pdf_url": None,
                           "note": f"Your P60 for {paid.this} will be here by 31 May {paid.start + 1}."}
    assert this["p60_expected_by"] == f"{paid.start + 1}-05-31"
    assert this["p45"] is None
    assert this["payslips"] == 1
    assert this["yearly_summary"]["url"].endswith(_api(moj, f"documents/yearly-summary/{paid.this}/"))
    # and last year's P60 is ready, as figures and as a PDF
    assert previous["p60"]["available"] is True
    p60 = api_client.get(previous["p60"]["url"]).json()
    assert p60["tax_year"] == paid.previous
    assert p60["pay"] == "30000.00"
    assert p60["tax"] == "3486.00"
    assert p60["final_tax_code"] == "1257L"
    assert p60["payroll_number"] == "E0001"
    pdf = api_client.get(previous["p60"]["pdf_url"])
    assert pdf.content.startswith(b"%PDF")
    assert api_client.get(api_client.get(_api(moj, "documents/")).json()[0]["payslips_url"]).json()["count"] == 1


def test_the_yearly_summary_totals_the_published_payslips(api_client, moj, paid):
    api_client.force_login(moj.employee)
    body = api_client.get(_api(moj, f"documents/yearly-summary/{paid.this}/")).json()
    assert [row["payslip_id"] for row in body["rows"]] == [paid.april.pk]
    assert body["totals"]["gross_pay"] == "2618.75"
    assert body["totals"]["statutory_pay"] == "118.75"
    assert body["statutory_totals"] == [{"payment": "Statutory Sick Pay", "amount": "118.75"}]
    assert [column["name"] for column in body["columns"]][0] == "gross_pay"
    assert all(column["title"] and column["explanation"] for column in body["columns"])
    pdf = api_client.get(body["pdf_url"])
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Cache-Control"] == "private, no-store"


def test_a_leavers_p45_is_there_once_their_final_pay_is_finalised(api_client, moj, paid, in_department):
    # given Esme left at the end of April, paid by the finalised April run
    with in_department(moj):
        Employee.objects.filter(pk=paid.april.employee_id).update(leave_date=D(paid.start, 4, 30))
    api_client.force_login(moj.employee)
    # when she reads her P45
    body = api_client.get(_api(moj, "documents/p45/")).json()
    # then it is the one of her final pay, in the year she left
    assert body["leaving_date"] == f"{paid.start}-04-30"
    assert body["tax_year"] == paid.this
    assert body["tax_code"] == "1257L"
    assert body["period_unit"] == "Month"
    assert api_client.get(body["pdf_url"]).content.startswith(b"%PDF")
    (this, *_) = api_client.get(_api(moj, "documents/")).json()
    assert this["p45"]["available"] is True
    assert "instead of a P60" in this["p60"]["note"]


def test_someone_still_employed_has_no_p45(api_client, moj, paid):
    api_client.force_login(moj.employee)
    assert _problem(api_client.get(_api(moj, "documents/p45/")), 404)["detail"].startswith("You have no P45")
    _problem(api_client.get(_api(moj, "documents/p45/pdf/")), 404)


@pytest.mark.parametrize("tax_year", ["2026", "2026-28", "26-27", "2026_27", "twenty"])
def test_a_malformed_tax_year_names_the_field_and_the_form(api_client, moj, paid, tax_year):
    api_client.force_login(moj.employee)
    # in an address it names no document: a 404 saying what a tax year looks like
    for rest in (f"documents/p60/{tax_year}/", f"documents/p60/{tax_year}/pdf/",
                 f"documents/yearly-summary/{tax_year}/", f"documents/yearly-summary/{tax_year}/pdf/"):
        detail = _problem(api_client.get(_api(moj, rest)), 404)["detail"]
        assert detail.startswith(f"tax_year: '{tax_year}' is not a tax year like 2026-27"), rest
    # as a filter it is bad input: a 400 listing the field
    body = _problem(api_client.get(_api(moj, "payslips/"), {"tax_year": tax_year}), 400)
    assert [error["field"] for error in body["errors"]] == ["tax_year"]
    assert "2026-27" in body["errors"][0]["message"]


def test_a_tax_year_with_nothing_in_it_is_not_found(api_client, moj, paid):
    api_client.force_login(moj.employee)
    empty = tax_year_label(D(paid.start - 5, 4, 6))
    for rest in (f"documents/p60/{empty}/", f"documents/p60/{paid.this}/", f"documents/yearly-summary/{empty}/",
                 f"documents/yearly-summary/{empty}/pdf/"):
        _problem(api_client.get(_api(moj, rest)), 404)


# --- Who may call ---------------------------------------------------------------------------------------

def test_a_token_linked_to_an_employee_reads_that_employees_documents_only(api_client, moj, paid, in_department):
    # given a token (a mobile app's) whose service user is linked to Esme's record
    token, raw = api_token_create(department=moj.department, name="Esme's phone", acting_user=None,
                                  scopes=["department:read"])
    with in_department(moj):
        Employee.objects.filter(pk=paid.april.employee_id).update(user=token.user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    # when it lists payslips and reads one
    body = api_client.get(_api(moj, "payslips/")).json()
    # then they are Esme's, and a colleague's stays out of reach
    assert [row["id"] for row in body["results"]] == [paid.april.pk, paid.march.pk]
    assert api_client.get(_api(moj, f"payslips/{paid.april.pk}/pdf/")).content.startswith(b"%PDF")
    _problem(api_client.get(_api(moj, f"payslips/{paid.manons.pk}/")), 404)


def test_a_token_not_linked_to_an_employee_finds_nothing(api_client, moj, dft, paid):
    _, raw = api_token_create(department=moj.department, name="Integrator", acting_user=None, scopes=TOKEN_SCOPES)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    body = _problem(api_client.get(_api(moj, "payslips/")), 404)
    assert "not linked to an employee record" in body["detail"]
    # and a token of another department does not reach this one at all
    _, theirs = api_token_create(department=dft.department, name="Other", acting_user=None, scopes=TOKEN_SCOPES)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {theirs}")
    _problem(api_client.get(_api(moj, "documents/")), 404)


def test_a_person_without_self_service_is_refused_and_an_anonymous_caller_too(api_client, moj, paid):
    api_client.force_login(moj.auditor)
    _problem(api_client.get(_api(moj, "payslips/")), 403)
    api_client.logout()
    assert api_client.get(_api(moj, "payslips/")).status_code in (401, 403)


def _me_payroll_routes() -> list[str]:
    """Every route of this API, found from the URL configuration."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                view = getattr(pattern.callback, "view_class", None)
                if view is not None and view.__module__ == apis_me.__name__:
                    yield prefix + str(pattern.pattern)

    return list(walk(get_resolver().url_patterns))


def test_every_route_answers_404_to_another_employee_with_the_first_ones_ids(api_client, moj, paid, in_department):
    # given Esme, who left at the end of April: she has payslips, a P60, a P45 and summaries
    with in_department(moj):
        Employee.objects.filter(pk=paid.april.employee_id).update(leave_date=D(paid.start, 4, 30))
    routes = _me_payroll_routes()
    assert len(routes) == 10

    def address(route):
        return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", lambda match: {
            "department_slug": moj.slug, "payslip_id": str(paid.april.pk), "tax_year": paid.previous,
        }[match.group(2)], route)

    api_client.force_login(moj.employee)
    assert {route: api_client.get(address(route)).status_code for route in routes} == dict.fromkeys(routes, 200)
    # when her line manager, her colleague and a user with no record call each address with her ids
    for user in (moj.manager, moj.hr_officer, moj.payroll_officer):
        api_client.force_login(user)
        answers = {route: api_client.get(address(route)) for route in routes}
        # then every one that names a document is "not found", and the lists hold nothing of hers
        for route, response in answers.items():
            if route.endswith(("/payslips/", "/documents/")) and user != moj.payroll_officer:
                assert response.status_code == 200, route
                assert str(paid.april.pk) not in re.findall(r'"(?:id|payslip_id)":\s*(\d+)', response.content.decode())
            else:
                _problem(response, 404)


def test_the_schema_documents_every_operation(tmp_path):
    schema = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(schema))
    text = schema.read_text()
    for operation in ("me_payroll_payslips_list", "me_payroll_payslip_retrieve", "me_payroll_payslip_pdf",
                      "me_payroll_documents_list", "me_payroll_p60_retrieve", "me_payroll_p60_pdf",
                      "me_payroll_p45_retrieve", "me_payroll_p45_pdf", "me_payroll_yearly_summary_retrieve",
                      "me_payroll_yearly_summary_pdf"):
        assert f"operationId: {operation}" in text
    assert "/api/v1/me/departments/{department_slug}/documents/yearly-summary/{tax_year}/pdf/:" in text


def test_the_schema_of_this_api_has_no_warnings(capsys):
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    SchemaGenerator(patterns=None).get_schema(request=None, public=True)
    mine = [line for line in capsys.readouterr().err.splitlines() if "apis_me" in line and "payroll" in line]
    assert mine == []
