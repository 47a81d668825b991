"""The web app's addresses. People bookmark them: keep them (issue 13)."""

from __future__ import annotations

from django.urls import path, register_converter

from web.views import account, alerts, auth, deals, listings, searches, settings


class IdConverter:
    """A row id: 1 to 18 digits. Longer cannot be an id: a 404, not a database overflow (as the API)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")

app_name = "web"

urlpatterns = [
    path("", deals.deals, name="deals"),
    path("deals/<id:match_id>/save/", deals.match_save, name="match_save"),
    path("deals/<id:match_id>/dismiss/", deals.match_dismiss, name="match_dismiss"),
    # Signing up and in
    path("signup/", auth.signup, name="signup"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("password-reset/", auth.password_reset, name="password_reset"),
    path("password-reset/sent/", auth.password_reset_done, name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", auth.password_reset_confirm, name="password_reset_confirm"),
    path("password-reset/done/", auth.password_reset_complete, name="password_reset_complete"),
    path("email/confirm/<str:token>/", auth.email_confirm, name="email_confirm"),
    # Searches
    path("searches/", searches.search_list, name="search_list"),
    path("searches/new/", searches.search_new, name="search_new"),
    path("searches/preview/", searches.search_preview_partial, name="search_preview"),
    path("searches/<id:search_id>/", searches.search_detail, name="search_detail"),
    path("searches/<id:search_id>/pause/", searches.search_pause, name="search_pause"),
    path("searches/<id:search_id>/resume/", searches.search_resume, name="search_resume"),
    path("searches/<id:search_id>/run/", searches.search_run, name="search_run"),
    path("searches/<id:search_id>/delete/", searches.search_delete, name="search_delete"),
    # One listing
    path("listings/<id:listing_id>/", listings.listing_detail, name="listing_detail"),
    # Alerts
    path("alerts/", alerts.alert_list, name="alerts"),
    path("alerts/<id:alert_id>/read/", alerts.alert_read, name="alert_read"),
    path("alerts/read-all/", alerts.alert_read_all, name="alert_read_all"),
    # Settings and account
    path("settings/", settings.settings_page, name="settings"),
    path("settings/channels/", settings.channel_add, name="channel_add"),
    path("settings/channels/<id:channel_id>/toggle/", settings.channel_toggle, name="channel_toggle"),
    path("settings/channels/<id:channel_id>/delete/", settings.channel_delete, name="channel_delete"),
    path("settings/channels/<id:channel_id>/test/", settings.channel_test, name="channel_test"),
    path("settings/email/", settings.email_change, name="email_change"),
    path("settings/password/", settings.password_change, name="password_change"),
    path("account/", account.account, name="account"),
    path("account/export/", account.export, name="export"),
]
