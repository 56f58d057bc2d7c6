"""The department context, the scoped manager and row-level security, each shown holding alone."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, ProgrammingError, connection, transaction

from departments.models import AuditEvent
from departments.tenancy import (
    CrossDepartmentAccess,
    NoDepartmentContext,
    activate_department,
    current_department_id,
    department_context,
    no_department_context,
)
from tests.factories import AuditEventFactory, FolderFactory, NoteFactory
from tests.tenancy_fixture.models import Folder, Note

pytestmark = pytest.mark.django_db


def _database_department() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('app.department_id', true)")
        return cursor.fetchone()[0]


def test_orm_query_without_context_fails_loudly(moj):
    # given a folder in moj
    FolderFactory(department=moj.department)
    # when / then: reading department data with no context raises, it never returns all rows
    with pytest.raises(NoDepartmentContext):
        list(Folder.objects.all())
    with pytest.raises(NoDepartmentContext):
        Folder.objects.count()
    with pytest.raises(NoDepartmentContext):
        Folder.objects.filter(title="x").update(title="y")


def test_escape_hatch_manager_without_context_sees_nothing_because_of_rls(moj):
    # given
    FolderFactory(department=moj.department)
    # when: the bypass manager skips the ORM guard
    rows = list(Folder.all_departments.all())
    # then: the database still returns no rows, because no department is set
    assert rows == []


def test_scoped_query_sees_only_its_own_department(moj, dft, in_department):
    # given one folder in each department
    mine = FolderFactory(department=moj.department, title="moj folder")
    FolderFactory(department=dft.department, title="dft folder")
    # when
    with in_department(moj):
        titles = list(Folder.objects.values_list("title", flat=True))
        escape_hatch_titles = list(Folder.all_departments.values_list("title", flat=True))
    # then: the ORM filter and RLS agree
    assert titles == [mine.title]
    assert escape_hatch_titles == [mine.title]


def test_scoped_queryset_sql_carries_explicit_department_filter(moj, in_department):
    with in_department(moj):
        sql = str(Folder.objects.filter(title="a").query)
    assert f'"tenancy_fixture_folder"."department_id" = {moj.id}' in sql


def test_class_level_queryset_is_guarded_and_scoped_at_evaluation(moj, dft, in_department):
    # given a queryset built with no context, as a serializer field declared at import would be
    declared_at_import = Folder.objects.all()
    FolderFactory(department=moj.department, title="moj")
    FolderFactory(department=dft.department, title="dft")
    # when / then: evaluating it with no context raises
    with pytest.raises(NoDepartmentContext):
        list(declared_at_import.all())
    # and in a context it returns only that department's rows
    with in_department(dft):
        assert [folder.title for folder in declared_at_import.all()] == ["dft"]


def test_queryset_built_in_one_department_cannot_run_in_another(moj, dft, in_department):
    with in_department(moj):
        built_for_moj = Folder.objects.filter(title__startswith="F")
    with in_department(dft), pytest.raises(CrossDepartmentAccess):
        list(built_for_moj)


def test_nested_context_of_the_same_department_restores_outer(moj, in_department):
    with in_department(moj):
        with in_department(moj):
            assert current_department_id() == moj.id
        assert current_department_id() == moj.id
        assert _database_department() == str(moj.id)
    assert current_department_id() is None
    assert _database_department() in ("", None)


def test_entering_another_department_inside_one_is_refused(moj, dft, in_department):
    # one unit of work acts on one department: a view for moj cannot write dft's rows
    with in_department(moj), pytest.raises(CrossDepartmentAccess), in_department(dft):
        pass


def test_platform_code_switches_by_leaving_first_and_both_layers_are_restored(moj, dft, in_department):
    with in_department(moj):
        with no_department_context(), in_department(dft):
            assert current_department_id() == dft.id
            assert _database_department() == str(dft.id)
        assert current_department_id() == moj.id
        assert _database_department() == str(moj.id)


def test_context_left_by_an_exception_restores_outer(moj, in_department):
    with in_department(moj):
        with pytest.raises(ZeroDivisionError), in_department(moj):
            1 / 0  # noqa: B018
        assert current_department_id() == moj.id
        assert _database_department() == str(moj.id)


def test_rows_cached_for_one_department_are_not_served_in_another(moj, dft, in_department):
    # given a queryset declared with no department, evaluated in moj's context
    FolderFactory(department=moj.department, title="moj")
    shared = Folder.objects.all()
    with in_department(moj):
        assert [folder.title for folder in shared] == ["moj"]
    # when the same object is read again in dft's context, then its cached rows are refused
    with in_department(dft), pytest.raises(CrossDepartmentAccess):
        list(shared)


def test_saving_a_row_of_another_department_in_context_is_refused(moj, dft, in_department):
    with in_department(moj), pytest.raises(CrossDepartmentAccess):
        Folder(department=dft.department, title="smuggled").save()


def test_database_refuses_a_write_for_another_department(moj, dft, in_department):
    # given moj's context, when a row for dft is inserted below the ORM guard
    with in_department(moj), pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO tenancy_fixture_folder (department_id, title) VALUES (%s, 'smuggled')", [dft.id]
            )


def test_raw_sql_as_the_app_role_sees_and_changes_only_its_department(moj, dft, in_department, as_app_role):
    # given
    FolderFactory(department=moj.department, title="moj")
    theirs = FolderFactory(department=dft.department, title="dft")
    # when: raw SQL as the application role, in moj's context
    with in_department(moj), as_app_role(), connection.cursor() as cursor:
        cursor.execute("SELECT title FROM tenancy_fixture_folder ORDER BY title")
        seen = [row[0] for row in cursor.fetchall()]
        cursor.execute("UPDATE tenancy_fixture_folder SET title = 'hijacked' WHERE id = %s", [theirs.id])
        updated = cursor.rowcount
        cursor.execute("DELETE FROM tenancy_fixture_folder WHERE id = %s", [theirs.id])
        deleted = cursor.rowcount
    # then
    assert seen == ["moj"]
    assert (updated, deleted) == (0, 0)
    with in_department(dft):
        assert Folder.objects.get(id=theirs.id).title == "dft"


def test_composite_foreign_key_blocks_cross_department_reference(moj, dft, in_department):
    # given a folder in dft
    their_folder = FolderFactory(department=dft.department)
    # when moj inserts a note pointing at it (a plain FK check would pass: it bypasses RLS)
    with in_department(moj), pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO tenancy_fixture_note (department_id, folder_id, text) VALUES (%s, %s, 'x')",
                [moj.id, their_folder.id],
            )


def test_note_in_the_same_department_is_accepted(moj, in_department):
    note = NoteFactory(department=moj.department)
    with in_department(moj):
        assert Note.objects.get(id=note.id).folder.department_id == moj.id


def test_leaked_contextvar_without_database_setting_still_returns_nothing(moj):
    # given a context variable left set, but a transaction without the database setting
    AuditEventFactory(department=moj.department)
    with transaction.atomic():
        token = activate_department(moj.id)
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('app.department_id', '', true)")
        try:
            # when
            rows = list(AuditEvent.objects.all())
        finally:
            from departments.tenancy import _current_department_id

            _current_department_id.reset(token)
    # then: the database layer holds alone
    assert rows == []


def test_department_context_rejects_a_non_id():
    with pytest.raises(ValueError, match="positive integer"), department_context("moj"):  # type: ignore[arg-type]
        pass


def test_bulk_create_takes_the_department_from_the_context_even_from_a_generator(moj, dft, in_department):
    # when rows without a department are bulk-created from a generator in moj's context
    with in_department(moj):
        Folder.objects.bulk_create(Folder(title=f"bulk {n}") for n in range(3))
        # then all of them are stored, as moj's
        assert Folder.objects.filter(title__startswith="bulk").count() == 3
    with in_department(dft):
        assert not Folder.objects.exists()
    # and a row of another department is refused
    with in_department(dft), pytest.raises(CrossDepartmentAccess):
        Folder.objects.bulk_create([Folder(department=moj.department, title="smuggled")])
