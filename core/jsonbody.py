"""The API's JSON bytes: one encoder for what the renderer writes and what the per-user
cache keeps, so that a cached answer can be sent as it is stored (core.usercache).

orjson, several times faster than the standard library on a page of rows; whatever it
cannot encode itself, and every date-time (DRF writes them with a "Z" and milliseconds),
goes through DRF's own encoder, so the bytes match DRF's JSONRenderer.
"""

from __future__ import annotations

from typing import Any

import orjson
from rest_framework.utils.encoders import JSONEncoder

_encoder = JSONEncoder()
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


def api_json(data: Any) -> bytes:
    """``data`` as the API writes it, compact. TypeError when orjson cannot encode a key."""
    body = orjson.dumps(data, default=_encoder.default, option=_OPTIONS)
    # As DRF does: U+2028 and U+2029 escaped, so the output is also valid JavaScript.
    if b"\xe2\x80\xa8" in body or b"\xe2\x80\xa9" in body:
        body = body.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
    return body
