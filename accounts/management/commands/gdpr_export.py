"""python manage.py gdpr_export EMAIL [-o FILE]: everything we hold about a person, as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.gdpr import user_data_export, user_get_by_email
from core.errors import DomainError


class Command(BaseCommand):
    help = "Write one JSON document with everything Deal Scout holds about the person with this e-mail."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("-o", "--output", help="Write to this file instead of standard output.")

    def handle(self, *args: Any, email: str, output: str | None, **options: Any) -> None:
        try:
            user = user_get_by_email(email=email)
            document = user_data_export(user=user)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        text = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False)
        if output is None:
            self.stdout.write(text)
            return
        try:
            Path(output).write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc}") from exc
        rows = sum(len(rows) for rows in document["records"].values())
        self.stderr.write(f"Wrote {rows} records in {len(document['records'])} sections to {output}")
