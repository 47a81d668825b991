"""A marketplace down for long enough: each person whose active searches use it hears once, and once more when it is back."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from accounts.tests.factories import UserFactory
from alerts.models import NotificationChannel, UserNotice
from dealscout.schedules import SCHEDULES
from listings.models import MarketplaceOutage, ScrapeRun
from listings.tests.factories import MarketplaceFactory, ScrapeRunFactory
from searches.outages import marketplace_outages_notify
from searches.tests.factories import SearchFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _six_hours(settings: Any) -> None:
    settings.MARKETPLACE_OUTAGE_AFTER_HOURS = 6


def run(marketplace: Any, status: str, hours_ago: float) -> ScrapeRun:
    error = "" if status in ("ok", "empty") else f"{status}: robots.txt of the site disallows /search"
    return ScrapeRunFactory(marketplace=marketplace, status=status, error=error, started_at=timezone.now() - timedelta(hours=hours_ago))


def broken_since_seven_hours(marketplace: Any) -> None:
    run(marketplace, "ok", 9)
    for hours in (7, 5, 3, 1):
        run(marketplace, "blocked", hours)


def subjects(to: str) -> list[str]:
    return [message.subject for message in mail.outbox if to in message.to]


def test_outage_tells_each_affected_person_once_across_rounds_then_once_more_when_it_works() -> None:
    market = MarketplaceFactory(slug="cl-sfbay", name="Craigslist SF Bay Area")
    other = MarketplaceFactory(slug="fine")
    alice, carol = UserFactory(), UserFactory()
    SearchFactory(owner=alice, name="X100V", marketplaces=[market])
    SearchFactory(owner=alice, name="Ricoh GR", marketplaces=[market, other])  # two searches on it: one notice
    SearchFactory(owner=carol, name="Bike", marketplaces=[market])
    broken_since_seven_hours(market)
    run(other, "ok", 0.5)

    first = marketplace_outages_notify()
    for _ in range(3):
        again = marketplace_outages_notify()

    assert (first.opened, first.down_notices) == (1, 2)
    assert (again.opened, again.down_notices) == (0, 0)
    assert subjects(alice.email) == ["Deal Scout cannot read Craigslist SF Bay Area at the moment"]
    assert subjects(carol.email) == ["Deal Scout cannot read Craigslist SF Bay Area at the moment"]
    body = next(message.body for message in mail.outbox if alice.email in message.to)
    assert '"Ricoh GR", "X100V"' in body and "will tell you when it does" in body
    outage = MarketplaceOutage.objects.get()
    assert (
        outage.ended_at is None
        and outage.started_at == ScrapeRun.objects.filter(marketplace=market, status="blocked").earliest("started_at").started_at
    )

    run(market, "ok", 0)  # works again
    back = marketplace_outages_notify()
    later = marketplace_outages_notify()

    assert (back.ended, back.up_notices, later.up_notices) == (1, 2, 0)
    assert subjects(alice.email)[1:] == ["Craigslist SF Bay Area works again"]
    assert subjects(carol.email)[1:] == ["Craigslist SF Bay Area works again"]
    assert MarketplaceOutage.objects.get().ended_at is not None
    assert UserNotice.objects.count() == 4


def test_people_whose_searches_are_paused_or_on_healthy_marketplaces_hear_nothing() -> None:
    market = MarketplaceFactory()
    healthy = MarketplaceFactory()
    paused, muted, elsewhere = UserFactory(), UserFactory(), UserFactory()
    SearchFactory(owner=paused, marketplaces=[market], is_active=False)
    SearchFactory(owner=muted, marketplaces=[market], alert_frequency="off")
    SearchFactory(owner=elsewhere, marketplaces=[healthy])
    broken_since_seven_hours(market)
    run(healthy, "ok", 1)

    result = marketplace_outages_notify()

    assert (result.opened, result.down_notices) == (1, 0)
    assert mail.outbox == []


def test_someone_who_deleted_their_account_meanwhile_is_not_told_it_works_again() -> None:
    market = MarketplaceFactory()
    leaver, stayer = UserFactory(), UserFactory()
    SearchFactory(owner=leaver, marketplaces=[market])
    SearchFactory(owner=stayer, marketplaces=[market])
    broken_since_seven_hours(market)
    assert marketplace_outages_notify().down_notices == 2
    leaver.deleted_at = timezone.now()
    leaver.save(update_fields=["deleted_at"])
    run(market, "ok", 0)
    assert marketplace_outages_notify().up_notices == 1
    assert len(subjects(leaver.email)) == 1 and len(subjects(stayer.email)) == 2


def test_failing_for_less_than_the_threshold_tells_nobody() -> None:
    market = MarketplaceFactory()
    SearchFactory(owner=UserFactory(), marketplaces=[market])
    run(market, "ok", 5)
    run(market, "timeout", 4)
    run(market, "timeout", 1)
    assert marketplace_outages_notify().opened == 0
    assert mail.outbox == [] and not MarketplaceOutage.objects.exists()


def test_someone_who_starts_using_a_broken_marketplace_is_told_too() -> None:
    market = MarketplaceFactory()
    first, newcomer = UserFactory(), UserFactory()
    SearchFactory(owner=first, marketplaces=[market])
    broken_since_seven_hours(market)
    marketplace_outages_notify()
    SearchFactory(owner=newcomer, marketplaces=[market])
    assert marketplace_outages_notify().down_notices == 1
    assert len(mail.outbox) == 2


def test_the_notice_reaches_a_webhook_as_type_notice(httpserver: Any, settings: Any) -> None:
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = True
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    market = MarketplaceFactory(name="Shop")
    person = UserFactory()
    NotificationChannel.objects.create(user=person, kind="webhook", config={"url": httpserver.url_for("/hook")}, secret="s" * 32)
    SearchFactory(owner=person, marketplaces=[market])
    broken_since_seven_hours(market)

    marketplace_outages_notify()

    ((request, _response),) = httpserver.log
    payload = json.loads(request.data)
    assert (payload["type"], payload["items"]) == ("notice", [])
    assert payload["notices"][0].startswith("We have not been able to read Shop since")
    notice = UserNotice.objects.get(user=person)
    assert (notice.channels_sent, notice.error) == (2, "")  # the webhook and the account's e-mail


def test_a_failing_channel_is_recorded_and_the_others_still_get_it(httpserver: Any, settings: Any) -> None:
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = True
    httpserver.expect_request("/hook", method="POST").respond_with_data("no", status=500)
    market = MarketplaceFactory()
    person = UserFactory()
    NotificationChannel.objects.create(user=person, kind="webhook", config={"url": httpserver.url_for("/hook")}, secret="s" * 32)
    SearchFactory(owner=person, marketplaces=[market])
    broken_since_seven_hours(market)

    marketplace_outages_notify()

    notice = UserNotice.objects.get(user=person)
    assert notice.channels_sent == 1 and "HTTP 500" in notice.error
    assert len(mail.outbox) == 1


def test_the_outage_check_is_a_declared_schedule() -> None:
    spec = next(spec for spec in SCHEDULES if spec.name == "notify-marketplace-outages")
    assert spec.func == "searches.tasks.notify_marketplace_outages"
    from searches.tasks import notify_marketplace_outages

    assert notify_marketplace_outages().startswith("opened 0, ended 0")
