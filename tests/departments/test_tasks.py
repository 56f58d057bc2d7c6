"""Celery task bases: a department task runs in its department, anything else touches no department data."""

from __future__ import annotations

import pytest
from django.db import connection

from departments.models import Department
from departments.tasking import DepartmentTask, PlatformTask
from departments.tenancy import NoDepartmentContext, department_context
from shared_services.celery import app
from tests.factories import FolderFactory
from tests.tenancy_fixture.models import Folder


@app.task(base=DepartmentTask, name="tests.rename_folders")
def rename_folders(department_id: int, title: str) -> list[str]:
    seen = list(Folder.objects.order_by("id").values_list("title", flat=True))
    Folder.objects.update(title=title)
    return seen


@app.task(name="tests.read_folders_without_a_base")
def read_folders_without_a_base() -> int:
    return Folder.objects.count()


@app.task(base=PlatformTask, name="tests.fan_out")
def fan_out() -> list[int]:
    department_ids = list(Department.objects.order_by("id").values_list("id", flat=True))
    for department_id in department_ids:
        rename_folders.delay(department_id, "renamed by the nightly job")
    return department_ids


@pytest.mark.django_db(transaction=True)
def test_department_task_sees_only_its_department_and_commits(moj, dft):
    # given a folder in each department
    FolderFactory(department=moj.department, title="moj")
    FolderFactory(department=dft.department, title="dft")
    # when the task runs for moj (eagerly, as a worker would)
    seen = rename_folders.delay(moj.id, "renamed").get()
    # then it saw moj's folder only, its write committed, and it left no setting on the connection
    assert seen == ["moj"]
    with department_context(moj.id):
        assert list(Folder.objects.values_list("title", flat=True)) == ["renamed"]
    with department_context(dft.id):
        assert list(Folder.objects.values_list("title", flat=True)) == ["dft"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('app.department_id', true)")
        assert cursor.fetchone()[0] in ("", None)


@pytest.mark.django_db
def test_a_task_without_a_department_base_cannot_read_department_data(moj, in_department):
    # even when the caller had a department open, the default base clears it
    with in_department(moj), pytest.raises(NoDepartmentContext):
        read_folders_without_a_base.apply().get()


@pytest.mark.django_db(transaction=True)
def test_platform_task_fans_out_one_department_task_per_department(moj, dft):
    FolderFactory(department=moj.department, title="moj")
    FolderFactory(department=dft.department, title="dft")
    assert fan_out.delay().get() == [moj.id, dft.id]
    for department in (moj, dft):
        with department_context(department.id):
            assert Folder.objects.get().title == "renamed by the nightly job"


def test_department_task_refuses_a_missing_department_id():
    with pytest.raises(ValueError, match="positive integer"):
        rename_folders.apply(args=[None, "x"]).get()
