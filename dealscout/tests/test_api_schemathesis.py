"""schemathesis against the schema the application serves: every operation, authenticated.

The WSGI application answers in-process (no port, no thread), on the test's database
connection. For each operation, hypothesis generates a bounded number of requests, both
valid and invalid (GenerationMode.all), half of the ``{id}`` paths point at a real object
of the user, and every response must: not be a 5xx, use a documented status code,
content type and headers, and match the documented response schema.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from knox.models import AuthToken
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from alerts.tests.factories import AlertFactory
from dealscout.wsgi import application
from listings.tests.factories import ListingFactory, PriceObservationFactory
from searches.tests.factories import MatchFactory, SearchFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

EXAMPLES_PER_OPERATION = 15
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance, response_schema_conformance]


@pytest.fixture
def same_connection() -> Iterator[None]:
    """Like Django's test client: keep the request from closing the test's connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(alice, market, settings_override):
    search = SearchFactory(owner=alice, marketplaces=[market])
    match = MatchFactory(search=search, listing=ListingFactory(marketplace=market))
    PriceObservationFactory(listing=match.listing)
    alert = AlertFactory(search=search, listing=match.listing)
    return {"searches": search, "listings": match, "alerts": alert}


@pytest.fixture
def settings_override(settings):
    generous = "1000000/min"
    settings.API_THROTTLE_RATES = dict.fromkeys(settings.API_THROTTLE_RATES, generous)
    settings.LOGIN_FAILURES_PER_ADDRESS = 1_000_000


def test_every_operation_conforms_to_the_schema(api_client, alice, world, market, same_connection):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    failures: list[str] = []
    calls = {"total": 0, "real_id": 0}

    def exercise(operation, resource: str):  # noqa: ANN001, ANN202
        @given(case=operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(GenerationMode.NEGATIVE))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case) -> None:  # noqa: ANN001
            if case.path_parameters and "id" in case.path_parameters and calls["total"] % 2 == 0:
                target = SearchFactory(owner=alice, marketplaces=[market]) if operation.method.upper() == "DELETE" else world[resource]
                case.path_parameters["id"] = target.pk
                calls["real_id"] += 1
            calls["total"] += 1
            _, token = AuthToken.objects.create(alice)  # fresh: logout and password change revoke tokens
            response = case.call(headers={"Authorization": f"Token {token}"})
            try:
                case.validate_response(response, checks=CHECKS)
            except Exception as exc:  # noqa: BLE001 - collect every operation's failures, then report
                failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:1500])

        return run

    for operation in operations:
        exercise(operation, operation.path.split("/")[3])()

    assert calls["real_id"] > 0
    assert not failures, "\n\n".join(failures[:10])
