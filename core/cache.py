"""What the shared cache raises when it is down.

Redis in production, Django's database cache on the embedded default. Callers that
can carry on without the cache (throttles, login limits) catch exactly these.
"""

from __future__ import annotations

from django.db import DatabaseError
from redis.exceptions import RedisError

CACHE_ERRORS: tuple[type[Exception], ...] = (RedisError, DatabaseError)
