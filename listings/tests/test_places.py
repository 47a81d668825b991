"""The offline gazetteer: place names and ZIP codes to coordinates, and great-circle distances."""

from __future__ import annotations

import pytest

from listings.places import distance_km, nearest_us_zip, resolve


@pytest.mark.parametrize(
    ("text", "name", "country"),
    [
        ("Berlin", "Berlin, DE", "DE"),
        ("San Francisco, CA", "San Francisco, CA, US", "US"),
        ("London, UK", "London, GB", "GB"),
        ("Portland, OR", "Portland, OR, US", "US"),
        ("Portland, Maine", "Portland, ME, US", "US"),
        ("Paris, TX", "Paris, TX, US", "US"),
        ("paris, france", "Paris, FR", "FR"),
        ("Oakland CA", "Oakland, CA, US", "US"),
        ("Berlin, DE", "Berlin, DE", "DE"),  # DE: Delaware or Germany; only Germany has a Berlin this big
        ("Cologne, Germany", "Köln, DE", "DE"),  # an alternate name
        ("Wien", "Vienna, AT", "AT"),
        ("Located in: Austin, Texas", "Austin, TX, US", "US"),
        ("Oakland (East Bay)", "Oakland, CA, US", "US"),
    ],
)
def test_a_place_name_resolves_to_the_city_meant(text: str, name: str, country: str) -> None:
    place = resolve(text)
    assert place is not None and place.is_point
    assert (place.name, place.country) == (name, country)


def test_a_us_zip_code_resolves_to_its_centroid() -> None:
    place = resolve("94103")
    assert (place.postal_code, place.city, place.admin1, place.country) == ("94103", "San Francisco", "CA", "US")
    assert distance_km(place.latitude, place.longitude, 37.7749, -122.4194) < 5
    assert resolve("Austin, TX 78701").postal_code == "78701"


def test_a_country_alone_is_a_place_without_coordinates() -> None:
    for text, code in (("United States", "US"), ("Ships from China", "CN"), ("from Germany", "DE")):
        place = resolve(text)
        assert (place.country, place.is_point) == (code, False)


@pytest.mark.parametrize("text", ["Nowhere-on-sea", "", "   ", "00000", "x" * 300, "SW1A 1AA"])
def test_what_the_gazetteer_does_not_know_is_none(text: str) -> None:
    assert resolve(text) is None


def test_great_circle_distances_between_real_places() -> None:
    sf, oakland, london, paris = (resolve(name) for name in ("San Francisco, CA", "Oakland, CA", "London, UK", "Paris, France"))
    assert 12 < distance_km(sf.latitude, sf.longitude, oakland.latitude, oakland.longitude) < 15
    assert 335 < distance_km(london.latitude, london.longitude, paris.latitude, paris.longitude) < 350
    assert distance_km(0, 0, 0, 180) == pytest.approx(20015, rel=0.001)  # half the equator


def test_a_us_city_gets_the_zip_nearest_its_centre_for_sites_that_search_around_one() -> None:
    zip_code = nearest_us_zip(resolve("San Francisco, CA"))
    centre = resolve(zip_code)
    assert centre.city == "San Francisco"
    assert nearest_us_zip(resolve("Berlin")) == ""


def test_a_qualifier_that_is_no_country_or_state_is_a_guess_only_when_not_strict() -> None:
    assert resolve("Springfield, Narnia", strict=True) is None
    assert resolve("Springfield, Narnia").country == "US"  # a listing's place: the likeliest namesake
    assert resolve("Springfield, IL", strict=True).admin1 == "IL"
