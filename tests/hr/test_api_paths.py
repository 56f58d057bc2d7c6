"""The HR API lives under .../hr/ like finance and payroll; the first paths, without hr/, still
answer alike and the schema marks them deprecated."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db

OLD = "/api/v1/departments/{department_slug}/"
NEW = "/api/v1/departments/{department_slug}/hr/"


def test_an_hr_resource_answers_alike_on_the_hr_path_and_the_old_one(api_client, moj, organisation):
    # given
    api_client.force_login(moj.hr_officer)
    # when
    new = api_client.get(f"/api/v1/departments/{moj.slug}/hr/grades/")
    old = api_client.get(f"/api/v1/departments/{moj.slug}/grades/")
    # then
    assert (new.status_code, old.status_code) == (200, 200)
    assert new.json() == old.json()
    assert "EO" in {grade["code"] for grade in new.json()}


def test_the_old_path_keeps_the_department_wall(api_client, moj, dft, organisation):
    # given someone from another department
    api_client.force_login(dft.hr_officer)
    # when
    responses = [api_client.get(f"/api/v1/departments/{moj.slug}/{path}grades/") for path in ("hr/", "")]
    # then
    assert [response.status_code for response in responses] == [404, 404]


def test_route_names_reverse_to_the_hr_path(moj):
    # when
    current = reverse("hr-api:grades", kwargs={"department_slug": moj.slug})
    deprecated = reverse("hr-api-deprecated:grades", kwargs={"department_slug": moj.slug})
    # then
    assert (current, deprecated) == (f"/api/v1/departments/{moj.slug}/hr/grades/",
                                     f"/api/v1/departments/{moj.slug}/grades/")


ABSENCE_PATHS = ("/family-leaves/", "/unauthorised-absences/", "/sick-pay-allowance/", "/absence-pay-schemes/",
                 "/working-patterns/", "/leave-types/{code}/")


def test_the_schema_marks_every_old_hr_path_deprecated_and_no_new_one(tmp_path):
    # given
    schema_file = tmp_path / "schema.yaml"
    # when
    call_command("spectacular", "--fail-on-warn", "--file", str(schema_file))
    # then
    paths = yaml.safe_load(schema_file.read_text())["paths"]
    # Absence routes came after the move to hr/ and were never published without it.
    new = {path: operations for path, operations in paths.items() if path.startswith(NEW)
           and not any(part in path for part in ABSENCE_PATHS)}
    old = {path: operations for path, operations in paths.items()
           if path.startswith(OLD) and path.removeprefix(OLD).split("/")[0] in
           {"employees", "organisation-units", "grades", "leave-types", "leave-requests"}}
    assert set(old) == {NEW.replace("/hr/", "/") + path.removeprefix(NEW) for path in new}
    assert len(new) == 16
    for operations in new.values():
        assert not any(operation.get("deprecated") for operation in operations.values())
    for operations in old.values():
        assert all(operation["deprecated"] is True for operation in operations.values())
        assert all(operation["operationId"].endswith("_deprecated") for operation in operations.values())
    assert paths[NEW + "employees/"]["get"]["operationId"] == "hr_employees_list"
    assert paths[OLD + "employees/"]["get"]["operationId"] == "hr_employees_list_deprecated"
