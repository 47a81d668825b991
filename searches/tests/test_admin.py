"""Operator console for searches: run now, pause, resume (the API's services), match inline."""

from __future__ import annotations

import pytest

from listings.tests.factories import MarketplaceFactory
from searches.models import Search
from searches.tests.factories import MatchFactory, SearchFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/searches/search/"


def _act(staff_client, action: str, searches):
    return staff_client.post(CHANGELIST, {"action": action, "_selected_action": [s.pk for s in searches]}, follow=True)


def test_run_now_queues_a_scout_per_search_and_reports_refusals(
    staff_client, alice, market, task_queue, django_capture_on_commit_callbacks
):
    ready = SearchFactory(owner=alice, marketplaces=[market])
    paused = SearchFactory(owner=alice, is_active=False, marketplaces=[market])
    with django_capture_on_commit_callbacks(execute=True):
        response = _act(staff_client, "run_now", [ready, paused])
    text = response.content.decode()
    assert "1 scout(s) queued." in text
    assert f"{paused.name}: This search is paused" in text
    tasks = task_queue.drain()
    assert [(t["func"], t["args"][1]) for t in tasks] == [("searches.tasks.scout", [ready.pk])]


def test_pause_and_resume_actions(staff_client, alice, market):
    searches = [SearchFactory(owner=alice, marketplaces=[market]) for _ in range(2)]
    assert "2 search(es) paused." in _act(staff_client, "pause", searches).content.decode()
    assert not Search.objects.filter(is_active=True).exists()
    assert "2 search(es) resumed." in _act(staff_client, "resume", searches).content.decode()
    assert Search.objects.filter(is_active=True).count() == 2


def test_search_page_shows_its_matches_inline(staff_client, alice, market):
    search = SearchFactory(owner=alice, marketplaces=[market, MarketplaceFactory()])
    match = MatchFactory(search=search)
    response = staff_client.get(f"{CHANGELIST}{search.pk}/change/")
    assert response.status_code == 200
    assert match.listing.title in response.content.decode()


def test_changelist_filters_and_search_work(staff_client, alice, market):
    SearchFactory(owner=alice, name="Findable laptop", marketplaces=[market])
    assert "Findable laptop" in staff_client.get(CHANGELIST, {"q": "alice@"}).content.decode()
    assert staff_client.get(CHANGELIST, {"is_active__exact": "1", "marketplaces__id__exact": market.pk}).status_code == 200
