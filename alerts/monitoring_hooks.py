"""What `alerts` tells the monitoring floor (discovered by monitoring.hooks)."""

from __future__ import annotations

from collections.abc import Iterator

from alerts.models import Alert
from monitoring.hooks import register_known_labels

# The outcomes alerts.services records in alerts_sent_total.
DELIVERY_OUTCOMES = ("sent", "failed")


@register_known_labels("alerts_sent_total")
def delivery_labels() -> Iterator[dict[str, str]]:
    for channel in Alert.Channel.values:
        for status in DELIVERY_OUTCOMES:
            yield {"channel": channel, "status": status}


@register_known_labels("alert_delivery_delay_seconds")
def delay_labels() -> Iterator[dict[str, str]]:
    for channel in Alert.Channel.values:
        yield {"channel": channel}


@register_known_labels("alerts_created_total")
def created_labels() -> Iterator[dict[str, str]]:
    for channel in Alert.Channel.values:
        for kind in Alert.Kind.values:
            yield {"channel": channel, "kind": kind}
