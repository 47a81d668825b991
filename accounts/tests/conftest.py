from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import time_machine

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class Clock:
    """Frozen time the test moves by hand."""

    def __init__(self, traveller: time_machine.Coordinates) -> None:
        self._traveller = traveller

    def move_to(self, when: datetime) -> None:
        self._traveller.move_to(when)


@pytest.fixture
def clock() -> Iterator[Clock]:
    with time_machine.travel(T0, tick=False) as traveller:
        yield Clock(traveller)
