"""OpenAPI post-processing: every operation documents the error answers it can give.

The error statuses are the same for every operation (one shape, dealscout.api), so they
are added here once instead of on each view; an operation that declares its own error
response keeps it.
"""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "description": "The one error shape of the API.",
    "properties": {
        "status": {"type": "integer", "description": "The HTTP status, repeated."},
        "code": {"type": "string", "description": "A stable, machine-readable reason."},
        "detail": {"type": "string", "description": "A sentence for people."},
        "errors": {
            "type": "object",
            "description": "Field name -> messages, for validation errors; empty otherwise.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["status", "code", "detail", "errors"],
}

_EXAMPLES = {
    "400": ("Invalid input.", "invalid", {"max_price": ["Ensure this value is greater than or equal to 0."]}),
    "401": ("Authentication credentials were not provided.", "not_authenticated", {}),
    "403": ("You do not have permission to perform this action.", "permission_denied", {}),
    "404": ("Not found.", "not_found", {}),
    "405": ('Method "PUT" not allowed.', "method_not_allowed", {}),
    "429": ("Request was throttled. Expected available in 42 seconds.", "throttled", {}),
    "500": ("Server error.", "server_error", {}),
}

_DESCRIPTIONS = {
    "400": "Invalid input: `errors` names the fields.",
    "401": "No valid token or session (the answer carries `WWW-Authenticate: Token`).",
    "403": "Authenticated, but not allowed.",
    "404": "No such object, or it belongs to someone else.",
    "405": "Method not allowed on this path.",
    "429": "Throttled: retry after `Retry-After` seconds.",
    "500": "Unexpected server error.",
}

_HEADERS = {"429": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before retrying."}}}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for code, (detail, reason, errors) in _EXAMPLES.items():
                if code in responses:
                    continue
                body = {"status": int(code), "code": reason, "detail": detail, "errors": errors}
                responses[code] = {
                    "description": _DESCRIPTIONS[code],
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}, "example": body}},
                }
                if code in _HEADERS:
                    responses[code]["headers"] = _HEADERS[code]
    return result
