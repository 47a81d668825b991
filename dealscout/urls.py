from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts import api as accounts_api
from accounts import privacy_api
from accounts.forms import LimitedAuthenticationForm
from alerts import api as alerts_api
from dealscout.api import router
from dealscout.dashboard import DashboardView
from listings import api as listings_api
from monitoring import views as monitoring_views
from searches import api as searches_api

# The owner's matched listings live in `searches`: `listings` knows nothing of users.
# Registered first: the most requested list, and patterns are tried in order.
router.register("listings", searches_api.MatchedListingViewSet, basename="listing")
router.register("searches", searches_api.SearchViewSet, basename="search")
router.register("alerts", alerts_api.AlertViewSet, basename="alert")
router.register("marketplaces", listings_api.MarketplaceViewSet, basename="marketplace")

# Django tries the patterns in order, a regex each, on every request: the API's most
# requested routes come first (bench/api.py), the web app last.
urlpatterns = [
    path("health", monitoring_views.health, name="health"),
    path("api/v1/dashboard/", DashboardView.as_view(), name="dashboard"),
    path("", include("alerts.urls")),  # alert channels and one-click unsubscribe, before the router
    path("api/v1/", include(router.urls)),
    path("api/v1/auth/", include(privacy_api.urlpatterns)),
    path("api/v1/auth/", include(accounts_api.urlpatterns)),
    path("api/v1/monitoring/", include("monitoring.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    # Session login for the browsable API (the API also accepts the session cookie), with
    # the failed-login limits' form in front of DRF's own login path.
    path(
        "api/session/login/",
        auth_views.LoginView.as_view(template_name="rest_framework/login.html", authentication_form=LimitedAuthenticationForm),
    ),
    path("api/session/", include("rest_framework.urls")),
    # The web app for people who save searches: /, /signup/, /login/, /searches/, ... (last: it owns "/").
    path("", include("web.urls")),
]

# Non-DRF paths under /api/ answer in the API's one error shape (dealscout.api).
handler400 = "dealscout.api.handler400"
handler403 = "dealscout.api.handler403"
handler404 = "dealscout.api.handler404"
handler500 = "dealscout.api.handler500"
