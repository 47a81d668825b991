"""One listing: photo, details, its price history, and where its price sits among the comparables."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from searches import scoring, selectors
from web import charts
from web.views.common import AuthedRequest, page


@login_required
@require_GET
def listing_detail(request: AuthedRequest, listing_id: int) -> HttpResponse:
    listing, matches = selectors.listing_get_for_user(user=request.user, listing_id=listing_id)
    history = [(point.observed_at, point.price) for point in listing.price_history.all() if point.currency == listing.currency]
    verdicts = []
    for match in matches:
        # The deal score's own comparables (this listing among them), as the scout reads them today.
        comparables = selectors.search_comparable_prices(search=match.search)
        market = scoring.market_value(list(comparables.values()))
        others = [price for other_id, price in comparables.items() if other_id != listing.pk]
        same_currency = listing.currency == match.search.currency
        chart = charts.comparables_chart(
            prices=others, market=market, price=listing.price if same_currency else None, currency=match.search.currency
        )
        verdicts.append({"match": match, "market": market, "chart": chart, "comparables": sorted(others)})
    context = {
        "listing": listing,
        "matches": matches,
        "verdicts": verdicts,
        "history_chart": charts.price_history_chart(points=history, now=timezone.now(), currency=listing.currency),
        "history": history,
    }
    return page(request, "web/listing_detail.html", context)
