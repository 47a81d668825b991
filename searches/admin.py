from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from core.errors import DomainError
from listings.textnorm import term_key
from searches import geo, services
from searches.models import Alias, Match, Search


class MatchInline(admin.TabularInline):
    model = Match
    extra = 0
    fields = ["listing", "deal_score", "score_explanation", "score_confidence", "matched_at", "saved", "dismissed"]
    readonly_fields = ["listing", "deal_score", "score_explanation", "score_confidence", "matched_at"]
    ordering = ["-matched_at"]
    show_change_link = True
    max_num = 0  # matches are found, not typed in

    def get_queryset(self, request: HttpRequest) -> QuerySet[Match]:
        return super().get_queryset(request).select_related("listing")


class SearchAdminForm(forms.ModelForm):
    """Resolves the location as the API does: an unknown place is an error on the field."""

    class Meta:
        model = Search
        fields = "__all__"  # noqa: DJ007 - the admin edits every field a search has

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.resolved_place: dict[str, Any] = {}
        try:
            self.resolved_place = geo.location_fields(data.get("location") or "", radius_km=data.get("radius_km"))
        except DomainError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return data

    def save(self, commit: bool = True) -> Search:
        for name, value in getattr(self, "resolved_place", {}).items():
            setattr(self.instance, name, value)
        return super().save(commit=commit)


@admin.register(Search)
class SearchAdmin(admin.ModelAdmin):
    form = SearchAdminForm
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
    readonly_fields = [
        "created_at",
        "updated_at",
        "last_run_at",
        "location_name",
        "latitude",
        "longitude",
        "location_country",
        "location_postal_code",
    ]
    inlines = [MatchInline]
    actions = ["run_now", "pause", "resume"]

    @admin.action(description="Run the selected searches now")
    def run_now(self, request: HttpRequest, queryset: QuerySet[Search]) -> None:
        queued, refused = 0, []
        for search in queryset.prefetch_related("marketplaces"):
            try:
                queued += len(services.search_run_now(search=search))
            except DomainError as exc:
                refused.append(f"{search.name}: {exc.message}")
        self.message_user(request, f"{queued} scout(s) queued.", messages.SUCCESS)
        for reason in refused:
            self.message_user(request, reason, messages.WARNING)

    @admin.action(description="Pause the selected searches")
    def pause(self, request: HttpRequest, queryset: QuerySet[Search]) -> None:
        changed = services.searches_set_active(search_ids=list(queryset.values_list("pk", flat=True)), active=False)
        self.message_user(request, f"{changed} search(es) paused.", messages.SUCCESS)

    @admin.action(description="Resume the selected searches")
    def resume(self, request: HttpRequest, queryset: QuerySet[Search]) -> None:
        changed = services.searches_set_active(search_ids=list(queryset.values_list("pk", flat=True)), active=True)
        self.message_user(request, f"{changed} search(es) resumed.", messages.SUCCESS)


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    list_display = ["listing", "search", "deal_score", "matched_at", "saved", "dismissed"]
    list_filter = ["saved", "dismissed", "listing__marketplace"]
    search_fields = ["listing__title", "search__name", "search__owner__email"]
    date_hierarchy = "matched_at"
    list_select_related = ["listing", "search"]
    raw_id_fields = ["search", "listing"]
    readonly_fields = [
        "deal_score",
        "score_explanation",
        "score_confidence",
        "comparables_count",
        "match_explanation",
        "reference_price",
        "matched_at",
    ]
    show_full_result_count = False


class AliasForm(forms.ModelForm):
    """Synonyms typed as one comma-separated line ("fuji, fujifilm"), stored as a list."""

    synonyms = forms.CharField(
        help_text="Comma-separated spellings that mean the same as the term, e.g. 'ps5, playstation5'.",
        widget=forms.TextInput(attrs={"size": 80}),
    )

    class Meta:
        model = Alias
        fields = ["term", "synonyms", "category", "enabled"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["synonyms"] = ", ".join(self.instance.synonyms or [])

    def clean_term(self) -> str:
        term = " ".join(self.cleaned_data["term"].split()).lower()
        if not term_key(term):
            raise forms.ValidationError("The term needs at least one letter or digit.")
        return term

    def clean_synonyms(self) -> list[str]:
        synonyms = [" ".join(part.split()).lower() for part in self.cleaned_data["synonyms"].split(",")]
        synonyms = [synonym for synonym in dict.fromkeys(synonyms) if term_key(synonym)]
        if not synonyms:
            raise forms.ValidationError("Give at least one synonym with a letter or digit.")
        return synonyms


@admin.register(Alias)
class AliasAdmin(admin.ModelAdmin):
    """Staff widen matching here; a change takes effect on the next scout (the cache is invalidated)."""

    form = AliasForm
    list_display = ["term", "synonyms_text", "category", "enabled", "updated_at"]
    list_filter = ["enabled", "category"]
    search_fields = ["term", "synonyms"]
    list_editable = ["enabled"]

    @admin.display(description="synonyms")
    def synonyms_text(self, alias: Alias) -> str:
        return ", ".join(alias.synonyms or [])
