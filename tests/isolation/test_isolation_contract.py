"""The isolation contract, run over every department-owned model and every department API route
(TENANCY.md §8).

A model joins this test by existing: it is discovered from the app registry, and the test fails
until it has a factory in ``tests/factories`` (registered through ``DepartmentOwnedFactory``).
A route joins by being in the URL configuration under ``/api/v1/departments/<slug>/`` or
``/api/v1/me/departments/<slug>/``.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.db import IntegrityError, ProgrammingError, connection, models, transaction
from django.urls import URLPattern, URLResolver, get_resolver

from departments.models import DepartmentOwnedModel
from departments.roles import TOKEN_SCOPES
from departments.services import api_token_create
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


def _department_api_routes() -> list[tuple[str, type]]:
    """Every route under /api/v1/departments/<slug>/ and /api/v1/me/departments/<slug>/, found from
    the URL configuration."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                view_class = getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)
                yield prefix + str(pattern.pattern), view_class

    return [(route, view) for route, view in walk(get_resolver().url_patterns)
            if route.startswith(("api/v1/departments/<slug:department_slug>/",
                                 "api/v1/me/departments/<slug:department_slug>/"))]


def test_every_department_api_route_answers_404_to_another_departments_token(moj, dft, api_client):
    # given a dft token holding every scope a token may carry
    _, raw = api_token_create(department=dft.department, name="Everything", acting_user=None, scopes=TOKEN_SCOPES)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    routes = _department_api_routes()
    assert any("/payroll/runs/" in route for route, _ in routes)
    # when it calls each of moj's addresses with each method the route handles
    answers = {}
    for route, view in routes:
        path = "/" + re.sub(r"<(?:(\w+):)?(\w+)>", lambda match: moj.slug if match.group(2) == "department_slug"
                            else "1" if match.group(1) == "int" else "x", route)
        for method in view.required_scopes:
            answers[f"{method} {path}"] = getattr(api_client, method.lower())(path).status_code
    # then every one is "not found", as if moj did not exist
    assert {call: status for call, status in answers.items() if status != 404} == {}
