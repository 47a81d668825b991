from __future__ import annotations

from django.contrib import admin

from listings.models import Listing, Marketplace, PriceObservation, ScrapeRun


@admin.register(Marketplace)
class MarketplaceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "agent", "enabled", "requests_per_minute", "default_currency", "base_url"]
    list_filter = ["enabled", "agent"]
    search_fields = ["name", "slug", "base_url"]
    prepopulated_fields = {"slug": ["name"]}


class PriceObservationInline(admin.TabularInline):
    model = PriceObservation
    extra = 0
    can_delete = False
    readonly_fields = ["price", "currency", "observed_at"]
    ordering = ["-observed_at"]


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    list_display = ["title", "marketplace", "price", "currency", "condition", "is_active", "first_seen_at", "last_seen_at"]
    list_filter = ["marketplace", "condition", "is_active", "currency"]
    search_fields = ["title", "external_id", "url"]
    date_hierarchy = "first_seen_at"
    list_select_related = ["marketplace"]
    readonly_fields = ["raw", "first_seen_at", "last_seen_at"]
    inlines = [PriceObservationInline]


@admin.register(PriceObservation)
class PriceObservationAdmin(admin.ModelAdmin):
    list_display = ["listing", "price", "currency", "observed_at"]
    list_filter = ["currency"]
    search_fields = ["listing__title"]
    date_hierarchy = "observed_at"
    list_select_related = ["listing"]
    raw_id_fields = ["listing"]


@admin.register(ScrapeRun)
class ScrapeRunAdmin(admin.ModelAdmin):
    list_display = ["started_at", "marketplace", "query", "status", "http_status", "listings_found", "listings_created", "duration_ms"]
    list_filter = ["status", "marketplace"]
    search_fields = ["query", "url", "error"]
    date_hierarchy = "started_at"
    list_select_related = ["marketplace"]
    readonly_fields = [field.name for field in ScrapeRun._meta.fields]
