"""The deals page: the person's matched listings, best deal first, with filters; save, dismiss."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from listings.models import Marketplace
from searches import scoring, selectors, services
from searches.filters import MatchFilter
from searches.models import Match, Search
from web.views.common import PAGE_SIZE, AuthedRequest, is_htmx, page

DEFAULT_ORDERING = "-deal_score"
ORDERING_LABELS = {
    "-deal_score": "Best deal first",
    "-first_seen": "Newest first",
    "price": "Cheapest first",
    "-price": "Dearest first",
}


def _filters(request: HttpRequest) -> QueryDict:
    """The query string with empty inputs dropped (an empty box means "any"), best deal first by default."""
    data = QueryDict(mutable=True)
    for key, values in request.GET.lists():
        kept = [value for value in values if value.strip()]
        if kept and key != "page":
            data.setlist(key, kept)
    data.setdefault("ordering", DEFAULT_ORDERING)
    return data


def market_positions(matches: list[Match]) -> dict[int, dict[str, float]]:
    """Per match: where its price sits among its search's comparables (0..100 across
    low..high), for the small bar on each card. One query per search on the page."""
    markets: dict[int, scoring.MarketValue | None] = {}
    positions: dict[int, dict[str, float]] = {}
    for match in matches:
        if match.search_id not in markets:
            markets[match.search_id] = scoring.market_value(list(selectors.search_comparable_prices(search=match.search).values()))
        market, price = markets[match.search_id], match.listing.price
        if market is None or price is None or market.high <= market.low:
            continue
        low, high = min(market.low, price), max(market.high, price)
        span = high - low

        def at(value: Decimal, low: Decimal = low, span: Decimal = span) -> float:
            return round(float((value - low) / span * 100), 1)

        positions[match.pk] = {"low": at(market.low), "high": at(market.high), "median": at(market.median), "price": at(price)}
    return positions


@login_required
@require_GET
def deals(request: AuthedRequest) -> HttpResponse:
    data = _filters(request)
    queryset = selectors.match_list_for_user(user=request.user).select_related("search")
    filterset = MatchFilter(data=data, queryset=queryset)
    if filterset.is_valid():
        matches = filterset.qs
        errors = {}
    else:
        matches, errors = queryset.none(), filterset.errors
    paginator = Paginator(matches, PAGE_SIZE)
    current = paginator.get_page(request.GET.get("page"))
    rows = list(current.object_list)
    query = data.copy()
    context = {
        "page_obj": current,
        "matches": rows,
        "positions": market_positions(rows),
        "errors": errors,
        "filters": data,
        "query_string": query.urlencode(),
        "searches": Search.objects.filter(owner=request.user).order_by("name").only("id", "name"),
        "marketplaces": Marketplace.objects.filter(searches__owner=request.user).distinct().order_by("name").only("slug", "name"),
        "orderings": ORDERING_LABELS,
        "has_searches": Search.objects.filter(owner=request.user).exists(),
    }
    if is_htmx(request) and request.htmx.target == "deal-list":
        return page(request, "web/partials/deal_list.html", context)
    return page(request, "web/deals.html", context)


def _back(request: HttpRequest) -> HttpResponse:
    return redirect(request.POST.get("next") or "web:deals") if str(request.POST.get("next", "")).startswith("/") else redirect("web:deals")


@login_required
@require_POST
def match_save(request: AuthedRequest, match_id: int) -> HttpResponse:
    match = selectors.match_get_for_user(user=request.user, match_id=match_id)
    match = services.match_set_saved(match=match, saved=request.POST.get("saved", "true") == "true")
    if is_htmx(request):
        return page(request, "web/partials/save_button.html", {"match": match})
    return _back(request)


@login_required
@require_POST
def match_dismiss(request: AuthedRequest, match_id: int) -> HttpResponse:
    match = selectors.match_get_for_user(user=request.user, match_id=match_id)
    services.match_dismiss(match=match)
    if is_htmx(request):
        return HttpResponse("")  # the card is swapped for nothing
    return _back(request)
