from __future__ import annotations

from django.contrib import admin

from alerts.models import Alert


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "channel", "status", "attempts", "price", "currency", "sent_at", "read_at"]
    list_filter = ["status", "kind", "channel"]
    search_fields = ["user__email", "listing__title", "search__name", "error"]
    date_hierarchy = "created_at"
    list_select_related = ["user", "listing"]
    raw_id_fields = ["user", "search", "listing"]
    readonly_fields = ["event_key", "created_at", "sent_at", "error"]
