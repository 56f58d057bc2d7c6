"""Platform administration: a read-only view of the global tenancy tables.

Access is granted and taken away through the services (which audit every change), never by
editing these rows here; department data is not shown at all.
"""

from typing import Any

from django.contrib import admin

from departments.models import ApiToken, Department, DepartmentMembership, OperatorAssignment


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Department)
class DepartmentAdmin(ReadOnlyAdmin):
    list_display = ["slug", "name", "employer_paye_reference", "is_active"]
    search_fields = ["slug", "name"]


@admin.register(DepartmentMembership)
class DepartmentMembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "department", "role", "granted_at", "ended_at"]
    list_filter = ["department", "role"]
    search_fields = ["user__email"]


@admin.register(OperatorAssignment)
class OperatorAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["user", "department", "role", "valid_from", "valid_to"]
    list_filter = ["department"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["name", "department", "key_prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["department"]
    exclude = ["key_hash"]
