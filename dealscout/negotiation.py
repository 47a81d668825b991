"""Content negotiation: DRF's, with the common answer found without parsing anything.

Nearly every API client sends no Accept header, ``*/*`` or ``application/json``, and no
``?format=``; for them the answer is always the first renderer, as JSON. DRF's
negotiation reaches it by parsing the query string and the Accept header into media
type objects on every request, about a tenth of a cached page's time in
``bench/api.py --profile``. Everything else (a browser's Accept, ``indent=``, ``?format=``,
a format suffix) goes through DRF's own code; dealscout/tests/test_negotiation.py checks
that both give the same answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer

# No Accept header at all means */* to DRF too (an empty one means nothing acceptable).
_PLAIN_ACCEPTS = frozenset({None, "*/*", "application/json"})


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(
        self, request: Any, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderers = list(renderers)
        if renderers and format_suffix is None:
            first = renderers[0]
            meta = request.META
            override = self.settings.URL_FORMAT_OVERRIDE
            if (
                first.media_type == "application/json"
                and meta.get("HTTP_ACCEPT") in _PLAIN_ACCEPTS
                # A cheap, conservative look: any "format" in the query string takes DRF's path.
                and (not override or override not in meta.get("QUERY_STRING", ""))
            ):
                return first, first.media_type
        return super().select_renderer(request, renderers, format_suffix)
