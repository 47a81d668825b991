"""``python manage.py parse_listings --agent NAME FILE [--url URL]``: parse a saved page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from listings.agents import ParseContext, ParseError, agent_names, get_agent


class Command(BaseCommand):
    help = "Parse a saved marketplace page or API response; print one JSON object per listing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agent", required=True, help=f"one of: {', '.join(agent_names())}")
        parser.add_argument("file", type=Path)
        parser.add_argument("--url", default="", help="the URL the page came from (resolves relative links)")
        parser.add_argument("--currency", default="USD", help="currency when the page names none")

    def handle(self, *args: Any, agent: str, file: Path, url: str, currency: str, **options: Any) -> None:
        try:
            parser = get_agent(agent)
        except KeyError as exc:
            raise CommandError(str(exc.args[0])) from None
        try:
            body = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from None
        try:
            result = parser.parse(body, ParseContext(url=url or file.resolve().as_uri(), default_currency=currency))
        except ParseError as exc:
            raise CommandError(f"{agent} cannot read {file}: {exc}") from None
        for listing in result.listings:
            self.stdout.write(json.dumps(listing.to_json(), ensure_ascii=False))
        self.stderr.write(f"{len(result.listings)} listings" + (" (the page says: no results)" if result.no_results else ""))
