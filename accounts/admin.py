from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse

from accounts.forms import LimitedAdminAuthenticationForm
from accounts.gdpr import user_data_export
from accounts.models import ActivityLog, ErasureRecord, NotificationPreferences, User

# The admin's login checks the failed-login limits first (the backend enforces them anyway).
admin.site.login_form = LimitedAdminAuthenticationForm


class NotificationPreferencesInline(admin.StackedInline):
    model = NotificationPreferences
    can_delete = False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_active", "is_staff", "date_joined", "deleted_at"]
    list_filter = ["is_active", "is_staff", "is_superuser", ("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["email", "name"]
    date_hierarchy = "date_joined"
    readonly_fields = ["date_joined", "last_login"]
    inlines = [NotificationPreferencesInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["name", "timezone"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["date_joined", "last_login", "deleted_at"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    actions = ["export_personal_data"]

    @admin.action(description="Export the selected user's data (JSON)")
    def export_personal_data(self, request: HttpRequest, queryset: QuerySet[User]) -> HttpResponse | None:
        # The same document as `gdpr_export` and GET /api/v1/auth/me/export.
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one user to export.", level=messages.ERROR)
            return None
        user = queryset.get()
        response = JsonResponse(user_data_export(user=user), json_dumps_params={"indent": 2, "ensure_ascii": False})
        response["Content-Disposition"] = f'attachment; filename="dealscout-user-{user.pk}.json"'
        return response


@admin.register(NotificationPreferences)
class NotificationPreferencesAdmin(admin.ModelAdmin):
    list_display = ["user", "email_enabled", "frequency", "quiet_hours_start", "quiet_hours_end", "hourly_cap"]
    list_filter = ["email_enabled", "frequency"]
    search_fields = ["user__email"]
    list_select_related = ["user"]


@admin.register(ActivityLog)
class ActivityLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["user__email", "action", "object_id"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    readonly_fields = ["user", "action", "object_type", "object_id", "details", "created_at"]


@admin.register(ErasureRecord)
class ErasureRecordAdmin(admin.ModelAdmin):
    """The audit trail of erasures: who asked and when, never who the person was."""

    list_display = ["erased_at", "reason", "requested_at", "rows_deleted"]
    list_filter = ["reason"]
    search_fields = ["email_hmac"]
    date_hierarchy = "erased_at"
    readonly_fields = ["email_hmac", "reason", "requested_at", "erased_at", "rows_deleted"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ErasureRecord | None = None) -> bool:
        return False
