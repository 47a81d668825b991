"""The web app's addresses. People bookmark them: keep them (issue 13)."""

from __future__ import annotations

from django.urls import path

from web.views import account, alerts, auth, deals, listings, searches, settings

app_name = "web"

urlpatterns = [
    path("", deals.deals, name="deals"),
    path("deals/<int:match_id>/save/", deals.match_save, name="match_save"),
    path("deals/<int:match_id>/dismiss/", deals.match_dismiss, name="match_dismiss"),
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
    path("searches/<int:search_id>/", searches.search_detail, name="search_detail"),
    path("searches/<int:search_id>/pause/", searches.search_pause, name="search_pause"),
    path("searches/<int:search_id>/resume/", searches.search_resume, name="search_resume"),
    path("searches/<int:search_id>/run/", searches.search_run, name="search_run"),
    path("searches/<int:search_id>/delete/", searches.search_delete, name="search_delete"),
    # One listing
    path("listings/<int:listing_id>/", listings.listing_detail, name="listing_detail"),
    # Alerts
    path("alerts/", alerts.alert_list, name="alerts"),
    path("alerts/<int:alert_id>/read/", alerts.alert_read, name="alert_read"),
    path("alerts/read-all/", alerts.alert_read_all, name="alert_read_all"),
    # Settings and account
    path("settings/", settings.settings_page, name="settings"),
    path("settings/channels/", settings.channel_add, name="channel_add"),
    path("settings/channels/<int:channel_id>/toggle/", settings.channel_toggle, name="channel_toggle"),
    path("settings/channels/<int:channel_id>/delete/", settings.channel_delete, name="channel_delete"),
    path("settings/channels/<int:channel_id>/test/", settings.channel_test, name="channel_test"),
    path("settings/email/", settings.email_change, name="email_change"),
    path("settings/password/", settings.password_change, name="password_change"),
    path("account/", account.account, name="account"),
    path("account/export/", account.export, name="export"),
]
