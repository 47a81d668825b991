"""The retention periods, at their boundaries: a day before is kept, a day after is gone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django_q.models import Task
from prometheus_client import REGISTRY

from accounts import retention, tasks
from accounts.models import ActivityLog, ErasureRecord, User
from accounts.privacy import TASK_RESULT_RETENTION_DAYS
from accounts.tests.conftest import T0
from accounts.tests.factories import ActivityLogFactory, UserFactory
from alerts.tests.factories import AlertFactory
from dealscout.schedules import SCHEDULES
from listings.models import Listing, PriceObservation, ScrapeRun
from listings.privacy import SCRAPE_RUN_RETENTION_DAYS
from listings.tests.factories import ScrapeRunFactory, listing_with_history
from searches.models import Match, Search
from searches.tests.factories import MatchFactory, SearchFactory

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def test_listing_kept_a_day_before_its_period_and_purged_with_history_a_day_after(clock) -> None:
    listing = listing_with_history(observations=3)
    match = MatchFactory(listing=listing)
    alert = AlertFactory(listing=listing, search=match.search)
    fresh = listing_with_history()  # seen again later: stays
    period = timedelta(days=settings.LISTING_RETENTION_DAYS)

    clock.move_to(T0 + period - DAY)
    Listing.objects.filter(pk=fresh.pk).update(last_seen_at=T0 + period - DAY)
    assert retention.purge_expired()["listings"] == 0
    assert Listing.objects.filter(pk=listing.pk).exists()

    clock.move_to(T0 + period + DAY)
    counts = retention.purge_expired()

    assert counts["listings"] == 1
    assert counts["listings_priceobservation"] == 3
    assert counts["searches_match"] == 1
    assert counts["alerts_alert"] == 1
    assert not Listing.objects.filter(pk=listing.pk).exists()
    assert not PriceObservation.objects.filter(listing_id=listing.pk).exists()
    assert not Match.objects.filter(pk=match.pk).exists()
    assert alert.__class__.objects.filter(pk=alert.pk).count() == 0
    assert Listing.objects.filter(pk=fresh.pk).exists()
    assert PriceObservation.objects.filter(listing=fresh).count() == 2


def test_saved_listing_is_kept_while_saved_then_purged(clock) -> None:
    saved = listing_with_history()
    match = MatchFactory(listing=saved, saved=True)
    MatchFactory(listing=saved, saved=False)  # another search's unsaved match does not matter

    clock.move_to(T0 + timedelta(days=settings.LISTING_RETENTION_DAYS * 10))
    assert retention.purge_expired()["listings"] == 0
    assert PriceObservation.objects.filter(listing=saved).count() == 2

    Match.objects.filter(pk=match.pk).update(saved=False)
    assert retention.purge_expired()["listings"] == 1
    assert not Listing.objects.filter(pk=saved.pk).exists()


def test_activity_log_boundaries(clock) -> None:
    entry = ActivityLogFactory()
    period = timedelta(days=settings.ACTIVITY_LOG_RETENTION_DAYS)
    clock.move_to(T0 + period - DAY)
    retention.purge_expired()
    assert ActivityLog.objects.filter(pk=entry.pk).exists()
    clock.move_to(T0 + period + DAY)
    assert retention.purge_expired()["activity_logs"] == 1
    assert not ActivityLog.objects.filter(pk=entry.pk).exists()


def test_scrape_run_boundaries(clock) -> None:
    run = ScrapeRunFactory()
    clock.move_to(T0 + timedelta(days=SCRAPE_RUN_RETENTION_DAYS) - DAY)
    retention.purge_expired()
    assert ScrapeRun.objects.filter(pk=run.pk).exists()
    clock.move_to(T0 + timedelta(days=SCRAPE_RUN_RETENTION_DAYS) + DAY)
    assert retention.purge_expired()["scrape_runs"] == 1
    assert not ScrapeRun.objects.filter(pk=run.pk).exists()


def test_task_result_boundaries(clock) -> None:
    Task.objects.create(id="a" * 32, name="old", func="accounts.tasks.purge_expired", started=T0, stopped=T0, success=True)
    clock.move_to(T0 + timedelta(days=TASK_RESULT_RETENTION_DAYS) - DAY)
    retention.purge_expired()
    assert Task.objects.count() == 1
    clock.move_to(T0 + timedelta(days=TASK_RESULT_RETENTION_DAYS) + DAY)
    assert retention.purge_expired()["task_results"] == 1
    assert Task.objects.count() == 0


def test_deleted_account_erased_only_after_grace_period(clock) -> None:
    from accounts.gdpr import user_delete_request

    user = UserFactory(email="leaving@example.org")
    SearchFactory(owner=user)
    user_delete_request(user=user)
    grace = timedelta(days=settings.DELETED_USER_GRACE_DAYS)

    clock.move_to(T0 + grace - DAY)
    assert retention.purge_expired()["deleted_users"] == 0
    assert User.objects.filter(pk=user.pk, is_active=False).exists()

    clock.move_to(T0 + grace + DAY)
    assert retention.purge_expired()["deleted_users"] == 1
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Search.objects.filter(owner_id=user.pk).exists()
    record = ErasureRecord.objects.get()
    assert record.reason == "grace_expired"
    assert record.requested_at == T0


def test_dry_run_counts_and_deletes_nothing(clock) -> None:
    listing_with_history(observations=2)
    ActivityLogFactory()
    clock.move_to(T0 + timedelta(days=365))

    counts = retention.purge_expired(dry_run=True)

    assert counts["listings"] == 1
    assert counts["listings_priceobservation"] == 2
    assert counts["activity_logs"] == 1
    assert Listing.objects.count() == 1
    assert PriceObservation.objects.count() == 2
    assert ActivityLog.objects.count() == 1


def test_small_batches_delete_everything_and_a_second_run_finds_nothing(clock) -> None:
    for _ in range(7):
        listing_with_history(observations=1)
    seen: list[tuple[str, int]] = []
    clock.move_to(T0 + timedelta(days=365))

    first = retention.purge_expired(batch_size=3, progress=lambda kind, done: seen.append((kind, done)))
    second = retention.purge_expired(batch_size=3)

    assert first["listings"] == 7
    assert first["listings_priceobservation"] == 7
    assert [done for kind, done in seen if kind == "listings"] == [3, 6, 7]
    assert second["listings"] == 0
    assert Listing.objects.count() == 0


def test_purge_counts_reach_the_metric(clock) -> None:
    before = REGISTRY.get_sample_value("records_purged_total", {"kind": "activity_logs"}) or 0
    ActivityLogFactory.create_batch(2)
    clock.move_to(T0 + timedelta(days=365))
    retention.purge_expired(dry_run=True)
    assert (REGISTRY.get_sample_value("records_purged_total", {"kind": "activity_logs"}) or 0) == before
    retention.purge_expired()
    assert REGISTRY.get_sample_value("records_purged_total", {"kind": "activity_logs"}) == before + 2


def test_command_prints_counts_and_dry_run_deletes_nothing(clock, capsys) -> None:
    ActivityLogFactory.create_batch(3)
    clock.move_to(T0 + timedelta(days=365))

    call_command("purge_expired", "--dry-run")
    out = capsys.readouterr().out
    assert "dry run" in out
    assert "activity_logs" in out and "would delete 3" in out
    assert ActivityLog.objects.count() == 3

    call_command("purge_expired")
    out = capsys.readouterr().out
    assert "deleted 3" in out
    assert ActivityLog.objects.count() == 0


def test_daily_schedule_runs_the_purge_task(clock) -> None:
    spec = next(spec for spec in SCHEDULES if spec.func == "accounts.tasks.purge_expired")
    assert spec.schedule_type == "D"
    ActivityLogFactory()
    clock.move_to(T0 + timedelta(days=365))
    assert tasks.purge_expired()["activity_logs"] == 1


def test_a_delete_signal_on_a_purged_model_is_honoured(clock) -> None:
    """With a receiver, rows go through Django's collector, which sends the signal per row."""
    from django.db.models.signals import post_delete

    listing_with_history(observations=2)
    seen: list[int] = []

    def receiver(sender, instance, **kwargs) -> None:  # noqa: ANN001
        seen.append(instance.pk)

    post_delete.connect(receiver, sender=Listing)
    try:
        clock.move_to(T0 + timedelta(days=365))
        counts = retention.purge_expired()
    finally:
        post_delete.disconnect(receiver, sender=Listing)
    assert counts["listings"] == 1 and counts["listings_priceobservation"] == 2
    assert len(seen) == 1


def test_notification_boundaries_take_their_deliveries(clock) -> None:
    from alerts.models import Delivery, Notification, NotificationChannel
    from alerts.privacy import NOTIFICATION_RETENTION_DAYS
    from alerts.tests.factories import DeliveryFactory

    delivery = DeliveryFactory()
    notification, channel = delivery.notification, delivery.channel
    period = timedelta(days=NOTIFICATION_RETENTION_DAYS)
    clock.move_to(T0 + period - DAY)
    retention.purge_expired()
    assert Notification.objects.filter(pk=notification.pk).exists()
    clock.move_to(T0 + period + DAY)
    assert retention.purge_expired()["notifications"] == 1
    assert not Delivery.objects.exists()
    assert NotificationChannel.objects.filter(pk=channel.pk).exists()


def test_expired_api_tokens_are_purged_and_live_ones_kept(clock) -> None:
    from knox.models import AuthToken

    user = UserFactory()
    AuthToken.objects.create(user, expiry=timedelta(days=1))
    AuthToken.objects.create(user, expiry=timedelta(days=3))
    clock.move_to(T0 + 2 * DAY)
    assert retention.purge_expired()["api_tokens"] == 1
    assert AuthToken.objects.filter(user=user).count() == 1
