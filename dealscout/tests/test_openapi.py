"""The OpenAPI schema documents every operation fully, and the docs page works offline."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def schema(client) -> dict:
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def _operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", operation


def test_schema_is_openapi_3_with_token_auth(schema):
    assert schema["openapi"].startswith("3.")
    schemes = schema["components"]["securitySchemes"]
    assert any(s.get("type") == "apiKey" and s.get("name") == "Authorization" for s in schemes.values())


def test_every_operation_has_schemas_errors_and_examples(schema):
    assert len(list(_operations(schema))) >= 25
    for name, operation in _operations(schema):
        responses = operation["responses"]
        success = [code for code in responses if code.startswith("2")]
        assert len(success) == 1, name
        for code in ("400", "401", "403", "404", "429", "500"):
            error = responses[code]["content"]["application/json"]
            assert error["schema"] == {"$ref": "#/components/schemas/Error"}, (name, code)
            assert set(error["example"]) == {"status", "code", "detail", "errors"}, (name, code)
        assert "Retry-After" in responses["429"]["headers"], name
        # Any media type will do (a metrics endpoint answers text/plain), but it needs a schema and an example.
        bodies = responses[success[0]].get("content", {}).values()
        if success[0] != "204":
            assert bodies and all("schema" in body for body in bodies), f"{name}: no response schema"
            assert any(body.get("examples") or body.get("example") for body in bodies), f"{name}: no response example"
        requests = operation.get("requestBody", {}).get("content", {}).values()
        if requests:
            assert any(body.get("examples") or body.get("example") for body in requests), f"{name}: no request example"
        assert operation.get("summary"), f"{name}: no summary"


def test_docs_page_is_served_from_our_own_static_files(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html.lower()
    external = [url for url in re.findall(r"""(?:src|href)=["']([^"']+)""", html) if url.startswith(("http:", "https:", "//"))]
    assert external == []
    assert "/static/drf_spectacular_sidecar/" in html
    assets = re.findall(r"""["']/static/(drf_spectacular_sidecar/[^"']+)""", html)
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    for asset in assets:
        assert finders.find(asset), f"{asset} is not shipped with the sidecar package"
