from django.contrib import admin

from shared_services.accounts.models import User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["email", "full_name", "kind", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    list_filter = ["kind", "is_active", "is_staff"]
    exclude = ["password", "user_permissions", "groups"]
    # Platform-wide powers are not handed out from a web form.
    readonly_fields = ["last_login", "date_joined", "is_superuser", "is_staff", "kind"]
