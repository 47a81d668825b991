from __future__ import annotations

from django.urls import path

from monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("health/live", views.live, name="live"),
    path("health/ready", views.ready, name="ready"),
    path("health/detailed", views.detailed, name="detailed"),
    path("metrics", views.metrics, name="metrics"),
]
