"""The interface every marketplace agent implements.

An agent turns a ``ScoutQuery`` into an HTTP request, and a response body into
``ListingData``. ``parse`` is a pure function of bytes and URL: no database, no
network, so it can be tested on captured pages and benchmarked in isolation.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar


class ParseError(Exception):
    """The page is not one this agent understands (markup changed, truncated, garbage)."""


class BlockedPage(ParseError):
    """The site answered with a bot challenge or a login wall instead of results."""


class AgentAuthError(Exception):
    """The agent has no usable credentials (none configured, or the site refused them).

    Its message never contains the secret.
    """


@dataclass(frozen=True)
class ScoutQuery:
    """What one fetch asks a marketplace: the query plus the filters it applies server-side.

    Searches that share a ScoutQuery share one fetch per round (see searches.dispatch).
    """

    marketplace_id: int
    text: str
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    currency: str = ""
    condition: str = ""
    # The place, for agents whose site searches around one (their ``place_filters``
    # say which of these they send; the others stay empty, so searches that differ
    # only in place still share a fetch on sites that cannot filter by place).
    country: str = ""  # ISO 3166-1 alpha-2
    postal_code: str = ""
    city: str = ""
    latitude: float | None = None
    longitude: float | None = None
    radius_km: int | None = None

    def key(self) -> str:
        place = [self.country, self.postal_code, self.city, self.latitude, self.longitude, self.radius_km]
        base = [self.marketplace_id, self.text, str(self.min_price or ""), str(self.max_price or ""), self.currency, self.condition]
        # Without a place the key is what it always was: queued tasks keep their names.
        payload = json.dumps(base + place if any(value not in ("", None) for value in place) else base)
        return hashlib.sha1(payload.encode(), usedforsecurity=False).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["min_price"] = None if self.min_price is None else str(self.min_price)
        data["max_price"] = None if self.max_price is None else str(self.max_price)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScoutQuery:
        return cls(
            marketplace_id=int(data["marketplace_id"]),
            text=data["text"],
            min_price=None if data.get("min_price") in (None, "") else Decimal(data["min_price"]),
            max_price=None if data.get("max_price") in (None, "") else Decimal(data["max_price"]),
            currency=data.get("currency") or "",
            condition=data.get("condition") or "",
            country=data.get("country") or "",
            postal_code=data.get("postal_code") or "",
            city=data.get("city") or "",
            latitude=None if data.get("latitude") is None else float(data["latitude"]),
            longitude=None if data.get("longitude") is None else float(data["longitude"]),
            radius_km=None if data.get("radius_km") is None else int(data["radius_km"]),
        )


@dataclass
class ListingData:
    """One listing as an agent read it, normalized (see listings.normalize)."""

    external_id: str
    url: str
    title: str
    price: Decimal | None
    currency: str
    condition: str = "unknown"
    location: str = ""
    image_url: str = ""
    seller: str = ""
    posted_at: datetime | None = None
    shipping: Decimal | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """A JSON-friendly dict: prices as strings, datetimes in ISO 8601."""
        data = asdict(self)
        for key in ("price", "shipping"):
            data[key] = None if data[key] is None else str(data[key])
        data["posted_at"] = self.posted_at.isoformat() if self.posted_at else None
        data.pop("raw")
        return data


@dataclass(frozen=True)
class ParseContext:
    """What a parser may know besides the bytes: where they came from and the site's defaults."""

    url: str
    default_currency: str = "USD"
    config: dict[str, Any] = field(default_factory=dict)
    # The charset the HTTP response declared ('' when it declared none).
    encoding: str = ""
    # When the page was fetched: "2 hours ago" is relative to it. None: the parser
    # leaves relative dates out rather than reading the clock (parse stays pure).
    fetched_at: datetime | None = None


@dataclass
class ParseResult:
    listings: list[ListingData]
    # True when the page itself says there are no results. An empty list without this
    # flag means the parser found nothing it recognised: a parse error, not "no deals".
    no_results: bool = False


@dataclass(frozen=True)
class FetchRequest:
    url: str
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


class Agent:
    """Base class; subclasses set ``name`` and implement ``build_request`` and ``parse``."""

    name: ClassVar[str] = ""
    # Which ScoutQuery filters the site applies itself; the dispatcher groups searches
    # by these, and ignores the others (they are applied by each search's matching).
    server_side_filters: ClassVar[frozenset[str]] = frozenset()
    # Which place fields of a ScoutQuery the agent sends to its site (country,
    # postal_code, city, latitude, longitude, radius_km); empty: the site is not asked
    # for a place, and listings are only filtered by distance after the fetch.
    place_filters: ClassVar[frozenset[str]] = frozenset()
    # An API endpoint is not a crawl: the API's terms govern it, not robots.txt.
    obeys_robots_txt: ClassVar[bool] = True

    def auth_headers(self, *, client: Any, config: dict[str, Any], refresh: bool = False) -> dict[str, str]:
        """Headers that authenticate the request (an OAuth token, say); none by default.

        ``client`` is the marketplace's polite HTTP client; ``refresh`` asks for a new
        credential after the site answered 401 to the cached one.
        """
        return {}

    def check_config(self, config: dict[str, Any]) -> None:
        """Raise ``core.errors.DomainError`` naming the key when ``config`` cannot work (none by default)."""

    def build_request(self, query: ScoutQuery, *, base_url: str, config: dict[str, Any]) -> FetchRequest:
        raise NotImplementedError

    def parse(self, body: bytes, ctx: ParseContext) -> ParseResult:
        raise NotImplementedError
