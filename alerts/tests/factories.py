"""Factories for the alerts app's own models: alerts, channels, notifications and deliveries."""

from __future__ import annotations

import factory

from accounts.tests.factories import UserFactory
from alerts.models import Alert, Delivery, Notification, NotificationChannel
from listings.tests.factories import ListingFactory
from searches.tests.factories import SearchFactory


class AlertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alert

    search = factory.SubFactory(SearchFactory)
    user = factory.LazyAttribute(lambda o: o.search.owner)
    listing = factory.SubFactory(ListingFactory)
    kind = Alert.Kind.NEW
    event_key = factory.Sequence(lambda n: f"new-{n}")
    # An alert carries the price its listing had when it was found.
    price = factory.SelfAttribute("listing.price")
    currency = factory.SelfAttribute("listing.currency")


class ChannelFactory(factory.django.DjangoModelFactory):
    """A channel row as it is stored (channel_create checks the URL; this does not)."""

    class Meta:
        model = NotificationChannel

    user = factory.SubFactory(UserFactory)
    kind = NotificationChannel.Kind.EMAIL


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    kind = Notification.Kind.INSTANT


class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delivery

    notification = factory.SubFactory(NotificationFactory)
    channel = factory.SubFactory(ChannelFactory, user=factory.SelfAttribute("..notification.user"))
