"""The API's JSON renderer.

Kept apart from dealscout.api because DRF imports renderer classes while it builds
APIView, and dealscout.api imports rest_framework.views.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder


class ORJSONRenderer(JSONRenderer):
    """DRF's JSON output, encoded by orjson (several times faster on a page of rows).

    Whatever orjson cannot encode itself, and every date-time (DRF writes them with a "Z"
    and milliseconds), goes through DRF's own encoder, so the bytes match DRF's renderer;
    an indented answer (``Accept: application/json; indent=4``) is left to DRF.
    """

    _encoder = JSONEncoder()
    _options = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Mapping[str, Any] | None = None) -> bytes:
        if data is None:
            return b""
        if self.get_indent(accepted_media_type or "", renderer_context or {}):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            body = orjson.dumps(data, default=self._encoder.default, option=self._options)
        except TypeError:
            return super().render(data, accepted_media_type, renderer_context)
        # As DRF does: U+2028 and U+2029 escaped, so the output is also valid JavaScript.
        if b"\xe2\x80\xa8" in body or b"\xe2\x80\xa9" in body:
            body = body.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
        return body
