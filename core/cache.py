"""What the shared cache raises when it is down.

Redis in production, Django's database cache on the embedded default. Callers that
can carry on without the cache (throttles, login limits) catch exactly these.
"""

from __future__ import annotations

from django.db import DatabaseError, OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

CACHE_ERRORS: tuple[type[Exception], ...] = (RedisError, DatabaseError)

# A backing service (Redis as cache or task broker, the database) is unreachable: the
# request may succeed if repeated later, so the API answers 503 with Retry-After
# (dealscout.api). Narrower than CACHE_ERRORS: an IntegrityError is a bug, not an outage.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (RedisConnectionError, RedisTimeoutError, OperationalError)
