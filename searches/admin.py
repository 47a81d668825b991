from __future__ import annotations

from django.contrib import admin

from searches.models import Match, Search


class MatchInline(admin.TabularInline):
    model = Match
    extra = 0
    fields = ["listing", "deal_score", "score_explanation", "matched_at", "saved", "dismissed"]
    readonly_fields = ["listing", "deal_score", "score_explanation", "matched_at"]
    raw_id_fields = ["listing"]
    ordering = ["-matched_at"]
    show_change_link = True


@admin.register(Search)
class SearchAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "owner",
        "query",
        "min_price",
        "max_price",
        "currency",
        "is_active",
        "interval_minutes",
        "next_run_at",
        "last_run_at",
    ]
    list_filter = ["is_active", "condition", "marketplaces", "currency"]
    search_fields = ["name", "query", "owner__email"]
    date_hierarchy = "created_at"
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]
    filter_horizontal = ["marketplaces"]
    inlines = [MatchInline]


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    list_display = ["listing", "search", "deal_score", "matched_at", "saved", "dismissed"]
    list_filter = ["saved", "dismissed", "listing__marketplace"]
    search_fields = ["listing__title", "search__name", "search__owner__email"]
    date_hierarchy = "matched_at"
    list_select_related = ["listing", "search"]
    raw_id_fields = ["search", "listing"]
