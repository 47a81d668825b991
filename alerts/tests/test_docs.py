"""docs/ALERTS.md tells the truth: its verification code works and its payload matches ours."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from alerts.channels.webhook import SIGNATURE_HEADER, webhook_payload, webhook_signature
from alerts.messages import Message, MessageItem, SearchRef

DOC = (Path(__file__).resolve().parents[2] / "docs" / "ALERTS.md").read_text()


def _block(language: str, index: int = 0) -> str:
    return re.findall(rf"```{language}\n(.*?)```", DOC, flags=re.S)[index]


def _message() -> Message:
    item = MessageItem(
        kind="new",
        listing_id=91,
        title="Fujifilm X100V silver",
        url="https://shop.example/item/91",
        image_url="https://shop.example/img/91.jpg",
        price=Decimal("849.00"),
        currency="USD",
        marketplace="Sandbox Market",
        location="Brooklyn, NY",
        condition="Used",
        first_seen_at=datetime(2026, 11, 30, 10, 19, 41, tzinfo=UTC),
        deal_score=Decimal("18.50"),
        score_explanation="18.5% below",
        searches=[SearchRef(id=7, name="X100V", manage_url="https://x/searches/7/", unsubscribe_url="https://x/u/")],
    )
    return Message(4711, "instant", 1, "a@example.test", "", datetime(2026, 11, 30, 10, 20, tzinfo=UTC), [item], "https://x/u/")


def test_documented_verification_accepts_our_signature_and_rejects_others() -> None:
    namespace: dict = {}
    exec(_block("python"), namespace)  # noqa: S102 - our own document's example
    verify = namespace["verify"]
    body = json.dumps(webhook_payload(message=_message())).encode()
    header = webhook_signature(secret="s" * 32, timestamp=int(time.time()), body=body)
    assert verify("s" * 32, header, body)
    assert not verify("t" * 32, header, body)
    assert not verify("s" * 32, header, body + b" ")
    stale = webhook_signature(secret="s" * 32, timestamp=int(time.time()) - 3600, body=body)
    assert not verify("s" * 32, stale, body)
    assert SIGNATURE_HEADER in DOC


def test_documented_payload_has_exactly_our_fields() -> None:
    documented = json.loads(_block("json"))
    actual = json.loads(json.dumps(webhook_payload(message=_message())))
    assert documented.keys() == actual.keys()
    assert documented["items"][0].keys() == actual["items"][0].keys()
    assert documented["items"][0]["listing"].keys() == actual["items"][0]["listing"].keys()
    assert documented["items"][0]["searches"][0].keys() == actual["items"][0]["searches"][0].keys()
    assert documented["version"] == actual["version"]
