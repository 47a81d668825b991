"""``python manage.py scout SEARCH_ID``: run one search now and print what it found."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from searches.models import Search
from searches.services import scout_group_run, scout_query_for


class Command(BaseCommand):
    help = "Run one saved search now, on each of its marketplaces, and print what it found."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("search_id", type=int)

    def handle(self, *args: Any, search_id: int, **options: Any) -> None:
        try:
            search = Search.objects.prefetch_related("marketplaces").get(pk=search_id)
        except Search.DoesNotExist:
            raise CommandError(f"No search with id {search_id}.") from None
        marketplaces = [m for m in search.marketplaces.all() if m.enabled]
        if not marketplaces:
            raise CommandError(f"Search {search_id} has no enabled marketplace.")
        for marketplace in marketplaces:
            self.stdout.write(f"Scouting {marketplace.name} for {search.query!r} ...")
            result = scout_group_run(query=scout_query_for(search, marketplace.pk, marketplace.agent), search_ids=[search.pk])
            run = result.outcome.run
            self.stdout.write(
                f"  {run.status}: {run.listings_found} listings ({run.listings_created} new, "
                f"{run.price_changes} price changes) in {run.duration_ms} ms" + (f" - {run.error}" if run.error else "")
            )
            for match in result.new_matches:
                listing = match.listing
                score = f" | {match.score_explanation}" if match.score_explanation else ""
                self.stdout.write(f"  new match: {listing.title} | {listing.price} {listing.currency} | {listing.url}{score}")
            self.stdout.write(f"  alerts created: {len(result.events)}")
        self.stdout.write(self.style.SUCCESS("Done. Matches are in the admin under Searches > Matches and at /api/v1/listings/."))
