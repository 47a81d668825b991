"""docs/API_REFERENCE.md and the OpenAPI schema cannot drift apart.

Convention: each operation has a section headed ``### `METHOD /path` `` with the path as
the schema spells it; the section holds a request block (starting "METHOD /path") and a
response block (starting "HTTP/1.1").
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

REFERENCE = Path(settings.BASE_DIR) / "docs" / "API_REFERENCE.md"
HEADING = re.compile(r"^### `(GET|POST|PUT|PATCH|DELETE) (/\S*)`\s*$", re.MULTILINE)
METHODS = {"get", "post", "put", "patch", "delete"}


def schema_operations(client) -> set[tuple[str, str]]:
    schema = client.get("/api/schema/?format=json").json()
    return {(method.upper(), path) for path, item in schema["paths"].items() for method in item if method in METHODS}


def reference_sections(text: str) -> dict[tuple[str, str], str]:
    matches = list(HEADING.finditer(text))
    sections = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        following = re.search(r"^#{1,3} ", text[match.end() : end], re.MULTILINE)
        body_end = match.end() + following.start() if following else end
        key = (match.group(1), match.group(2))
        assert key not in sections, f"{key} has two sections"
        sections[key] = text[match.end() : body_end]
    return sections


def test_every_schema_operation_is_in_the_reference_and_nothing_else(client):
    documented = set(reference_sections(REFERENCE.read_text()))
    operations = schema_operations(client)
    missing = sorted(operations - documented)
    stale = sorted(documented - operations)
    assert not missing, f"operations missing from docs/API_REFERENCE.md: {missing}"
    assert not stale, f"docs/API_REFERENCE.md names operations that do not exist: {stale}"


def test_every_section_has_a_request_and_a_response_example():
    for (method, path), body in reference_sections(REFERENCE.read_text()).items():
        prefix = re.escape(method) + " " + re.escape(path.split("{")[0])
        assert re.search(rf"^```http\n{prefix}", body, re.MULTILINE), f"{method} {path}: no request example"
        assert re.search(r"^```http\nHTTP/1\.1 \d{3}", body, re.MULTILINE), f"{method} {path}: no response example"


def test_the_drift_check_would_catch_a_missing_and_a_stale_heading():
    text = REFERENCE.read_text()
    sections = reference_sections(text)
    assert ("GET", "/api/v1/searches/") in sections
    altered = text.replace("### `GET /api/v1/searches/`", "### `GET /api/v1/searchez/`")
    changed = set(reference_sections(altered))
    assert ("GET", "/api/v1/searches/") not in changed and ("GET", "/api/v1/searchez/") in changed


def test_reference_states_the_real_limits():
    text = REFERENCE.read_text()
    from dealscout.api import MAX_PAGE_SIZE, Pagination

    assert f"capped at {MAX_PAGE_SIZE}" in text and f"defaults to\n{Pagination.page_size}" in text
    for scope, rate in settings.API_THROTTLE_RATES.items():
        assert f"| `{scope}` |" in text and f"| {rate} |" in text, scope
