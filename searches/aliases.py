"""The alias table matching uses, cached so that matching never queries per listing.

Each process keeps the table it built with the version it was built at; the version
lives in the shared cache, so a staff edit (any save or delete of an Alias, through the
admin or not: the signals in searches.apps) bumps it and every process rebuilds on its
next compile. A broken cache only costs a database read.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from pathlib import Path

from django.core.cache import cache
from django.db import DatabaseError

from core.cache import CACHE_ERRORS
from searches.query import AliasTable

logger = logging.getLogger(__name__)

DATA_FILE = Path(__file__).parent / "data" / "aliases.json"
_VERSION_KEY = "searches:aliases:version"
# How long a process trusts its table before asking the shared cache for the version
# again: matching then costs no cache read at all; another process's edit shows within this.
ALIAS_RECHECK_SECONDS = 5.0
_lock = threading.Lock()
_local: dict[str, object] = {"version": None, "table": None, "checked": 0.0}


def _version() -> object:
    try:
        version = cache.get(_VERSION_KEY)
        if version is None:
            version = 1
            cache.add(_VERSION_KEY, version, timeout=None)
        return version
    except CACHE_ERRORS:
        return None  # no shared cache: rebuild each time rather than serve a stale table


def alias_table() -> AliasTable:
    """The enabled aliases as a matching table: from memory, a cache read every few seconds,
    a database read when they changed."""
    now = time.monotonic()
    with _lock:
        fresh = now - float(_local["checked"]) < ALIAS_RECHECK_SECONDS  # type: ignore[arg-type]
        if fresh and _local["table"] is not None:
            return _local["table"]  # type: ignore[return-value]
    version = _version()
    with _lock:
        if version is not None and _local["version"] == version and _local["table"] is not None:
            _local["checked"] = now
            return _local["table"]  # type: ignore[return-value]
    from searches.models import Alias

    try:
        rows = list(Alias.objects.filter(enabled=True).values_list("term", "synonyms"))
    except DatabaseError:
        # No alias table yet (a database not migrated): the shipped aliases, not none.
        logger.warning("alias_table_unavailable_using_shipped")
        return shipped_alias_table()
    table = AliasTable.from_pairs((term, synonyms or []) for term, synonyms in rows)
    with _lock:
        _local["version"], _local["table"], _local["checked"] = version, table, now if version is not None else 0.0
    return table


def aliases_changed() -> None:
    """Make every process rebuild its alias table (called on any Alias save or delete)."""
    try:
        # A fresh random version, not a counter: two edits can never leave the same number.
        cache.set(_VERSION_KEY, secrets.token_hex(8), timeout=None)
    except CACHE_ERRORS:
        logger.warning("alias_cache_invalidation_failed")
    with _lock:
        _local["version"], _local["table"], _local["checked"] = None, None, 0.0


def shipped_aliases() -> list[dict[str, object]]:
    """The aliases shipped with the code (what the data migration loads)."""
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def shipped_alias_table() -> AliasTable:
    """The shipped aliases as a table, without the database (benchmarks, tests of the data)."""
    return AliasTable.from_pairs((row["term"], row["synonyms"]) for row in shipped_aliases())  # type: ignore[misc]
