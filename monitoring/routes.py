"""Turn Django's matched route into a metric label: ``/api/v1/searches/{id}/``.

The raw path would give one series per object id; the template gives one per view.
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.urls import ResolverMatch

UNMATCHED = "unmatched"

_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")
# Names that mean "the object's id" whatever the view calls them.
_ID_NAMES = {"pk", "id"}


def route_template(match: ResolverMatch | None) -> str:
    if match is None or not match.route:
        return UNMATCHED
    return template_of(match.route)


@lru_cache(maxsize=1024)
def template_of(route: str) -> str:
    route = route.replace("^", "").replace("$", "")
    route = _REGEX_GROUP.sub(lambda m: "{" + _name(m.group(1)) + "}", route)
    route = _CONVERTER.sub(lambda m: "{" + _name(m.group(1)) + "}", route)
    route = route.replace("\\.", ".").replace("/?", "/").replace("\\", "")
    return "/" + route.lstrip("/")


def _name(name: str) -> str:
    return "id" if name in _ID_NAMES else name
