from __future__ import annotations

from django.urls import path

from alerts import views

# Included before the API router in dealscout/urls.py, so "channels" is never read as an alert id.
urlpatterns = [
    path("api/v1/alerts/channels/", views.ChannelListView.as_view(), name="alert-channel-list"),
    path("api/v1/alerts/channels/<int:channel_id>/", views.ChannelDetailView.as_view(), name="alert-channel-detail"),
    path("api/v1/alerts/channels/<int:channel_id>/test/", views.ChannelTestView.as_view(), name="alert-channel-test"),
    path("alerts/unsubscribe/<str:token>/", views.unsubscribe, name="alert-unsubscribe"),
]
