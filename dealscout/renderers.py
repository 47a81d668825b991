"""The API's JSON renderer.

Kept apart from dealscout.api because DRF imports renderer classes while it builds
APIView, and dealscout.api imports rest_framework.views.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework.renderers import JSONRenderer

from core.jsonbody import api_json


class ORJSONRenderer(JSONRenderer):
    """DRF's JSON output, encoded by orjson (core.jsonbody: the same bytes as DRF's
    renderer, several times faster on a page of rows); an indented answer
    (``Accept: application/json; indent=4``) is left to DRF.
    """

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Mapping[str, Any] | None = None) -> bytes:
        if data is None:
            return b""
        if self.get_indent(accepted_media_type or "", renderer_context or {}):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            return api_json(data)
        except TypeError:
            return super().render(data, accepted_media_type, renderer_context)
