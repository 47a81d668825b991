from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from listings.models import ExchangeRate, Listing, Marketplace, MarketplaceOutage, PriceObservation, ScrapeRun
from listings.scrape_health import scrape_health, task_queue_depth
from listings.services import marketplace_check, marketplaces_set_enabled


@admin.register(Marketplace)
class MarketplaceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "agent", "enabled", "requests_per_minute", "default_currency", "country", "base_url"]
    list_filter = ["enabled", "agent", "country"]
    search_fields = ["name", "slug", "base_url"]
    prepopulated_fields = {"slug": ["name"]}
    actions = ["disable_marketplaces", "enable_marketplaces", "check_marketplaces"]

    @admin.action(description="Disable the selected marketplaces (stop scouting them)")
    def disable_marketplaces(self, request: HttpRequest, queryset: QuerySet[Marketplace]) -> None:
        changed = marketplaces_set_enabled(marketplace_ids=list(queryset.values_list("pk", flat=True)), enabled=False)
        self.message_user(request, f"{changed} marketplace(s) disabled.", messages.SUCCESS)

    @admin.action(description="Enable the selected marketplaces")
    def enable_marketplaces(self, request: HttpRequest, queryset: QuerySet[Marketplace]) -> None:
        changed = marketplaces_set_enabled(marketplace_ids=list(queryset.values_list("pk", flat=True)), enabled=True)
        self.message_user(request, f"{changed} marketplace(s) enabled.", messages.SUCCESS)

    @admin.action(description="Check the selected marketplaces now (one live query each)")
    def check_marketplaces(self, request: HttpRequest, queryset: QuerySet[Marketplace]) -> None:
        # Each check is a real, rate-limited fetch: a handful at a time keeps the page responsive.
        selected = list(queryset.order_by("slug")[: self.CHECK_AT_MOST + 1])
        for marketplace in selected[: self.CHECK_AT_MOST]:
            result = marketplace_check(marketplace=marketplace)
            self.message_user(request, f"Check {result.summary()}", messages.SUCCESS if result.ok else messages.ERROR)
        if len(selected) > self.CHECK_AT_MOST:
            self.message_user(request, f"Checked the first {self.CHECK_AT_MOST}; select fewer to check the rest.", messages.WARNING)

    CHECK_AT_MOST = 5


class PriceObservationInline(admin.TabularInline):
    model = PriceObservation
    extra = 0
    can_delete = False
    readonly_fields = ["price", "currency", "observed_at"]
    ordering = ["-observed_at"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # prices are observed, not typed in


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    list_display = ["title", "marketplace", "price", "currency", "condition", "location", "is_active", "first_seen_at", "last_seen_at"]
    list_filter = ["marketplace", "condition", "is_active", "currency", ("sold_estimated_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "external_id", "url"]
    date_hierarchy = "first_seen_at"
    list_select_related = ["marketplace"]
    # What the agent read is evidence for debugging a parser: never edited by hand.
    readonly_fields = [
        "marketplace",
        "external_id",
        "raw",
        "first_seen_at",
        "last_seen_at",
        "latitude",
        "longitude",
        "location_country",
        "sold_estimated_at",
    ]
    inlines = [PriceObservationInline]
    show_full_result_count = False  # COUNT(*) over every listing is slow at scale


@admin.register(PriceObservation)
class PriceObservationAdmin(admin.ModelAdmin):
    list_display = ["listing", "price", "currency", "observed_at"]
    list_filter = ["currency"]
    search_fields = ["listing__title"]
    date_hierarchy = "observed_at"
    list_select_related = ["listing"]
    raw_id_fields = ["listing"]
    show_full_result_count = False


@admin.register(ScrapeRun)
class ScrapeRunAdmin(admin.ModelAdmin):
    list_display = [
        "started_at",
        "marketplace",
        "query",
        "status",
        "trigger",
        "http_status",
        "listings_found",
        "listings_created",
        "duration_ms",
    ]
    list_filter = ["status", "trigger", "marketplace"]
    search_fields = ["query", "url", "error"]
    date_hierarchy = "started_at"
    list_select_related = ["marketplace"]
    readonly_fields = [field.name for field in ScrapeRun._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # runs are records of what happened

    def get_urls(self) -> list:
        health = self.admin_site.admin_view(self.health_view)
        return [path("health/", health, name="scrape_health"), *super().get_urls()]

    def health_view(self, request: HttpRequest) -> TemplateResponse:
        """Scrape health: last run and last error per marketplace, failures in the last hour, queue depth."""
        rows = scrape_health()
        context = {
            **self.admin_site.each_context(request),
            "title": "Scrape health",
            "opts": self.model._meta,
            "rows": rows,
            "failures_last_hour": sum(row.failures_last_hour for row in rows),
            "queue_depth": task_queue_depth(),
            "now": timezone.now(),
        }
        return TemplateResponse(request, "admin/scrape_health.html", context)


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    """The ECB reference rates in use (the daily job refreshes them; listings.money)."""

    list_display = ["currency", "per_eur", "rate_date", "source", "fetched_at"]
    list_filter = ["rate_date"]
    search_fields = ["currency"]
    readonly_fields = ["currency", "per_eur", "rate_date", "source", "fetched_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # rates come from the ECB, not from a keyboard


@admin.register(MarketplaceOutage)
class MarketplaceOutageAdmin(admin.ModelAdmin):
    """Times a marketplace had no good run for MARKETPLACE_OUTAGE_AFTER_HOURS: opened and ended by the schedule."""

    list_display = ["marketplace", "started_at", "detected_at", "last_good_at", "ended_at"]
    list_filter = ["marketplace"]
    date_hierarchy = "started_at"
    list_select_related = ["marketplace"]
    readonly_fields = ["marketplace", "started_at", "detected_at", "last_good_at", "ended_at", "last_error"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # outages are detected, not typed in
