"""The retention registry: each app declares how its expired rows are purged.

``accounts`` is the floor and imports no domain app; instead every app may ship a
``privacy.py`` that registers its purgers here, discovered the way the admin finds
``admin.py``. An app that needs rows of another app kept (``searches`` keeps the
listings someone saved) registers a *keep rule* for that model instead of importing
it: the owner of a table purges it, the others can only veto rows.

Deletes go through :func:`delete_in_batches`: short transactions over primary-key
chunks, claimed with ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, so no
statement holds locks for long, memory stays flat, and two workers purging at once
split the work instead of deleting the same rows twice.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from django.db import connections, models, transaction
from django.db.models import QuerySet, signals
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 2000


class Progress(Protocol):
    def __call__(self, kind: str, done: int) -> None: ...


def _no_progress(kind: str, done: int) -> None:
    return None


@dataclass(frozen=True)
class PurgeContext:
    """What every purger is called with."""

    now: datetime
    dry_run: bool = False
    batch_size: int = DEFAULT_BATCH_SIZE
    progress: Progress = _no_progress


@dataclass(frozen=True)
class Purger:
    kind: str
    # Called with a PurgeContext; returns rows deleted (or that would be) per kind.
    run: Callable[[PurgeContext], dict[str, int]]


_PURGERS: dict[str, Purger] = {}
_KEEP_RULES: dict[str, list[Callable[[], QuerySet[Any]]]] = {}


def register_purger(kind: str) -> Callable[[Callable[[PurgeContext], dict[str, int]]], Callable[[PurgeContext], dict[str, int]]]:
    def decorator(func: Callable[[PurgeContext], dict[str, int]]) -> Callable[[PurgeContext], dict[str, int]]:
        _PURGERS[kind] = Purger(kind=kind, run=func)
        return func

    return decorator


def register_keep_rule(model_label: str) -> Callable[[Callable[[], QuerySet[Any]]], Callable[[], QuerySet[Any]]]:
    """Declare rows of ``model_label`` that must survive the purge.

    The function returns a queryset of primary keys (``values("pk")`` or a foreign key
    column); it is used as a subquery, never evaluated in Python.
    """

    def decorator(func: Callable[[], QuerySet[Any]]) -> Callable[[], QuerySet[Any]]:
        rules = _KEEP_RULES.setdefault(model_label, [])
        if func not in rules:
            rules.append(func)
        return func

    return decorator


def discover() -> None:
    autodiscover_modules("privacy")


def purgers() -> list[Purger]:
    discover()
    return list(_PURGERS.values())


def without_kept(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """``queryset`` minus the rows other apps asked to keep."""
    discover()
    for rule in _KEEP_RULES.get(queryset.model._meta.label, []):
        queryset = queryset.exclude(pk__in=rule())
    return queryset


def kind_of(model: type[models.Model]) -> str:
    """Metric label for rows of ``model``: a fixed set (one per model), never user input."""
    return model._meta.label_lower.replace(".", "_")


def count_with_cascade(queryset: QuerySet[Any], *, kind: str) -> dict[str, int]:
    """What deleting ``queryset`` would remove: its rows and the rows that cascade one level."""
    counts = {kind: queryset.count()}
    for relation in queryset.model._meta.related_objects:
        if relation.on_delete is models.CASCADE and not relation.many_to_many:
            related = relation.related_model._base_manager.filter(**{f"{relation.field.name}__in": queryset.values("pk")})
            counts[kind_of(relation.related_model)] = related.count()
    return counts


def delete_in_batches(queryset: QuerySet[Any], *, kind: str, context: PurgeContext) -> dict[str, int]:
    """Delete the rows of ``queryset`` in primary-key chunks, one short transaction each.

    Each chunk is claimed with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL; SQLite's
    IMMEDIATE transactions serialize writers instead), and the condition is evaluated
    again on the locked rows, so a row seen again meanwhile is not deleted, and a
    second worker skips the chunk the first holds. A keyset cursor on the primary key
    walks the table once; nothing but a chunk of ids is held in memory. Cascades follow
    the models' foreign keys (see ``_delete_chunk``), so a model that another app adds
    later with a foreign key to these rows is deleted with them.
    """
    if context.dry_run:
        return count_with_cascade(queryset, kind=kind)
    model = queryset.model
    label = model._meta.label
    counts: Counter[str] = Counter()
    last_pk: Any = None
    while True:
        with transaction.atomic():
            chunk = queryset.order_by("pk")
            if last_pk is not None:
                chunk = chunk.filter(pk__gt=last_pk)
            ids = list(chunk.select_for_update(skip_locked=True).values_list("pk", flat=True)[: context.batch_size])
            if not ids:
                break
            per_model = _delete_chunk(queryset, ids)
        last_pk = ids[-1]
        for model_label, deleted in per_model.items():
            counts[kind if model_label == label else _kind_of_label(model_label)] += deleted
        context.progress(kind, counts[kind])
    counts.setdefault(kind, 0)
    return dict(counts)


def _delete_chunk(queryset: QuerySet[Any], ids: list[Any]) -> dict[str, int]:
    """Delete rows ``ids`` and what cascades from them; rows deleted per model label.

    Django's collector loads the rows and converts every instance back to its key to
    find the related rows: half the purge's time on a million listings. When the model
    has nothing that needs instances (no delete signals, only CASCADE or DO_NOTHING
    relations, no parent table), the related rows are deleted by key, each through its
    own queryset (so their own cascades still run), then the rows themselves by key in
    one statement. Anything else goes through the collector.
    """
    model = queryset.model
    if not _deletable_by_key(model):
        _, per_model = model._base_manager.using(queryset.db).filter(pk__in=ids).delete()
        return per_model
    counts: Counter[str] = Counter()
    for relation in model._meta.related_objects:
        if relation.on_delete is models.DO_NOTHING:
            continue
        related = relation.related_model._base_manager.using(queryset.db).filter(**{f"{relation.field.attname}__in": ids})
        _, per_model = related.delete()
        counts.update(per_model)
    connection = connections[queryset.db]
    table, key = connection.ops.quote_name(model._meta.db_table), connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {key} IN ({', '.join(['%s'] * len(ids))})", ids)  # noqa: S608 - names from _meta
        counts[model._meta.label] += cursor.rowcount
    return dict(counts)


def _deletable_by_key(model: type[models.Model]) -> bool:
    if model._meta.parents or signals.pre_delete.has_listeners(model) or signals.post_delete.has_listeners(model):
        return False
    return all(
        not relation.many_to_many and relation.on_delete in (models.CASCADE, models.DO_NOTHING) for relation in model._meta.related_objects
    )


def _kind_of_label(label: str) -> str:
    return label.lower().replace(".", "_")


def purge_expired(
    *,
    dry_run: bool = False,
    now: datetime | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Apply every registered retention period; return rows deleted per kind."""
    from monitoring.metrics import records_purged_total

    context = PurgeContext(now=now or timezone.now(), dry_run=dry_run, batch_size=batch_size, progress=progress or _no_progress)
    totals: Counter[str] = Counter()
    started = time.monotonic()
    for purger in purgers():
        counts = purger.run(context)
        for kind, count in counts.items():
            totals[kind] += count
            if not dry_run and count:
                records_purged_total.labels(kind=kind).inc(count)
        logger.info("purge_kind_finished", extra={"purger": purger.kind, "dry_run": dry_run, "counts": counts})
    result = dict(sorted(totals.items()))
    logger.info(
        "purge_finished",
        extra={"dry_run": dry_run, "duration_s": round(time.monotonic() - started, 3), **{f"purged_{k}": v for k, v in result.items()}},
    )
    return result
