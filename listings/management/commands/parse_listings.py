"""``python manage.py parse_listings --agent NAME FILE [--url URL] [--config JSON|PRESET]``: parse a saved page.

``--config`` is the marketplace config the agent reads: a JSON object, or for the
``selectors`` agent the name of a sample config (``listings.agents.selectors_presets``,
e.g. ``olx-pl``); a config the agent refuses is an error naming the key.

Prints one JSON object per listing (title, price, currency, url and the other fields)
on stdout, or an aligned table with ``--format table``; a summary goes to stderr. A
bot-challenge page is reported as blocked (exit status 0: the page was understood); a
page the agent cannot read is an error (exit status 1).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import DomainError
from listings.agents import BlockedPage, ParseContext, ParseError, agent_names, get_agent


class Command(BaseCommand):
    help = "Parse a saved marketplace page or API response; print one JSON object per listing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agent", required=True, help=f"one of: {', '.join(agent_names())}")
        parser.add_argument("file", type=Path)
        parser.add_argument("--url", default="", help="the URL the page came from (resolves relative links)")
        parser.add_argument("--currency", default="USD", help="currency when the page names none (ISO 4217)")
        parser.add_argument("--format", choices=["json", "table"], default="json", help="JSON lines (default) or a table")
        parser.add_argument("--config", default="", help="the marketplace config: a JSON object, or a selectors sample config's name")

    def handle(self, *args: Any, agent: str, file: Path, url: str, currency: str, format: str, config: str, **options: Any) -> None:  # noqa: A002
        try:
            parser = get_agent(agent)
        except KeyError as exc:
            raise CommandError(str(exc.args[0])) from None
        try:
            body = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from None
        marketplace_config = _config(config)
        try:
            parser.check_config(marketplace_config)
            context = ParseContext(url=url or file.resolve().as_uri(), default_currency=currency.upper(), config=marketplace_config)
            result = parser.parse(body, context)
        except DomainError as exc:
            raise CommandError(f"config refused: {exc.message}") from None
        except BlockedPage as exc:
            self.stderr.write(f"0 listings: blocked ({exc})")
            return
        except ParseError as exc:
            raise CommandError(f"{agent} cannot read {file}: {exc}") from None
        for listing in result.listings:
            if format == "table":
                price = "-" if listing.price is None else str(listing.price)
                self.stdout.write(f"{listing.title[:70]:<70}  {price:>10} {listing.currency:<3}  {listing.url}")
            else:
                self.stdout.write(json.dumps(listing.to_json(), ensure_ascii=False))
        count = len(result.listings)
        summary = f"{count} listing{'' if count == 1 else 's'}"
        self.stderr.write(summary + (" (the page says: no results)" if result.no_results else ""))


def _config(value: str) -> dict[str, Any]:
    if not value:
        return {}
    from listings.agents.selectors_presets import SITE_CONFIGS

    if value in SITE_CONFIGS:
        return dict(SITE_CONFIGS[value])
    try:
        config = json.loads(value)
    except json.JSONDecodeError as exc:
        known = ", ".join(sorted(SITE_CONFIGS))
        raise CommandError(f"--config is neither JSON ({exc.msg}) nor a sample config ({known})") from None
    if not isinstance(config, dict):
        raise CommandError("--config must be a JSON object")
    return config
