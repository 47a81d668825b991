"""Reading searches and matches on behalf of a user. Another user's rows are a 404."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from searches.models import Match, Search


def search_list_for_user(*, user: object) -> QuerySet[Search]:
    return Search.objects.filter(owner=user).prefetch_related("marketplaces").order_by("-created_at")


def search_get_for_user(*, user: object, search_id: int) -> Search:
    return get_object_or_404(search_list_for_user(user=user), pk=search_id)


def match_list_for_user(*, user: object) -> QuerySet[Match]:
    return (
        Match.objects.filter(search__owner=user, dismissed=False)
        .select_related("listing", "listing__marketplace", "search")
        .order_by("-matched_at")
    )
