"""Every changelist of our models answers its search box, shows its filters and its date drill-down."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db

OUR_APPS = {"accounts", "listings", "searches", "alerts"}


def _our_admins():
    return [(model, model_admin) for model, model_admin in admin.site._registry.items() if model._meta.app_label in OUR_APPS]


def test_every_changelist_searches_filters_and_drills_down(staff_client, console_rows):
    admins = _our_admins()
    ours = {model for model in apps.get_models() if model._meta.app_label in OUR_APPS}
    assert {model for model, _ in admins} == ours, "every model of our apps has an admin"
    for model, model_admin in admins:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert staff_client.get(url).status_code == 200, url
        if model_admin.search_fields:
            assert staff_client.get(url, {"q": "thinkpad"}).status_code == 200, url
        if model_admin.date_hierarchy:
            response = staff_client.get(url, {f"{model_admin.date_hierarchy}__year": "2026"})
            assert response.status_code == 200, url
        if model_admin.list_filter:
            assert 'id="changelist-filter"' in staff_client.get(url).content.decode(), url


@pytest.fixture
def console_rows(alice, market):
    from alerts.tests.factories import AlertFactory
    from listings.tests.factories import PriceObservationFactory, ScrapeRunFactory
    from searches.tests.factories import MatchFactory, SearchFactory

    search = SearchFactory(owner=alice, marketplaces=[market])
    match = MatchFactory(search=search)
    PriceObservationFactory(listing=match.listing)
    AlertFactory(search=search, listing=match.listing)
    ScrapeRunFactory(marketplace=market)
