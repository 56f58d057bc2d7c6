"""The audit log page and its CSV download: filters by person, record, kind of action and dates,
bad filters explained, every matching row in the file, and nothing of another department."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.utils import timezone

from departments.audit_text import readable_action
from tests.factories.departments import AuditEventFactory

pytestmark = pytest.mark.django_db


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 30)))


@pytest.fixture
def log(moj, dft, in_department):
    """A few events in each department, by different people on different days."""
    with in_department(moj):
        AuditEventFactory(department=moj.department, actor=moj.hr_admin, action="employee.hire",
                          object_type="hr.employee", object_id="7", object_repr="Grace Lee (P0042)",
                          occurred_at=_at(datetime.date(2026, 4, 6)),
                          changes={"start_date": {"before": None, "after": "2026-04-06"}})
        AuditEventFactory(department=moj.department, actor=moj.hr_officer, action="employee.tax_code",
                          object_type="hr.employee", object_id="7", object_repr="Grace Lee (P0042)",
                          occurred_at=_at(datetime.date(2026, 5, 1)),
                          changes={"tax_code": {"before": "1257L", "after": "=HYPERLINK(\"http://x\")"}},
                          reason="+notice from HMRC")
        AuditEventFactory(department=moj.department, actor=moj.hr_admin, action="employee.hire",
                          object_type="hr.employee", object_id="8", object_repr="Ben Hughes (P0043)",
                          occurred_at=_at(datetime.date(2026, 6, 1)))
    with in_department(dft):
        AuditEventFactory(department=dft.department, actor=dft.hr_admin, action="employee.hire",
                          object_type="hr.employee", object_id="9", object_repr="Dana Secret (T0001)",
                          occurred_at=_at(datetime.date(2026, 5, 1)))


def _page(client, moj, **query):
    return client.get(f"/departments/{moj.slug}/audit-log/", query)


def _csv(client, moj, **query) -> list[list[str]]:
    response = client.get(f"/departments/{moj.slug}/audit-log/download.csv", query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_log_reads_as_sentences_not_codes(client, moj, log):
    # given
    client.force_login(moj.auditor)
    # when
    page = _page(client, moj).content.decode()
    # then
    assert f"{moj.hr_admin.full_name} added Grace Lee as a new employee" in page
    assert "Start date:</span> 6 April 2026" in page
    assert "<code>employee.hire</code>" not in page
    assert "Dana Secret" not in page


def test_filtering_by_person_keeps_only_their_changes_and_paging_keeps_the_filter(client, moj, log, in_department):
    # given 60 more changes by the HR officer, so the filtered log has two pages
    with in_department(moj):
        for number in range(60):
            AuditEventFactory(department=moj.department, actor=moj.hr_officer, action="grade.create",
                              object_repr=f"Grade {number}", changes={"name": {"before": None, "after": f"G{number}"}})
    client.force_login(moj.auditor)
    # when
    response = _page(client, moj, actor=moj.hr_officer.pk)
    # then
    described = response.context["described"]
    assert response.status_code == 200
    assert {item.event.actor_id for item in described} == {moj.hr_officer.pk}
    assert response.context["page"].paginator.count == 61
    assert f'href="?actor={moj.hr_officer.pk}&amp;page=2"' in response.content.decode()


def test_filtering_by_one_record_shows_its_history(client, moj, log):
    # given
    client.force_login(moj.auditor)
    # when a link from Grace Lee's record asks for her history
    response = _page(client, moj, object_type="hr.employee", object_id="7")
    # then
    page = response.content.decode()
    assert [item.event.object_id for item in response.context["described"]] == ["7", "7"]
    assert "Showing the history of <strong>Grace Lee (P0042)</strong>" in page
    assert "Ben Hughes" not in page.split("Matching changes")[1]


def test_filtering_by_dates_and_by_kind_of_action(client, moj, log):
    # given
    client.force_login(moj.auditor)
    # when
    response = _page(client, moj, **{"occurred_from-day": "1", "occurred_from-month": "5", "occurred_from-year": "2026",
                                     "occurred_to-day": "31", "occurred_to-month": "5", "occurred_to-year": "2026"})
    by_kind = _page(client, moj, action="employee.hire")
    # then
    assert [item.event.action for item in response.context["described"]] == ["employee.tax_code"]
    assert {item.event.action for item in by_kind.context["described"]} == {"employee.hire"}
    assert ("employee.hire", readable_action("employee.hire")) in by_kind.context["form"].fields["action"].choices


@pytest.mark.parametrize(("query", "message"), [
    ({"occurred_from-day": "31", "occurred_from-month": "2", "occurred_from-year": "2026"}, "From must be a real date"),
    ({"occurred_to-day": "1", "occurred_to-month": "", "occurred_to-year": "2026"}, "To must include a month"),
    ({"occurred_from-day": "2", "occurred_from-month": "5", "occurred_from-year": "2026",
      "occurred_to-day": "1", "occurred_to-month": "5", "occurred_to-year": "2026"},
     "The ‘to’ date must be the same as or after the ‘from’ date"),
    ({"actor": "not-a-person"}, "Select a person from the list"),
    ({"actor": "999999"}, "Select a person from the list"),
    ({"object_type": "hr.nothing"}, "Select a kind of record from the list"),
])
def test_bad_filters_are_explained_in_an_error_summary_never_a_server_error(client, moj, log, query, message):
    # given
    client.force_login(moj.auditor)
    # when
    response = _page(client, moj, **query)
    download = client.get(f"/departments/{moj.slug}/audit-log/download.csv", query)
    # then
    page = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in page
    assert message in page
    assert download.status_code == 400
    assert message in download.content.decode()


def test_the_csv_has_every_matching_row_in_words_and_defuses_formulas(client, moj, log, in_department):
    # given more changes than one page holds
    with in_department(moj):
        for number in range(55):
            AuditEventFactory(department=moj.department, actor=moj.hr_admin, action="grade.create",
                              object_repr=f"Grade {number}", changes={"name": {"before": None, "after": f"G{number}"},
                                                                      "code": {"before": None, "after": f"C{number}"}})
    client.force_login(moj.auditor)
    # when
    rows = _csv(client, moj)
    filtered = _csv(client, moj, object_type="hr.employee", object_id="7")
    # then
    assert rows[0] == ["When", "Who", "Through", "Action code", "Description", "Object", "Changes", "Reason"]
    assert len(rows) == 1 + 58
    assert [row[3] for row in filtered[1:]] == ["employee.tax_code", "employee.hire"]
    tax_code = filtered[1]
    assert tax_code[1] == moj.hr_officer.full_name
    assert tax_code[4] == f"{moj.hr_officer.full_name} changed Grace Lee's tax code to =HYPERLINK(\"http://x\")"
    assert tax_code[6].startswith("Tax code: 1257L → =HYPERLINK")  # inside the cell, not at its start
    assert tax_code[7] == "'+notice from HMRC"  # a cell starting with + is not run as a formula
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert not any("Dana Secret" in cell for row in rows for cell in row)


def test_the_log_and_its_download_need_audit_read(client, moj, log):
    # given an employee, who may not read the log
    client.force_login(moj.employee)
    # when
    page = _page(client, moj)
    download = client.get(f"/departments/{moj.slug}/audit-log/download.csv")
    # then
    assert page.status_code == 403
    assert download.status_code == 403


def test_another_departments_log_cannot_be_downloaded(client, moj, dft, log):
    # given the MoJ auditor
    client.force_login(moj.auditor)
    # when they ask for DfT's log
    response = client.get(f"/departments/{dft.slug}/audit-log/download.csv")
    # then there is nothing there for them
    assert response.status_code == 404


def test_the_api_describes_each_event_and_filters_like_the_page(api_client, moj, log):
    # given
    api_client.force_login(moj.auditor)
    url = f"/api/v1/departments/{moj.slug}/audit-events/"
    # when
    everything = api_client.get(url).json()
    hers = api_client.get(url, {"object_type": "hr.employee", "object_id": "7", "occurred_from": "2026-05-01"}).json()
    by_person = api_client.get(url, {"actor": moj.hr_officer.email}).json()
    bad = api_client.get(url, {"occurred_from": "2026-02-31"})
    backwards = api_client.get(url, {"occurred_from": "2026-05-02", "occurred_to": "2026-05-01"})
    # then
    assert everything["count"] == 3
    assert everything["results"][0]["description"] == f"{moj.hr_admin.full_name} added Ben Hughes as a new employee"
    assert everything["results"][0]["action"] == "employee.hire"
    assert [event["action"] for event in hers["results"]] == ["employee.tax_code"]
    assert [event["actor"] for event in by_person["results"]] == [moj.hr_officer.email]
    assert bad.status_code == 400
    assert [error["field"] for error in bad.json()["errors"]] == ["occurred_from"]
    assert backwards.status_code == 400
    assert [error["field"] for error in backwards.json()["errors"]] == ["occurred_to"]
