"""``python manage.py match_titles --query Q [--exclude W ...] [--accessories]``.

Reads listing titles from standard input, one per line, and prints one JSON object
per line: ``{"title": ..., "match": true|false, "why": ...}``. Only the text rules
apply (words, aliases, exclusions, accessories); there is no price or place here.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import DomainError
from searches import matching
from searches.query import parse


class Command(BaseCommand):
    help = "Match titles read from stdin (one per line) against a query; print one JSON object per title."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--query", required=True, help='The search query, e.g. "fuji x100v -broken".')
        parser.add_argument("--exclude", action="append", default=[], help="An excluded word or phrase (repeatable).")
        parser.add_argument("--accessories", action="store_true", help="Also match accessories, boxes and parts.")

    def handle(self, *args: Any, query: str, exclude: list[str], accessories: bool, **options: Any) -> None:
        try:
            parse(query, strict=True)
        except DomainError as exc:
            raise CommandError(f"--query: {exc.message}") from None
        from searches.aliases import alias_table

        rules = matching.MatchRules(
            query=query,
            excluded=tuple(exclude),
            min_price=None,
            max_price=None,
            currency="",
            condition="any",
            include_accessories=accessories,
            aliases=alias_table(),
        )
        for line in sys.stdin:
            title = line.rstrip("\r\n")
            if not title.strip():
                continue
            verdict = matching.listing_match(rules, title=title, price=None, currency="", condition="unknown")
            self.stdout.write(json.dumps({"title": title, "match": verdict.ok, "why": verdict.why}, ensure_ascii=False))
