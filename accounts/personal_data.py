"""The rights registry: what each app holds about a person, and how to hand it over or erase it.

Like the retention registry, it is filled by each app's ``privacy.py`` (discovered the
way the admin finds ``admin.py``), so ``accounts`` never imports a domain app. An app
registers any of:

- an *exporter*: ``func(*, user) -> {model_label: [row, ...]}``, the person's rows;
- *free text*: ``func(*, user) -> [str, ...]``, words the person typed that may have been
  copied elsewhere (admin log, task arguments, scrape runs) and must go on erasure;
- a *scrubber*: ``func(*, texts) -> int``, removes those texts from the app's own tables;
- an *account hook*: ``deactivate(*, user) -> state`` when the owner deletes the account
  (stop work done on their behalf) and ``reactivate(*, user, state)`` when they cancel.

The user row itself cascades to every row with a foreign key to it, so an app needs no
eraser for those; erasure also runs every scrubber.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import QuerySet

from accounts.retention import discover

Exporter = Callable[..., dict[str, Any]]
FreeText = Callable[..., list[str]]
Scrubber = Callable[..., int]

MASK = "********"
# Field names whose values are secrets: shown masked in an export, never in clear.
SECRET_FIELD = re.compile(r"(secret|token|password|digest|api_key|apikey|private|webhook|credential|salt)", re.IGNORECASE)


@dataclass(frozen=True)
class AccountHook:
    name: str
    deactivate: Callable[..., dict[str, Any]]
    reactivate: Callable[..., None]


_EXPORTERS: dict[str, Exporter] = {}
_FREE_TEXT: dict[str, FreeText] = {}
_SCRUBBERS: dict[str, Scrubber] = {}
_ACCOUNT_HOOKS: dict[str, AccountHook] = {}


def register_exporter(name: str) -> Callable[[Exporter], Exporter]:
    def decorator(func: Exporter) -> Exporter:
        _EXPORTERS[name] = func
        return func

    return decorator


def register_free_text(name: str) -> Callable[[FreeText], FreeText]:
    def decorator(func: FreeText) -> FreeText:
        _FREE_TEXT[name] = func
        return func

    return decorator


def register_scrubber(name: str) -> Callable[[Scrubber], Scrubber]:
    def decorator(func: Scrubber) -> Scrubber:
        _SCRUBBERS[name] = func
        return func

    return decorator


def register_account_hook(name: str, *, deactivate: Callable[..., dict[str, Any]], reactivate: Callable[..., None]) -> None:
    _ACCOUNT_HOOKS[name] = AccountHook(name=name, deactivate=deactivate, reactivate=reactivate)


def exporters() -> dict[str, Exporter]:
    discover()
    return dict(_EXPORTERS)


def free_text_sources() -> dict[str, FreeText]:
    discover()
    return dict(_FREE_TEXT)


def scrubbers() -> dict[str, Scrubber]:
    discover()
    return dict(_SCRUBBERS)


def account_hooks() -> dict[str, AccountHook]:
    discover()
    return dict(_ACCOUNT_HOOKS)


# --- helpers for exporters ------------------------------------------------------------


def export_value(value: Any) -> Any:
    """A JSON-ready form of a field value."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): export_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [export_value(v) for v in value]
    return value


def mask_secret(value: Any) -> str:
    """A secret shown as set or not, never its value."""
    return MASK if value not in (None, "", {}, []) else ""


def export_row(obj: models.Model, *, exclude: Iterable[str] = (), extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """One row as a dict of its concrete fields, secrets masked.

    A field whose name looks like a secret (token, password, webhook, ...) is masked,
    so a model added later with such a field is safe by default.
    """
    skip = set(exclude)
    row: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in skip:
            continue
        key = field.attname if field.is_relation else field.name
        value = getattr(obj, field.attname)
        row[key] = mask_secret(value) if SECRET_FIELD.search(field.name) else export_value(value)
    if extra:
        row.update({k: export_value(v) for k, v in extra.items()})
    return row


def export_rows(queryset: QuerySet[Any], *, exclude: Iterable[str] = ()) -> list[dict[str, Any]]:
    return [export_row(obj, exclude=exclude) for obj in queryset.order_by("pk").iterator(chunk_size=500)]
