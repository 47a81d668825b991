"""Place and radius of a search: resolving its location, and the distance check of matching.

A search's ``location`` is resolved once, when it is saved, by the offline gazetteer
(listings.places); the coordinates are stored on the search. Listings are located at
upsert. Matching then only compares numbers:

- a listing with coordinates matches when its great-circle distance from the search's
  place is at most ``radius_km``;
- a listing that names only a country ("United States", "Ships from China") is outside
  when that country is not the search's own and the radius is at most
  ``FOREIGN_COUNTRY_KM`` (a local search does not want items from abroad); otherwise its
  place is unknown;
- a listing whose place is unknown is kept when ``keep_unknown_location`` is on (the
  default: many sites do not say where an item is, and dropping all of them would hide
  most of eBay's results), dropped when it is off.

Without a location or without a radius, place does not filter at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.errors import DomainError
from listings import places

FOREIGN_COUNTRY_KM = 200


@dataclass(frozen=True)
class PlaceRule:
    latitude: float
    longitude: float
    radius_km: float
    country: str
    keep_unknown: bool


def place_rule_for(search: Any) -> PlaceRule | None:
    if search.latitude is None or search.longitude is None or search.radius_km is None:
        return None
    return PlaceRule(
        latitude=search.latitude,
        longitude=search.longitude,
        radius_km=float(search.radius_km),
        country=search.location_country,
        keep_unknown=search.keep_unknown_location,
    )


def place_rule_for_location(location: str, *, radius_km: int | None, keep_unknown: bool = True) -> PlaceRule | None:
    """The rule of a search not saved yet (the preview); a DomainError for an unknown place."""
    fields = location_fields(location, radius_km=radius_km)
    if fields["latitude"] is None or radius_km is None:
        return None
    return PlaceRule(fields["latitude"], fields["longitude"], float(radius_km), fields["location_country"], keep_unknown)


def place_matches(rule: PlaceRule | None, *, latitude: float | None, longitude: float | None, country: str = "") -> bool:
    """Is a listing at (latitude, longitude) in ``country`` within the search's radius?"""
    if rule is None:
        return True
    if latitude is not None and longitude is not None:
        return places.distance_km(rule.latitude, rule.longitude, latitude, longitude) <= rule.radius_km
    if country and rule.country and country != rule.country and rule.radius_km <= FOREIGN_COUNTRY_KM:
        return False
    return rule.keep_unknown


def place_explanation(rule: PlaceRule | None, *, latitude: float | None, longitude: float | None) -> str:
    """ "12 km away" / "place unknown", for a match's explanation ("" without a radius)."""
    if rule is None:
        return ""
    if latitude is None or longitude is None:
        return "place unknown"
    return f"{places.distance_km(rule.latitude, rule.longitude, latitude, longitude):.0f} km away"


def location_fields(location: str, *, radius_km: int | None) -> dict[str, Any]:
    """The Search fields a location resolves to; a DomainError on ``location`` when it cannot.

    An empty location clears them (and then a radius means nothing: refused).
    """
    location = (location or "").strip()
    if not location:
        if radius_km is not None:
            raise DomainError(
                "A radius needs a location: a place name or a US ZIP code.", field="radius_km", code="radius_without_location"
            )
        return {
            "location": "",
            "location_name": "",
            "latitude": None,
            "longitude": None,
            "location_country": "",
            "location_postal_code": "",
        }
    place = places.resolve(location, strict=True)
    if place is None:
        raise DomainError(
            f"No place called {location[:80]!r} is known. Write a town of at least 15,000 people, alone or with "
            'its country or US state ("Berlin", "Portland, OR", "London, UK"), or a US ZIP code.',
            field="location",
            code="unknown_place",
        )
    if not place.is_point:
        raise DomainError(
            f"{place.name} is a country; write a town or a US ZIP code to search around.", field="location", code="place_too_vague"
        )
    postal_code = place.postal_code or places.nearest_us_zip(place)
    return {
        "location": location,
        "location_name": place.name,
        "latitude": place.latitude,
        "longitude": place.longitude,
        "location_country": place.country,
        "location_postal_code": postal_code,
    }
