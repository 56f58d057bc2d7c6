"""Database privileges the application and reporting roles get after every migrate."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connections

from departments.models import AuditEvent


def grant_application_roles(using: str = "default", **kwargs: Any) -> None:
    """DML on every table for the application role, never DDL or TRUNCATE; audit rows insert-only.

    Department-owned tables get their grants from ``EnableDepartmentRLS`` too; this covers the
    global tables (users, sessions, departments) and sequences.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        if cursor.fetchone()[0] == settings.DB_APP_ROLE:
            return  # the app role cannot grant; migrations run as the owner
        qn = connection.ops.quote_name
        app_role, reporting_role = qn(settings.DB_APP_ROLE), qn(settings.DB_REPORTING_ROLE)
        audit_table = qn(AuditEvent._meta.db_table)
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {app_role}, {reporting_role}")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app_role}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app_role}")
        cursor.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {audit_table} FROM {app_role}")
        cursor.execute(f"GRANT SELECT ON departments_department TO {reporting_role}")
