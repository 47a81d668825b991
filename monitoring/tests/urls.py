from __future__ import annotations

from django.urls import include, path

from dealscout.urls import urlpatterns as project_urlpatterns
from monitoring.tests import helpers

urlpatterns = [
    path("test/boom/", helpers.boom),
    path("test/hello/<int:pk>/", helpers.hello),
    path("test/queue/", helpers.queue_task),
    path("", include(project_urlpatterns)),
]
