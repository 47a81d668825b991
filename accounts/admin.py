from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import ActivityLog, NotificationPreferences, User


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
