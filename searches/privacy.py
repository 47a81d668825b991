"""What `searches` holds about a person, and the listings it keeps from the purge."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accounts.personal_data import export_row, register_account_hook, register_exporter, register_free_text
from accounts.retention import register_keep_rule
from searches import matching
from searches.models import Match, Search


@register_keep_rule("listings.Listing")
def saved_listing_ids() -> QuerySet[Any]:
    """A listing someone saved is kept, however old, for as long as it stays saved."""
    return Match.objects.filter(saved=True).values("listing_id")


@register_exporter("searches")
def export_searches(*, user: Any) -> dict[str, Any]:
    searches = Search.objects.filter(owner=user).prefetch_related("marketplaces")
    matches = Match.objects.filter(search__owner=user).select_related("listing", "listing__marketplace")
    match_rows = []
    saved = []
    for match in matches.order_by("pk").iterator(chunk_size=500):
        listing = match.listing
        summary = {
            "listing_id": listing.pk,
            "marketplace": listing.marketplace.slug,
            "title": listing.title,
            "url": listing.url,
            "price": listing.price,
            "currency": listing.currency,
            "last_seen_at": listing.last_seen_at,
        }
        match_rows.append(export_row(match, extra={"listing": summary}))
        if match.saved:
            saved.append({**match_rows[-1]["listing"], "search_id": match.search_id})
    return {
        "searches.Search": [
            export_row(search, extra={"marketplaces": sorted(m.slug for m in search.marketplaces.all())})
            for search in searches.order_by("pk")
        ],
        "searches.Match": match_rows,
        # The same listings as in searches.Match, gathered for the reader's convenience.
        "saved_listings": saved,
    }


@register_free_text("searches")
def search_texts(*, user: Any) -> list[str]:
    texts: list[str] = []
    for search in Search.objects.filter(owner=user).only("name", "query", "excluded_terms", "location"):
        texts += [search.name, search.query, matching.normalized_query(search.query), search.location]
        texts += [str(term) for term in search.excluded_terms or []]
    return texts


def pause_searches(*, user: Any) -> dict[str, Any]:
    """The owner deleted the account: stop scouting for them, remember what ran."""
    active = list(Search.objects.filter(owner=user, is_active=True).values_list("pk", flat=True))
    Search.objects.filter(pk__in=active).update(is_active=False)
    return {"paused_search_ids": active}


def resume_searches(*, user: Any, state: dict[str, Any]) -> None:
    Search.objects.filter(owner=user, pk__in=state.get("paused_search_ids", [])).update(is_active=True)


register_account_hook("searches", deactivate=pause_searches, reactivate=resume_searches)
