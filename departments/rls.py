"""Migration operations that build the database wall around department-owned tables.

Use them in the migration that creates the table::

    EnableDepartmentRLS("AuditEvent"),
    AddDepartmentForeignKey("Payslip", "employee"),

Role names come from settings, so migrations stay the same in every environment.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.backends.utils import names_digest, split_identifier  # type: ignore[attr-defined]
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ProjectState

POLICY_NAME = "department_isolation"
REPORTING_POLICY_NAME = "platform_reporting_read"
DEPARTMENT_SETTING = "app.department_id"

# The scalar sub-select is evaluated once per statement (an InitPlan); nullif() turns the empty
# string left after a transaction ends into NULL, so "no department" matches no rows.
POLICY_PREDICATE = f"department_id = nullif((SELECT current_setting('{DEPARTMENT_SETTING}', true)), '')::bigint"


def _constraint_name(table: str, suffix: str, *parts: str) -> str:
    """A name within PostgreSQL's 63-byte limit, stable for the same inputs."""
    _, bare_table = split_identifier(table)
    digest = names_digest(bare_table, *parts, length=8)
    return f"{bare_table[: 63 - len(suffix) - 10]}_{digest}_{suffix}"


def department_unique_name(table: str) -> str:
    return _constraint_name(table, "dept_id_uniq")


class EnableDepartmentRLS(Operation):
    """Enable and force row-level security with the department policy, and the grants, on a table.

    Also adds ``UNIQUE (department_id, id)`` so composite foreign keys can point at the table.
    """

    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str) -> None:
        self.model_name = model_name

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return self.__class__.__qualname__, [self.model_name], {}

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Database-only: the model state is unchanged."""

    def database_forwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        model = to_state.apps.get_model(app_label, self.model_name)
        table = schema_editor.quote_name(model._meta.db_table)
        qn = schema_editor.quote_name
        app_role, reporting_role = qn(settings.DB_APP_ROLE), qn(settings.DB_REPORTING_ROLE)
        unique_name = qn(department_unique_name(model._meta.db_table))
        for statement in (
            f"ALTER TABLE {table} ADD CONSTRAINT {unique_name} UNIQUE (department_id, id)",
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
            f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
            f"CREATE POLICY {POLICY_NAME} ON {table} USING ({POLICY_PREDICATE}) WITH CHECK ({POLICY_PREDICATE})",
            f"CREATE POLICY {REPORTING_POLICY_NAME} ON {table} FOR SELECT TO {reporting_role} USING (true)",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {app_role}",
            f"GRANT SELECT ON {table} TO {reporting_role}",
        ):
            schema_editor.execute(statement)

    def database_backwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        model = from_state.apps.get_model(app_label, self.model_name)
        table = schema_editor.quote_name(model._meta.db_table)
        qn = schema_editor.quote_name
        for statement in (
            f"DROP POLICY IF EXISTS {REPORTING_POLICY_NAME} ON {table}",
            f"DROP POLICY IF EXISTS {POLICY_NAME} ON {table}",
            f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY",
            f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY",
            f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {qn(department_unique_name(model._meta.db_table))}",
        ):
            schema_editor.execute(statement)

    def describe(self) -> str:
        return f"Enable department row-level security on {self.model_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"rls_{self.model_name.lower()}"


class AddDepartmentForeignKey(Operation):
    """``(department_id, <field>_id) → target(department_id, id)``, NOT DEFERRABLE.

    A plain foreign key check bypasses row-level security, so without this a row could point at
    another department's row. It must not be deferrable, or the violation would surface only at
    commit, after the code that caused it has moved on.
    """

    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str, field_name: str) -> None:
        self.model_name = model_name
        self.field_name = field_name

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return self.__class__.__qualname__, [self.model_name, self.field_name], {}

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Database-only: the model state is unchanged."""

    def _names(self, model: Any) -> tuple[str, str, str, str]:
        field = model._meta.get_field(self.field_name)
        target = field.related_model._meta.db_table
        name = _constraint_name(model._meta.db_table, "dept_fk", field.column)
        return model._meta.db_table, field.column, target, name

    def database_forwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        table, column, target, name = self._names(to_state.apps.get_model(app_label, self.model_name))
        qn = schema_editor.quote_name
        schema_editor.execute(
            f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} FOREIGN KEY (department_id, {qn(column)}) "
            f"REFERENCES {qn(target)} (department_id, id) NOT DEFERRABLE"
        )

    def database_backwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        table, _, _, name = self._names(from_state.apps.get_model(app_label, self.model_name))
        qn = schema_editor.quote_name
        schema_editor.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT IF EXISTS {qn(name)}")

    def describe(self) -> str:
        return f"Add department-matching foreign key on {self.model_name}.{self.field_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"dept_fk_{self.model_name.lower()}_{self.field_name}"


def for_each_department(apps: Any, function: Any) -> None:
    """Run ``function(apps, department)`` inside each department's context (data migrations)."""
    from departments.tenancy import department_context

    for department in apps.get_model("departments", "Department").objects.order_by("id"):
        with department_context(department.id):
            function(apps, department)
