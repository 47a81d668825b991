from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from alerts.models import Alert, Delivery, Notification, NotificationChannel, UserNotice
from alerts.services import alert_retry


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "status", "held_for", "notification", "price", "currency", "sent_at", "read_at"]
    list_filter = ["status", "kind", "held_for"]
    search_fields = ["user__email", "listing__title", "search__name", "error"]
    date_hierarchy = "created_at"
    list_select_related = ["user", "listing"]
    raw_id_fields = ["user", "search", "listing", "notification"]
    # What happened is a record: the operator retries, never rewrites it.
    readonly_fields = ["kind", "event_key", "price", "currency", "attempts", "error", "created_at", "sent_at", "next_attempt_at"]
    actions = ["retry_failed"]
    show_full_result_count = False

    @admin.action(description="Retry the selected failed alerts")
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[Alert]) -> None:
        retried = alert_retry(alert_ids=list(queryset.values_list("pk", flat=True)))
        skipped = queryset.count() - retried
        self.message_user(request, f"{retried} alert(s) queued for delivery again.", messages.SUCCESS)
        if skipped:
            self.message_user(request, f"{skipped} selected alert(s) had not failed and were left alone.", messages.WARNING)


@admin.register(NotificationChannel)
class NotificationChannelAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "kind", "label", "enabled", "disabled_reason", "created_at"]
    list_filter = ["kind", "enabled"]
    search_fields = ["user__email", "label"]
    raw_id_fields = ["user"]
    # The secret is never in a form or a page: only its masked form is shown.
    exclude = ["secret"]
    readonly_fields = ["masked_secret", "disabled_at", "created_at"]

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        # `?secret__startswith=w` would answer "1 result" or "0": a secret recovered a
        # character at a time. Secrets and the config (a webhook URL may hold a token)
        # are never filtered on; Django answers 400 (DisallowedModelAdminLookup).
        if refuses_secret_lookup(lookup):
            return False
        return super().lookup_allowed(lookup, value, request)


SECRET_LOOKUP_FIELDS = ("secret", "config")


def refuses_secret_lookup(lookup: str) -> bool:
    """True for a changelist lookup that touches a channel's secret or config, directly or through a relation."""
    parts = lookup.split("__")
    return any(part in SECRET_LOOKUP_FIELDS for part in parts)


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    fields = readonly_fields = ("channel", "status", "attempts", "next_attempt_at", "sent_at", "error")
    can_delete = False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        return not refuses_secret_lookup(lookup) and super().lookup_allowed(lookup, value, request)

    list_display = ["id", "notification", "channel", "status", "attempts", "next_attempt_at", "sent_at", "error"]
    list_filter = ["status", "channel__kind"]
    raw_id_fields = ["notification", "channel"]
    readonly_fields = ["claimed_at", "created_at", "sent_at", "error"]


@admin.register(UserNotice)
class UserNoticeAdmin(admin.ModelAdmin):
    """Service notices sent (a marketplace someone depends on broke, or works again): a record."""

    list_display = ["created_at", "user", "key", "subject", "channels_sent", "sent_at"]
    search_fields = ["user__email", "key", "subject"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    readonly_fields = ["user", "key", "subject", "text", "created_at", "sent_at", "channels_sent", "error"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
