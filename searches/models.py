from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

MIN_INTERVAL_MINUTES = 5


class Search(models.Model):
    """What a person wants, and how often to look for it."""

    class ConditionFilter(models.TextChoices):
        ANY = "any", "Any"
        NEW = "new", "New"
        USED = "used", "Used"
        REFURBISHED = "refurbished", "Refurbished"
        FOR_PARTS = "for_parts", "For parts"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="searches")
    name = models.CharField(max_length=120)
    query = models.CharField(max_length=300, help_text="Words that must all appear in the title (syntax: docs/SEARCHING.md).")
    excluded_terms = models.JSONField(default=list, blank=True, help_text="Words that must not appear.")
    min_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    max_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    condition = models.CharField(max_length=20, choices=ConditionFilter.choices, default=ConditionFilter.ANY)
    location = models.CharField(max_length=200, blank=True, help_text="A place name or US ZIP code, as the owner wrote it.")
    radius_km = models.PositiveIntegerField(null=True, blank=True)
    # The place ``location`` resolved to (listings.places; searches.geo fills these).
    location_name = models.CharField(max_length=200, blank=True, help_text="The place the location was understood as.")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    location_country = models.CharField(max_length=2, blank=True)
    location_postal_code = models.CharField(max_length=10, blank=True)
    keep_unknown_location = models.BooleanField(
        default=True, help_text="Keep listings that do not say where they are (with a place and radius set)."
    )
    include_shipping = models.BooleanField(default=False, help_text="Compare price plus shipping with the bounds and the market.")
    marketplaces = models.ManyToManyField("listings.Marketplace", related_name="searches")
    interval_minutes = models.PositiveIntegerField(default=15, validators=[MinValueValidator(MIN_INTERVAL_MINUTES)])
    is_active = models.BooleanField(default=True)
    next_run_at = models.DateTimeField(default=timezone.now)
    last_run_at = models.DateTimeField(null=True, blank=True)
    alert_on_new = models.BooleanField(default=True)
    alert_on_price_drop = models.BooleanField(default=True)
    price_drop_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("5.00"),
        help_text="A drop of at least this much below the last alerted price makes a price-drop alert.",
    )
    alert_frequency = models.CharField(
        max_length=10,
        choices=[
            ("", "Account default"),
            ("instant", "Instant"),
            ("hourly", "Hourly digest"),
            ("daily", "Daily digest"),
            ("off", "Paused"),
        ],
        default="",
        blank=True,
        help_text="Overrides the owner's alert frequency for this search; 'off' pauses its alerts (one-click unsubscribe).",
    )
    min_deal_score = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, blank=True, help_text="Alert only on deals at least this good."
    )
    include_accessories = models.BooleanField(
        default=False,
        help_text="Also match accessories, empty boxes and parts (e.g. 'lens hood for X100V', 'for parts').",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "searches"
        constraints = [
            models.CheckConstraint(
                condition=Q(min_price__isnull=True) | Q(max_price__isnull=True) | Q(min_price__lte=F("max_price")),
                name="search_min_price_lte_max_price",
            ),
            models.CheckConstraint(condition=Q(min_price__isnull=True) | Q(min_price__gte=0), name="search_min_price_non_negative"),
            models.CheckConstraint(condition=Q(max_price__isnull=True) | Q(max_price__gte=0), name="search_max_price_non_negative"),
            models.CheckConstraint(condition=Q(interval_minutes__gte=MIN_INTERVAL_MINUTES), name="search_interval_at_least_5_minutes"),
            models.CheckConstraint(
                condition=Q(price_drop_percent__gt=0) & Q(price_drop_percent__lt=100), name="search_price_drop_percent_range"
            ),
        ]
        indexes = [
            # dispatch_due: active searches whose next run has come.
            models.Index(fields=["next_run_at"], name="search_due_idx", condition=Q(is_active=True)),
            # API: the owner's searches, newest first.
            models.Index(fields=["owner", "-created_at"], name="search_owner_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Match(models.Model):
    """A listing that satisfied a search, with its deal score and the owner's verdict."""

    search = models.ForeignKey(Search, on_delete=models.CASCADE, related_name="matches")
    listing = models.ForeignKey("listings.Listing", on_delete=models.CASCADE, related_name="matches")
    matched_at = models.DateTimeField(default=timezone.now)
    deal_score = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, blank=True, help_text="Percent below market value; empty without enough comparables."
    )
    score_explanation = models.CharField(max_length=300, blank=True)

    class Confidence(models.TextChoices):
        HIGH = "high", "High"
        MEDIUM = "medium", "Medium"
        LOW = "low", "Low"

    # How far the market value can be trusted: comparables' count and spread (searches.scoring).
    score_confidence = models.CharField(max_length=6, choices=Confidence.choices, blank=True)
    comparables_count = models.PositiveIntegerField(null=True, blank=True)
    match_explanation = models.CharField(
        max_length=300, blank=True, help_text="Why the listing matched: \"matched 'fuji'≈'Fujifilm' (alias), 'x100v'; excluded: none\"."
    )
    saved = models.BooleanField(default=False)
    dismissed = models.BooleanField(default=False)
    # The price a price drop is measured from: the price when matched, then the price
    # of the last price-drop alert. Measuring from it (not from the last price seen)
    # is the hysteresis that keeps a price wobbling near a threshold from re-alerting.
    reference_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name_plural = "matches"
        constraints = [
            models.UniqueConstraint(fields=["search", "listing"], name="match_unique_per_search_listing"),
        ]
        indexes = [
            # API: a search's matches, newest first.
            models.Index(fields=["search", "-matched_at"], name="match_search_idx"),
            # purge_expired: listings kept because someone saved them.
            models.Index(fields=["listing"], name="match_saved_idx", condition=Q(saved=True)),
        ]

    def __str__(self) -> str:
        return f"search {self.search_id} / listing {self.listing_id}"


class Alias(models.Model):
    """A word or phrase and its synonyms, for matching: "fujifilm" = "fuji".

    Shipped as data (searches/data/aliases.json, loaded by a migration) and edited by
    staff in the admin. Groups sharing an expression merge when matching (searches.aliases).
    """

    term = models.CharField(max_length=100, unique=True, help_text="The usual spelling, e.g. 'fujifilm'.")
    synonyms = models.JSONField(default=list, help_text='Other spellings that mean the same, e.g. ["fuji"].')
    category = models.CharField(max_length=40, blank=True, help_text="For staff: cameras, consoles, phones...")
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "aliases"
        ordering = ["term"]

    def __str__(self) -> str:
        return f"{self.term} = {', '.join(self.synonyms)}"
