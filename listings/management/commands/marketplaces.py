"""python manage.py marketplaces presets | list | add PRESET | check SLUG: the catalogue, from a shell."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from listings.catalogue import PRESETS, options_parse
from listings.models import Marketplace
from listings.selectors import marketplace_health
from listings.services import DEFAULT_CHECK_QUERY, marketplace_check, marketplace_create_from_preset


class Command(BaseCommand):
    help = "The catalogue of known marketplaces: list the presets, add one, list the rows, check one live."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{presets,list,add,check}")
        sub.add_parser("presets", help="the presets, one a line: its name, then what it is and its options")
        sub.add_parser("list", help="the marketplace rows: slug, agent, enabled, base URL, last run")
        add = sub.add_parser("add", help="create a marketplace from a preset")
        add.add_argument("preset", help="a preset name (see `marketplaces presets`)")
        add.add_argument("--slug", help="the new row's slug (default: the preset's)")
        add.add_argument("--option", action="append", default=[], metavar="KEY=VALUE", help="a preset option; repeat for more")
        check = sub.add_parser("check", help="fetch one real query now and print what came of it")
        check.add_argument("slug", help="the marketplace's slug")
        check.add_argument("--query", default=DEFAULT_CHECK_QUERY, help=f"what to search for (default {DEFAULT_CHECK_QUERY!r})")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except DomainError as exc:
            raise CommandError(exc.message) from None

    def _presets(self, options: dict[str, Any]) -> None:
        width = max(len(name) for name in PRESETS)
        for preset in PRESETS.values():
            line = f"{preset.name:<{width}}  {preset.agent:<10}  {preset.description}"
            if preset.options:
                line += "  [options: " + ", ".join(f"{o.name}{'*' if o.required else ''}" for o in preset.options) + "]"
            self.stdout.write(line)

    def _list(self, options: dict[str, Any]) -> None:
        rows = list(Marketplace.objects.order_by("slug"))
        if not rows:
            self.stdout.write("No marketplaces yet. Add one: python manage.py marketplaces add ebay-us (see `marketplaces presets`).")
            return
        health = marketplace_health(marketplace_ids=[row.pk for row in rows])
        table = [("slug", "agent", "enabled", "base url", "last run", "health")]
        for row in rows:
            state = health[row.pk]
            last = f"{state.last_status} at {state.last_run_at:%Y-%m-%d %H:%M}" if state.last_run_at else "never run"
            table.append((row.slug, row.agent, "yes" if row.enabled else "no", row.base_url, last, state.state))
        widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
        for line in table:
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())

    def _add(self, options: dict[str, Any]) -> None:
        marketplace = marketplace_create_from_preset(
            preset=options["preset"], options=options_parse(options["option"]), slug=options.get("slug")
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {marketplace.slug}: {marketplace.name} ({marketplace.agent}, {marketplace.base_url}, "
                f"{marketplace.default_currency}, {marketplace.requests_per_minute} requests/min)."
            )
        )
        if marketplace.agent == "ebay" and not (settings.EBAY_CLIENT_ID and settings.EBAY_CLIENT_SECRET):
            self.stdout.write(
                self.style.WARNING("EBAY_CLIENT_ID and EBAY_CLIENT_SECRET are not set: its runs are `skipped` until they are.")
            )
        self.stdout.write(f"Try it: python manage.py marketplaces check {marketplace.slug} --query 'something people sell'")

    def _check(self, options: dict[str, Any]) -> None:
        marketplace = Marketplace.objects.filter(slug=options["slug"]).first()
        if marketplace is None:
            raise CommandError(f"no marketplace with slug {options['slug']!r}; `python manage.py marketplaces list` shows them")
        self.stderr.write(f"Checking {marketplace.slug} ({marketplace.agent}) with {options['query']!r}...")
        result = marketplace_check(marketplace=marketplace, query=options["query"])
        run = result.run
        self.stdout.write(f"marketplace: {marketplace.slug} ({marketplace.name}, agent {marketplace.agent})")
        self.stdout.write(f"url:         {run.url}")
        self.stdout.write(f"status:      {run.status}" + (f" (HTTP {run.http_status})" if run.http_status else ""))
        timing = f"total {run.duration_ms} ms"
        if result.fetch_ms is not None:
            timing += f", fetch {result.fetch_ms} ms"
        if result.parse_ms is not None:
            timing += f", parse {result.parse_ms} ms"
        self.stdout.write(f"timings:     {timing}")
        self.stdout.write(f"listings:    {run.listings_found} found, {run.listings_created} new, {run.listings_updated} seen before")
        if getattr(run, "rows_rejected", 0):
            self.stdout.write(f"refused:     {run.rows_rejected} rows failed the row check (see the ScrapeRun's rejections)")
        for listing in result.first_listings:
            price = f"{listing.price} {listing.currency}" if listing.price is not None else "no price"
            self.stdout.write(f"  - {listing.title[:80]} | {price} | {listing.url}")
        if run.error:
            self.stdout.write(f"error:       {run.error.splitlines()[0][:500]}")
        self.stdout.write(f"recorded as ScrapeRun {run.pk} (trigger=check)")
        if not result.ok:
            raise CommandError(f"check failed: {result.summary()}")
