"""Our content negotiation answers exactly as DRF's: the shortcut changes the cost, not the result."""

from __future__ import annotations

import pytest
from django.http import Http404
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from dealscout.negotiation import ContentNegotiation
from dealscout.renderers import ORJSONRenderer

RENDERERS = [ORJSONRenderer(), BrowsableAPIRenderer()]


def _answer(negotiation: DefaultContentNegotiation, request: Request, renderers: list, suffix: str | None) -> tuple[type, str] | str:
    try:
        renderer, media_type = negotiation.select_renderer(request, renderers, suffix)
    except exceptions.NotAcceptable:
        return "406"
    except Http404:  # DRF's answer to ?format= or a suffix no renderer has
        return "404"
    return type(renderer), media_type


@pytest.mark.parametrize(
    "accept",
    [
        None,
        "",
        "*/*",
        " */* ",
        "application/json",
        "application/json; indent=4",
        "application/json;q=0.5, text/html",
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "text/html",
        "application/xml",
        "application/*",
        "image/png",
    ],
)
@pytest.mark.parametrize("query", ["", "?page_size=50&ordering=-deal_score", "?format=json", "?format=api", "?format=xml", "?reformat=1"])
@pytest.mark.parametrize("suffix", [None, "json", "api"])
@pytest.mark.parametrize("renderers", [RENDERERS, RENDERERS[::-1]], ids=["json-first", "browsable-first"])
def test_same_renderer_and_media_type_as_drf(accept, query, suffix, renderers):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = Request(APIRequestFactory().get("/api/v1/listings/" + query, **headers))
    ours = _answer(ContentNegotiation(), request, renderers, suffix)
    assert ours == _answer(DefaultContentNegotiation(), request, renderers, suffix)


def test_the_api_uses_it(settings):
    from rest_framework.settings import api_settings

    assert api_settings.DEFAULT_CONTENT_NEGOTIATION_CLASS is ContentNegotiation
