"""Structure that keeps the walls up: checked as code, not left to convention (STYLE.md §12)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver

from departments.api_base import DepartmentScopedApi
from departments.models import DepartmentOwnedModel
from departments.rls import POLICY_NAME, REPORTING_POLICY_NAME
from departments.tasking import DepartmentTask, PlatformTask
from departments.web import DepartmentPageMixin
from shared_services.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent.parent
PROJECT_PACKAGES = ("shared_services", "departments", "hr", "finance", "payroll", "onboarding")
# Routes under /api/v1/ that are about the caller, not one department.
# The payroll calculation is stateless: it reads and stores no department's data.
API_ROUTES_WITHOUT_DEPARTMENT = {"api/v1/", "api/v1/me/", "api/v1/departments/", "api/v1/payroll/calculations"}


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def _view_class(pattern: URLPattern):
    return getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)


ROUTES = list(_walk(get_resolver().url_patterns))


def test_every_api_route_is_department_scoped_or_allowlisted():
    for route, pattern in ROUTES:
        if not route.startswith("api/v1/"):
            continue
        if route in API_ROUTES_WITHOUT_DEPARTMENT:
            continue
        assert route.startswith(("api/v1/departments/<slug:department_slug>/",
                                  "api/v1/me/departments/<slug:department_slug>/")), route
        view_class = _view_class(pattern)
        assert view_class is not None, route
        assert issubclass(view_class, DepartmentScopedApi), f"{route} must be served by a DepartmentScopedApi subclass"


def test_every_route_with_a_department_in_it_goes_through_a_department_base():
    department_routes = [(route, pattern) for route, pattern in ROUTES if "department_slug" in route]
    assert department_routes
    for route, pattern in department_routes:
        view_class = _view_class(pattern)
        assert view_class is not None, f"{route} is a function view; use DepartmentPageMixin or DepartmentScopedApi"
        assert issubclass(view_class, DepartmentScopedApi | DepartmentPageMixin), route


def test_department_api_subclasses_may_not_override_the_wall():
    with pytest.raises(TypeError, match="overrides initial"):
        type("SneakyApi", (DepartmentScopedApi,), {"initial": lambda self, request: None})


@pytest.mark.django_db
def test_every_department_owned_table_has_forced_rls_and_the_policies():
    tables = {model._meta.db_table for model in apps.get_models() if issubclass(model, DepartmentOwnedModel)}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = ANY(%s)", [list(tables)]
        )
        security = {name: (enabled, forced) for name, enabled, forced in cursor.fetchall()}
        cursor.execute("SELECT tablename, policyname FROM pg_policies WHERE tablename = ANY(%s)", [list(tables)])
        policies = {(table, policy) for table, policy in cursor.fetchall()}
    for table in tables:
        assert security.get(table) == (True, True), f"{table}: row-level security must be enabled and forced"
        assert (table, POLICY_NAME) in policies, f"{table} lacks the {POLICY_NAME} policy"
        assert (table, REPORTING_POLICY_NAME) in policies, f"{table} lacks the {REPORTING_POLICY_NAME} policy"


@pytest.mark.django_db
def test_every_table_with_a_department_column_is_a_department_owned_model():
    owned = {model._meta.db_table for model in apps.get_models() if issubclass(model, DepartmentOwnedModel)}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.table_name FROM information_schema.columns c JOIN information_schema.tables t "
            "ON t.table_name = c.table_name AND t.table_schema = c.table_schema "
            "WHERE c.column_name = 'department_id' AND c.table_schema = 'public' AND t.table_type = 'BASE TABLE'"
        )
        with_column = {row[0] for row in cursor.fetchall()}
    # Global access tables point at a department but are read before any context exists (TENANCY.md §1).
    global_tables = {"departments_departmentmembership", "departments_operatorassignment", "departments_apitoken",
                     "departments_identityprovider"}
    assert with_column - global_tables == owned


@pytest.mark.django_db
def test_every_foreign_key_between_department_owned_models_has_a_composite_constraint():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND condeferrable = false"
        )
        definitions = cursor.fetchall()
    for model in apps.get_models():
        if not issubclass(model, DepartmentOwnedModel):
            continue
        for field in model._meta.concrete_fields:
            target = field.related_model
            if field.is_relation and field.name != "department" and issubclass(target, DepartmentOwnedModel):
                expected = (
                    f"FOREIGN KEY (department_id, {field.column}) "
                    f"REFERENCES {target._meta.db_table}(department_id, id)"
                )
                assert (model._meta.db_table, expected) in definitions, (
                    f"{model._meta.label}.{field.name} needs AddDepartmentForeignKey in its migration"
                )


@pytest.mark.django_db
def test_views_are_security_invoker():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, coalesce(c.reloptions, '{}') FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'v' AND n.nspname = 'public'"
        )
        for name, options in cursor.fetchall():
            assert "security_invoker=true" in options, f"view {name} must be created WITH (security_invoker = true)"


@pytest.mark.django_db
def test_the_test_database_role_is_bound_by_row_level_security():
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (False, False)
        cursor.execute("SELECT pg_has_role(current_user, %s, 'USAGE')", [settings.DB_REPORTING_ROLE])
        assert cursor.fetchone() == (False,), "a member of the reporting role sees every department"
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [settings.DB_APP_ROLE])
        assert cursor.fetchone() == (False, False)


def test_every_project_celery_task_declares_a_department_or_platform_base():
    project_tasks = [
        task for name, task in celery_app.tasks.items() if name.split(".")[0] in PROJECT_PACKAGES
    ]
    for task in project_tasks:
        assert isinstance(task, DepartmentTask | PlatformTask), f"{task.name} must use DepartmentTask or PlatformTask"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _python_files(package: str):
    for path in (ROOT / package).rglob("*.py"):
        if "migrations" not in path.parts:
            yield path


# What each package may not import (DESIGN.md: shared_services <- departments <- hr <- finance <- payroll,
# and onboarding above hr and payroll).
FORBIDDEN_IMPORTS = {
    "departments": ("hr", "finance", "payroll", "onboarding"),
    "hr": ("finance", "payroll", "onboarding"),
    "finance": ("payroll", "onboarding"),
    "payroll": ("onboarding",),
    # Above hr and payroll, writing through their services; nothing imports onboarding.
    "onboarding": ("finance",),
}
# Project wiring (settings, root URLs, the Celery app) names every app by design.
WIRING = {"shared_services/urls.py", "shared_services/settings/base.py", "shared_services/settings/test.py",
          "shared_services/celery.py"}


@pytest.mark.parametrize("package", ["shared_services", *FORBIDDEN_IMPORTS])
def test_dependencies_point_one_way(package):
    forbidden = FORBIDDEN_IMPORTS.get(package, ("departments", "hr", "finance", "payroll", "onboarding"))
    for path in _python_files(package):
        relative = str(path.relative_to(ROOT))
        if relative in WIRING:
            continue
        for module in _imports(path):
            top = module.split(".")[0]
            assert top not in forbidden, f"{relative} imports {module}, which sits above {package}"


def test_payroll_engine_imports_nothing_from_django():
    engine = ROOT / "payroll" / "engine"
    if not engine.exists():
        pytest.skip("payroll/engine/ does not exist yet; this test guards it from the day it does")
    for path in engine.rglob("*.py"):
        for module in _imports(path):
            assert module.split(".")[0] not in ("django", "rest_framework", "celery", "departments", "hr"), (
                f"{path.relative_to(ROOT)} imports {module}; the engine must stay plain Python"
            )


def test_escape_hatch_manager_is_used_only_where_reviewed():
    allowed = {"departments/models.py"}
    for package in PROJECT_PACKAGES:
        if not (ROOT / package).exists():
            continue
        for path in _python_files(package):
            relative = str(path.relative_to(ROOT))
            if ".all_departments" in path.read_text() and relative not in allowed:
                pytest.fail(f"{relative} uses the all_departments escape hatch outside the reviewed modules")


def test_onboarding_writes_hr_and_payroll_data_only_through_their_services():
    """DESIGN.md: onboarding sits above hr and payroll and writes through their services, so it may
    not import their models (a validator that lives beside a model is allowed)."""
    allowed = {("hr.models.organisation", "CODE_VALIDATOR")}
    for path in _python_files("onboarding"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in ("hr", "payroll"):
                if ".models" in f".{node.module}." or node.module.endswith("models"):
                    for alias in node.names:
                        assert (node.module, alias.name) in allowed, (
                            f"{path.relative_to(ROOT)} imports {alias.name} from {node.module}; use the app's services"
                        )


def _app_of(module: str) -> str | None:
    """The project app a dotted module belongs to (shared_services holds several: core, accounts …)."""
    parts = module.split(".")
    if parts[0] not in PROJECT_PACKAGES:
        return None
    return ".".join(parts[:2]) if parts[0] == "shared_services" else parts[0]


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _is_module(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _private_names_used_from_other_apps(path: Path, own_app: str) -> list[str]:
    """``from x import _name``, and ``_name`` read off a module bound by ``import x`` or ``from x import y``.

    The names returned are those of other project apps; standard-library and third-party ones are not checked.
    """
    tree = ast.parse(path.read_text(), filename=str(path))
    bound: dict[str, str] = {}  # local name -> the dotted module (or object) it stands for
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    bound[alias.asname] = alias.name
                else:
                    bound[alias.name.split(".")[0]] = alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            app = _app_of(node.module)
            for alias in node.names:
                bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
                if app not in (None, own_app) and _is_private(alias.name):
                    found.append(f"from {node.module} import {alias.name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _is_private(node.attr):
            base = _dotted(node.value)
            if base is None:
                continue
            head, _, rest = base.partition(".")
            module = bound.get(head)
            if module is None:
                continue
            target = f"{module}.{rest}" if rest else module
            # Only modules: an underscore attribute of a class (a model's _meta) is that class's API.
            if _app_of(target) not in (None, own_app) and _is_module(target):
                found.append(f"{target}.{node.attr}")
    return found


@pytest.mark.parametrize("package", PROJECT_PACKAGES)
def test_no_app_uses_another_apps_underscore_names(package):
    """An underscore name is its app's own business: what other apps need is made public, in the
    lowest layer that may hold it (API plumbing in departments.api_helpers, form fields in
    shared_services.core.forms)."""
    for path in _python_files(package):
        relative = path.relative_to(ROOT)
        own_app = _app_of(".".join(relative.with_suffix("").parts))
        assert own_app is not None
        found = _private_names_used_from_other_apps(path, own_app)
        assert not found, f"{relative} uses another app's private names: {', '.join(found)}"


def test_the_private_name_rule_catches_both_forms(tmp_path):
    # given a finance module that reaches into hr twice
    module = tmp_path / "apis.py"
    module.write_text("from hr.apis import _service_errors as errors\nimport hr.apis\nfrom hr import forms\n"
                      "hr.apis._caller\nforms._decimal\nerrors.__name__\n")
    # when
    found = _private_names_used_from_other_apps(module, "finance")
    # then
    assert found == ["from hr.apis import _service_errors", "hr.apis._caller", "hr.forms._decimal"]
    assert _private_names_used_from_other_apps(module, "hr") == []
