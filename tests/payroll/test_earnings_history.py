"""The previous payroll's earnings history: loaded by service, command, page and API, all or nothing,
every bad row named by its line and field, a day loaded again replaced; shown on the employee's
absence pay page and in the API, behind the department wall."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from departments import services as department_services
from departments.models import AuditEvent
from payroll import services
from payroll.models import EarningsHistory
from payroll.services.earnings_history import EarningsHistoryLoadError, EarningsHistoryRow
from tests.factories import EmployeeFactory
from tests.factories.payroll import EarningsHistoryFactory

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


@pytest.fixture
def staff(moj, dft):
    alice = EmployeeFactory(department=moj.department, payroll_number="M0100", first_name="Alice")
    bea = EmployeeFactory(department=moj.department, payroll_number="M0101", first_name="Bea")
    EmployeeFactory(department=dft.department, payroll_number="D0100")
    return alice, bea


def _rows(*rows):
    return [EarningsHistoryRow(line, *row) for line, row in enumerate(rows, start=2)]


def _history(department, in_department):
    with in_department(department):
        return {(record.employee.payroll_number, record.pay_date): record.earnings
                for record in EarningsHistory.objects.select_related("employee")}


def _client(department, scopes):
    _, raw = department_services.api_token_create(department=department.department, name="+".join(scopes),
                                                  acting_user=None, scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_a_load_records_each_pay_day_and_is_audited(moj, staff, in_department):
    outcome = services.earnings_history_load(
        department=moj.department, acting_user=moj.payroll_officer, source="legacy.csv",
        rows=_rows(("M0100", "2026-02-27", "2500.00"), ("M0100", "27/03/2026", "£2,612.50"),
                   ("M0101", datetime.date(2026, 3, 27), Decimal("1800"))))
    assert (outcome.added, outcome.replaced) == (3, 0)
    assert _history(moj, in_department) == {
        ("M0100", datetime.date(2026, 2, 27)): Decimal("2500.00"),
        ("M0100", datetime.date(2026, 3, 27)): Decimal("2612.50"),
        ("M0101", datetime.date(2026, 3, 27)): Decimal("1800.00"),
    }
    with in_department(moj):
        event = AuditEvent.objects.get(action="earnings_history.load")
        record = EarningsHistory.objects.get(employee__payroll_number="M0101")
    assert event.changes["added"]["after"] == 3
    assert (record.source, record.loaded_by) == ("legacy.csv", moj.payroll_officer)


def test_every_bad_row_is_named_by_line_and_field_and_nothing_is_written(moj, staff, in_department):
    # given one good row and a bad row of each kind (a payroll number of another department's employee too)
    rows = _rows(("M0100", "2026-02-27", "2500.00"),
                 ("D0100", "2026-02-27", "2500.00"),
                 ("M0100", "27 Feb", "2500.00"),
                 ("M0101", "2026-02-27", "lots"),
                 ("M0101", "2026-03-27", "-10.00"),
                 ("M0101", "2026-01-30", "12.345"),
                 ("M0100", "27/02/2026", "2400.00"))
    # when they are loaded
    with pytest.raises(EarningsHistoryLoadError) as refused:
        services.earnings_history_load(department=moj.department, rows=rows, acting_user=None, source="x.csv")
    # then each is named, and nothing was written
    assert [(error.line, error.field) for error in refused.value.row_errors] == [
        (3, "payroll_number"), (4, "pay_date"), (5, "earnings"), (6, "earnings"), (7, "earnings"), (8, "pay_date")]
    messages = refused.value.message_dict["rows"]
    assert messages[0] == "Line 3, payroll_number: 'D0100' is not the payroll number of anyone in Ministry of Justice."
    assert "Line 6, earnings: Earnings cannot be negative." in messages
    assert "on line 2 too" in messages[-1]
    assert _history(moj, in_department) == {}


def test_loading_a_day_again_replaces_it(moj, staff, in_department):
    services.earnings_history_load(department=moj.department, rows=_rows(("M0100", "2026-02-27", "2500.00")),
                                   acting_user=None, source="first.csv")
    outcome = services.earnings_history_load(
        department=moj.department, rows=_rows(("M0100", "2026-02-27", "2550.00"), ("M0100", "2026-03-27", "2550.00")),
        acting_user=None, source="corrected.csv")
    assert (outcome.added, outcome.replaced) == (1, 1)
    assert _history(moj, in_department) == {("M0100", datetime.date(2026, 2, 27)): Decimal("2550.00"),
                                            ("M0100", datetime.date(2026, 3, 27)): Decimal("2550.00")}


def test_a_pay_day_after_today_and_an_empty_load_are_refused(moj, staff):
    with pytest.raises(EarningsHistoryLoadError, match="after today"):
        services.earnings_history_load(department=moj.department, rows=_rows(("M0100", "2099-01-01", "1.00")),
                                       acting_user=None, source="x")
    with pytest.raises(ValidationError) as empty:
        services.earnings_history_load(department=moj.department, rows=[], acting_user=None, source="x")
    assert "rows" in empty.value.message_dict


def test_the_command_loads_a_file_and_exits_non_zero_with_the_reasons(moj, staff, tmp_path, in_department, capsys):
    good = tmp_path / "legacy.csv"
    good.write_text("payroll_number,pay_date,earnings\nM0100,2026-02-27,2500.00\nM0101,2026-02-27,1800.00\n")
    call_command("load_earnings_history", "--department", "moj", str(good))
    assert "added=2 replaced=0" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("payroll_number,pay_date,earnings\nM0100,2026-03-27,2500.00\nNOBODY,2026-03-27,1.00\n")
    with pytest.raises(CommandError) as refused:
        call_command("load_earnings_history", "--department", "moj", str(bad))
    assert "Line 3, payroll_number: 'NOBODY'" in str(refused.value)
    assert len(_history(moj, in_department)) == 2
    missing_column = tmp_path / "columns.csv"
    missing_column.write_text("payroll_number,earnings\nM0100,1.00\n")
    with pytest.raises(CommandError, match="Line 1, pay_date: this column is missing"):
        call_command("load_earnings_history", "--department", "moj", str(missing_column))
    with pytest.raises(CommandError, match="--department"):
        call_command("load_earnings_history", "--department", "nowhere", str(good))


def test_the_page_loads_a_file_or_lists_the_problems(client, moj, staff, in_department):
    client.force_login(moj.payroll_officer)
    url = "/departments/moj/payroll/earnings-history/"
    bad = SimpleUploadedFile("bad.csv", b"payroll_number,pay_date,earnings\nM0100,2026-13-01,2500.00\n")
    page = client.post(url, {"file": bad})
    assert page.status_code == 200
    text = page.content.decode()
    assert "There is a problem" in text
    assert "Line 2, pay_date: &#x27;2026-13-01&#x27; is not a date" in text
    good = SimpleUploadedFile("good.csv", b"payroll_number,pay_date,earnings\nM0100,2026-01-30,2500.00\n")
    assert client.post(url, {"file": good}).status_code == 302
    assert _history(moj, in_department) == {("M0100", datetime.date(2026, 1, 30)): Decimal("2500.00")}
    # an auditor reads the page but may not load
    client.force_login(moj.auditor)
    assert client.get(url).status_code == 200
    assert client.post(url, {"file": SimpleUploadedFile("x.csv", b"")}).status_code == 403


def test_the_history_shows_on_the_employees_absence_pay_page(client, moj, staff):
    EarningsHistoryFactory(department=moj.department, employee=staff[0], pay_date=datetime.date(2026, 3, 27),
                           earnings=Decimal("2612.50"), source="legacy.csv")
    client.force_login(moj.payroll_officer)
    page = client.get("/departments/moj/payroll/employees/M0100/absence-pay/").content.decode()
    assert "27 March 2026" in page
    assert "£2,612.50" in page
    assert "legacy.csv" in page


def test_the_api_loads_rows_and_names_the_bad_ones_by_position(moj, dft, staff, in_department):
    writer = _client(moj, ["payroll:read", "payroll:submit"])
    url = "/api/v1/departments/moj/payroll/earnings-history/"
    refused = writer.post(url, {"rows": [{"payroll_number": "M0100", "pay_date": "2026-02-27", "earnings": "2500.00"},
                                         {"payroll_number": "M0101", "pay_date": "2026-02-27", "earnings": "-1"}]},
                          format="json")
    assert refused.status_code == 400
    assert refused["Content-Type"] == PROBLEM
    assert [(error["field"], error["message"]) for error in refused.json()["errors"]] == [
        ("rows[1].earnings", "Earnings cannot be negative.")]
    assert _history(moj, in_department) == {}
    loaded = writer.post(url, {"source": "legacy export", "rows": [
        {"payroll_number": "M0100", "pay_date": "2026-02-27", "earnings": 2500.5}]}, format="json")
    assert loaded.status_code == 201
    assert loaded.json() == {"added": 1, "replaced": 0}
    listed = writer.get("/api/v1/departments/moj/payroll/employees/M0100/earnings-history/")
    assert listed.json()["results"] == [{"pay_date": "2026-02-27", "earnings": "2500.50", "source": "legacy export",
                                         "loaded_at": listed.json()["results"][0]["loaded_at"]}]
    # a reader may not load; another department's token cannot reach moj at all
    assert _client(moj, ["payroll:read"]).post(url, {"rows": []}, format="json").status_code == 403
    other = _client(dft, ["payroll:read", "payroll:submit"])
    assert other.get("/api/v1/departments/moj/payroll/employees/M0100/earnings-history/").status_code == 404
    assert other.post(url, {"rows": [{"payroll_number": "M0100", "pay_date": "2026-02-27", "earnings": "1"}]},
                      format="json").status_code == 404
    # an unknown payroll number in moj's own address is a 404
    assert writer.get("/api/v1/departments/moj/payroll/employees/D0100/earnings-history/").status_code == 404
