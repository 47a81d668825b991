from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from alerts.models import Alert
from alerts.services import alert_retry


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "channel", "status", "attempts", "price", "currency", "sent_at", "read_at"]
    list_filter = ["status", "kind", "channel"]
    search_fields = ["user__email", "listing__title", "search__name", "error"]
    date_hierarchy = "created_at"
    list_select_related = ["user", "listing"]
    raw_id_fields = ["user", "search", "listing"]
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
