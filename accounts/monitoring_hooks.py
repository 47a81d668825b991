"""What `accounts` tells the monitoring floor (discovered by monitoring.hooks)."""

from __future__ import annotations

from collections.abc import Iterator

from accounts.retention import purgers
from monitoring.hooks import register_known_labels


@register_known_labels("records_purged_total")
def purged_kinds() -> Iterator[dict[str, str]]:
    for purger in purgers():
        yield {"kind": purger.kind}
