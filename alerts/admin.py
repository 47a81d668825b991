from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from alerts.models import Alert, Delivery, Notification, NotificationChannel
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
    list_display = ["id", "notification", "channel", "status", "attempts", "next_attempt_at", "sent_at", "error"]
    list_filter = ["status", "channel__kind"]
    raw_id_fields = ["notification", "channel"]
    readonly_fields = ["claimed_at", "created_at", "sent_at", "error"]
