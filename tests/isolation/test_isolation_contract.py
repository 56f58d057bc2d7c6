"""The isolation contract, run over every department-owned model (TENANCY.md §8).

A model joins this test by existing: it is discovered from the app registry, and the test fails
until it has a factory in ``tests/factories`` (registered through ``DepartmentOwnedFactory``).
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import IntegrityError, ProgrammingError, connection, models, transaction

from departments.models import DepartmentOwnedModel
from departments.tenancy import CrossDepartmentAccess
from tests.factories import DEPARTMENT_OWNED_FACTORIES

pytestmark = pytest.mark.django_db

DEPARTMENT_OWNED_MODELS = sorted(
    (model for model in apps.get_models() if issubclass(model, DepartmentOwnedModel)),
    key=lambda model: model._meta.label,
)
ids = [model._meta.label for model in DEPARTMENT_OWNED_MODELS]


def _department_owned_foreign_keys(model: type[models.Model]) -> list[models.ForeignKey]:
    return [
        field
        for field in model._meta.get_fields()
        if isinstance(field, models.ForeignKey)
        and field.name != "department"
        and issubclass(field.related_model, DepartmentOwnedModel)
    ]


def _rows_changed(cursor, statement: str, pk: int) -> int:
    """Rows a statement changed; 0 when the role may not run it at all (e.g. the append-only audit log)."""
    try:
        with transaction.atomic():
            cursor.execute(statement, [pk])
            return cursor.rowcount
    except ProgrammingError as error:
        if "permission denied" not in str(error):
            raise
        return 0


FOREIGN_KEY_CASES = [
    (model, field) for model in DEPARTMENT_OWNED_MODELS for field in _department_owned_foreign_keys(model)
]


def test_the_contract_covers_models():
    assert len(DEPARTMENT_OWNED_MODELS) >= 3
    assert FOREIGN_KEY_CASES, "no department-owned foreign key to check composite constraints on"


@pytest.mark.parametrize("model", DEPARTMENT_OWNED_MODELS, ids=ids)
def test_every_department_owned_model_has_a_factory(model):
    assert model in DEPARTMENT_OWNED_FACTORIES, (
        f"{model._meta.label} has no factory: add one subclassing DepartmentOwnedFactory in tests/factories/"
    )


@pytest.mark.parametrize("model", DEPARTMENT_OWNED_MODELS, ids=ids)
def test_rows_of_one_department_are_invisible_and_untouchable_from_another(model, moj, dft, in_department,
                                                                            as_app_role):
    # given a row in moj
    row = DEPARTMENT_OWNED_FACTORIES[model](department=moj.department)
    table = connection.ops.quote_name(model._meta.db_table)
    # when dft looks for it through the ORM, the escape hatch and raw SQL as the application role
    with in_department(dft):
        assert model.objects.filter(pk=row.pk).count() == 0
        assert not model.all_departments.filter(pk=row.pk).exists()
        with as_app_role(), connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {table} WHERE id = %s", [row.pk])
            seen = cursor.fetchone()[0]
            changed = [
                _rows_changed(cursor, f"UPDATE {table} SET department_id = department_id WHERE id = %s", row.pk),
                _rows_changed(cursor, f"DELETE FROM {table} WHERE id = %s", row.pk),
            ]
    # then
    assert seen == 0
    assert changed == [0, 0]
    with in_department(moj):
        assert model.objects.filter(pk=row.pk).count() == 1


@pytest.mark.parametrize("model", DEPARTMENT_OWNED_MODELS, ids=ids)
def test_a_row_for_another_department_cannot_be_created(model, moj, dft, in_department):
    # given a row of moj's built in memory, pointing only at moj's rows
    template = DEPARTMENT_OWNED_FACTORIES[model].build(department=moj.department)
    for field in _department_owned_foreign_keys(model):
        setattr(template, field.name, DEPARTMENT_OWNED_FACTORIES[field.related_model](department=moj.department))
    # when dft saves it: the ORM guard refuses
    with in_department(dft), pytest.raises(CrossDepartmentAccess):
        template.save()
    # and below the guard, the database's row-level security refuses
    with in_department(dft), pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
        models.Model.save(template)


@pytest.mark.parametrize(("model", "field"), FOREIGN_KEY_CASES,
                         ids=[f"{m._meta.label}.{f.name}" for m, f in FOREIGN_KEY_CASES])
def test_a_reference_into_another_department_is_rejected_by_the_database(model, field, moj, dft, in_department):
    # given a row in dft, and a row in moj it might point at
    theirs = DEPARTMENT_OWNED_FACTORIES[field.related_model](department=moj.department)
    mine = DEPARTMENT_OWNED_FACTORIES[model](department=dft.department)
    # when dft points its row at moj's
    with in_department(dft), pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=mine.pk).update(**{field.attname: theirs.pk})
