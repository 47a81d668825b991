from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from accounts import api as accounts_api
from accounts import privacy_api
from dealscout.api import router
from monitoring import views as monitoring_views
from searches import api as searches_api

# The owner's matched listings live in `searches`: `listings` knows nothing of users.
router.register("searches", searches_api.SearchViewSet, basename="search")
router.register("listings", searches_api.MatchedListingViewSet, basename="listing")

urlpatterns = [
    path("health", monitoring_views.health, name="health"),
    path("admin/", admin.site.urls),
    path("api/v1/auth/", include(privacy_api.urlpatterns)),
    path("api/v1/auth/", include(accounts_api.urlpatterns)),
    path("", include("alerts.urls")),  # alert channels and one-click unsubscribe, before the router
    path("api/v1/monitoring/", include("monitoring.urls")),
    path("api/v1/", include(router.urls)),
]
