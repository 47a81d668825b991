"""Digests, quiet hours and the hourly cap, with time frozen (time-machine)."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
import time_machine
from django.core import mail

from accounts.tests.factories import PreferencesFactory, UserFactory
from alerts import timing
from alerts.models import Alert, Notification
from alerts.services import alerts_deliver_due, alerts_process
from listings.tests.factories import ListingFactory
from searches.tests.factories import SearchFactory

from .conftest import notify

pytestmark = pytest.mark.django_db


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_hourly_digest_waits_for_the_full_hour_and_sends_one_message() -> None:
    user = UserFactory()
    PreferencesFactory(user=user, frequency="hourly")
    search = SearchFactory(owner=user)
    with time_machine.travel(at("2026-11-30 10:20:00"), tick=False):
        alerts_process(alert_ids=notify(search, ListingFactory(title="First camera")))
    with time_machine.travel(at("2026-11-30 10:40:00"), tick=False):
        alerts_process(alert_ids=notify(search, ListingFactory(title="Second camera")))
        assert len(mail.outbox) == 0
    with time_machine.travel(at("2026-11-30 10:59:59"), tick=False):
        alerts_deliver_due()
        assert len(mail.outbox) == 0
    with time_machine.travel(at("2026-11-30 11:00:30"), tick=False):
        alerts_deliver_due()
        alerts_deliver_due()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Deal Scout digest: 2 listings"
    assert "First camera" in mail.outbox[0].body and "Second camera" in mail.outbox[0].body
    assert set(Alert.objects.values_list("status", "held_for")) == {(Alert.Status.SENT, "hourly")}


def test_search_override_beats_the_account_frequency() -> None:
    user = UserFactory()
    PreferencesFactory(user=user, frequency="daily")
    urgent = SearchFactory(owner=user, alert_frequency="instant")
    normal = SearchFactory(owner=user)
    with time_machine.travel(at("2026-11-30 10:20:00"), tick=False):
        alerts_process(alert_ids=notify(urgent, ListingFactory(title="Urgent one")) + notify(normal, ListingFactory(title="Can wait")))
        assert [message.subject for message in mail.outbox] == ["New match: Urgent one - 400.00 USD"]
    with time_machine.travel(at("2026-11-30 23:00:00"), tick=False):
        alerts_deliver_due()
        assert len(mail.outbox) == 1
    with time_machine.travel(at("2026-12-01 08:00:10"), tick=False):  # the daily digest hour, UTC user
        alerts_deliver_due()
    assert len(mail.outbox) == 2
    assert "Can wait" in mail.outbox[1].body and "Urgent one" not in mail.outbox[1].body


def test_quiet_hours_in_the_users_time_zone_hold_alerts_then_send_one_digest() -> None:
    user = UserFactory(timezone="Europe/Berlin")  # UTC+1 in winter
    PreferencesFactory(user=user, quiet_hours_start=time(22, 0), quiet_hours_end=time(7, 0))
    search = SearchFactory(owner=user)
    with time_machine.travel(at("2026-11-30 21:30:00"), tick=False):  # 22:30 in Berlin
        alerts_process(alert_ids=notify(search, ListingFactory(title="Late night deal")))
    with time_machine.travel(at("2026-12-01 02:00:00"), tick=False):  # 03:00 in Berlin
        alerts_process(alert_ids=notify(search, ListingFactory(title="Small hours deal")))
        alerts_deliver_due()
    with time_machine.travel(at("2026-12-01 05:59:00"), tick=False):  # 06:59 in Berlin
        alerts_deliver_due()
    assert len(mail.outbox) == 0
    assert set(Alert.objects.values_list("held_for", flat=True)) == {"quiet_hours"}
    with time_machine.travel(at("2026-12-01 06:00:20"), tick=False):  # 07:00 in Berlin
        alerts_deliver_due()
    assert len(mail.outbox) == 1
    assert "Late night deal" in mail.outbox[0].body and "Small hours deal" in mail.outbox[0].body
    with time_machine.travel(at("2026-12-01 06:10:00"), tick=False):  # quiet hours over: instant again
        alerts_process(alert_ids=notify(search, ListingFactory(title="Breakfast deal")))
    assert len(mail.outbox) == 2 and mail.outbox[1].subject.startswith("New match: Breakfast deal")


def test_hourly_cap_turns_the_overflow_into_a_digest_and_drops_nothing() -> None:
    user = UserFactory()
    PreferencesFactory(user=user, hourly_cap=2)
    search = SearchFactory(owner=user)
    with time_machine.travel(at("2026-11-30 10:00:00"), tick=False):
        alerts_process(alert_ids=notify(search, ListingFactory(title="Deal A")))
    with time_machine.travel(at("2026-11-30 10:10:00"), tick=False):
        ids = []
        for title in ("Deal B", "Deal C", "Deal D"):
            ids += notify(search, ListingFactory(title=title))
        alerts_process(alert_ids=ids)
    assert [message.subject.split(" - ")[0] for message in mail.outbox] == ["New match: Deal A", "New match: Deal B"]
    with time_machine.travel(at("2026-11-30 10:59:00"), tick=False):
        alerts_deliver_due()
        assert len(mail.outbox) == 2
    with time_machine.travel(at("2026-11-30 11:00:05"), tick=False):  # the first instant message leaves the hour window
        alerts_deliver_due()
    assert len(mail.outbox) == 3
    assert "Deal C" in mail.outbox[2].body and "Deal D" in mail.outbox[2].body
    assert Notification.objects.filter(kind="digest").count() == 1
    assert not Alert.objects.exclude(status=Alert.Status.SENT).exists()


def test_user_without_any_enabled_channel_gets_the_alert_skipped_not_lost() -> None:
    user = UserFactory()
    PreferencesFactory(user=user, email_enabled=False)
    ids = notify(SearchFactory(owner=user), ListingFactory())
    alerts_process(alert_ids=ids)
    alert = Alert.objects.get(pk=ids[0])
    assert alert.status == Alert.Status.SKIPPED and alert.error == "no enabled channel"


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ("2026-11-30 21:59:59", None),
        ("2026-11-30 22:00:00", "2026-12-01 07:00:00"),
        ("2026-12-01 03:00:00", "2026-12-01 07:00:00"),
        ("2026-12-01 07:00:00", None),
    ],
)
def test_quiet_window_wrapping_midnight(local: str, expected: str | None) -> None:
    now = at(local)  # a UTC user: local time is UTC
    end = timing.quiet_until(now=now, tz_name="UTC", start=time(22), end=time(7))
    assert end == (at(expected) if expected else None)


def test_daytime_quiet_window_and_no_window() -> None:
    assert timing.quiet_until(now=at("2026-11-30 13:00:00"), tz_name="UTC", start=time(12), end=time(14)) == at("2026-11-30 14:00:00")
    assert timing.quiet_until(now=at("2026-11-30 13:00:00"), tz_name="UTC", start=None, end=None) is None
    assert timing.quiet_until(now=at("2026-11-30 13:00:00"), tz_name="Not/AZone", start=time(12), end=time(14)) is not None


def test_next_digest_times_in_the_users_zone() -> None:
    now = at("2026-11-30 10:20:00")
    assert timing.next_digest_at(now=now, tz_name="UTC", frequency="hourly") == at("2026-11-30 11:00:00")
    assert timing.next_digest_at(now=now, tz_name="Asia/Kolkata", frequency="hourly") == at("2026-11-30 10:30:00")  # UTC+5:30
    assert timing.next_digest_at(now=now, tz_name="America/New_York", frequency="daily") == at("2026-11-30 13:00:00")  # 05:20 there
    assert timing.next_digest_at(now=at("2026-11-30 07:00:00"), tz_name="UTC", frequency="daily") == at("2026-11-30 08:00:00")


def test_deleted_account_gets_nothing() -> None:
    from django.utils import timezone

    user = UserFactory(deleted_at=timezone.now())
    ids = notify(SearchFactory(owner=user), ListingFactory())
    alerts_process(alert_ids=ids)
    assert len(mail.outbox) == 0
    assert Alert.objects.get(pk=ids[0]).status == Alert.Status.SKIPPED
