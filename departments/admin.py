"""Platform administration of global tables only; department data is never edited here."""

from django.contrib import admin

from departments.models import ApiToken, Department, DepartmentMembership, OperatorAssignment


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "employer_paye_reference", "is_active"]
    search_fields = ["slug", "name"]


@admin.register(DepartmentMembership)
class DepartmentMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "department", "role", "granted_at", "ended_at"]
    list_filter = ["department", "role"]
    search_fields = ["user__email"]


@admin.register(OperatorAssignment)
class OperatorAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "department", "role", "valid_from", "valid_to"]
    list_filter = ["department"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "department", "key_prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["department"]
    readonly_fields = ["key_prefix", "key_hash", "user", "created_at", "last_used_at"]

    def has_add_permission(self, request: object) -> bool:
        return False  # tokens are created with create_api_client, which shows the secret once
