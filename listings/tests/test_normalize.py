"""Normalization: prices, currencies, conditions, relative dates, URLs, titles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from listings.normalize import canonical_url, clean_title, normalize_condition, parse_price, parse_relative_date, parse_timestamp


@pytest.mark.parametrize(
    ("text", "default", "amount", "currency"),
    [
        ("$1,299.99", "USD", "1299.99", "USD"),
        ("1.234,56 €", "USD", "1234.56", "EUR"),
        ("1 299 kr", "SEK", "1299.00", "SEK"),
        ("1 299 kr", "NOK", "1299.00", "NOK"),
        ("£45", "USD", "45.00", "GBP"),
        ("Free", "GBP", "0.00", "GBP"),
        ("$10 to $20", "USD", "10.00", "USD"),
        ("$1,790", "CAD", "1790.00", "CAD"),  # "$" on a Canadian site is Canadian dollars
        ("$25", "EUR", "25.00", "USD"),  # "$" on a euro site is not euros
        ("CA$ 12.50", "USD", "12.50", "CAD"),
        ("12,50 EUR", "USD", "12.50", "EUR"),
        ("¥1200", "USD", "1200.00", "JPY"),
    ],
)
def test_parse_price_reads_every_common_format_as_decimal(text: str, default: str, amount: str, currency: str) -> None:
    money = parse_price(text, default_currency=default)
    assert isinstance(money.amount, Decimal)
    assert (money.amount, money.currency) == (Decimal(amount), currency)


def test_price_range_keeps_both_ends() -> None:
    money = parse_price("£4.49 to £8.49", default_currency="GBP")
    assert (money.amount, money.high) == (Decimal("4.49"), Decimal("8.49"))


@pytest.mark.parametrize("text", [None, "", "   ", "Contact seller", "Make an offer"])
def test_missing_price_is_none_never_zero(text: str | None) -> None:
    money = parse_price(text, default_currency="EUR")
    assert money.amount is None
    assert money.currency == "EUR"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://schema.org/NewCondition", "new"),
        ("Brand new", "new"),
        ("New (other)", "new"),
        ("Pre-owned", "used"),
        ("used_like_new", "used"),
        ("Used - like new", "used"),
        ("Certified - Refurbished", "refurbished"),
        ("For parts or not working", "for_parts"),
        ("7000", "for_parts"),
        ("3000", "used"),
        ("", "unknown"),
        ("Sehr gut", "unknown"),
    ],
)
def test_conditions_map_to_the_five_values(raw: str, expected: str) -> None:
    assert normalize_condition(raw) == expected


NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("2 hours ago", timedelta(hours=2)),
        ("an hour ago", timedelta(hours=1)),
        ("5 mins ago", timedelta(minutes=5)),
        ("3 days ago", timedelta(days=3)),
        ("1 week ago", timedelta(weeks=1)),
        ("Listed 4 d ago", timedelta(days=4)),
        ("just now", timedelta(0)),
        ("yesterday", timedelta(days=1)),
    ],
)
def test_relative_dates_become_aware_utc_datetimes(text: str, delta: timedelta) -> None:
    value = parse_relative_date(text, now=NOW)
    assert value == NOW - delta
    assert value.tzinfo is not None


def test_relative_date_uses_utc_whatever_the_zone_of_now() -> None:
    now = datetime(2026, 11, 22, 13, 0, tzinfo=timezone(timedelta(hours=1)))
    assert parse_relative_date("1 hour ago", now=now) == datetime(2026, 11, 22, 11, 0, tzinfo=UTC)


def test_unreadable_dates_are_none_not_guesses() -> None:
    assert parse_relative_date("sometime last spring", now=NOW) is None
    assert parse_timestamp("2026-11-22T10:00:00") is None  # no zone: which instant?
    assert parse_timestamp("2026-11-22T10:00:00.000Z") == datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    assert parse_timestamp(1790973044) == datetime.fromtimestamp(1790973044, tz=UTC)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_relative_date("2 hours ago", now=datetime(2026, 1, 1))  # noqa: DTZ001


def test_canonical_url_drops_tracking_parameters_and_fragment_and_resolves_relative_links() -> None:
    url = canonical_url("/p/42?utm_source=mail&color=red&fbclid=x&gclid=y#reviews", "https://Shop.Example/search?q=a")
    assert url == "https://shop.example/p/42?color=red"


def test_titles_decode_entities_and_fold_whitespace() -> None:
    assert clean_title("  Lamy&nbsp;2000 &amp;\n  case\t") == "Lamy 2000 & case"


def test_dedupe_key_ignores_case_punctuation_word_order_and_thousands_separators() -> None:
    from listings.normalize import dedupe_key

    key = dedupe_key(title="Fuji X100V silver - $1,100", price=Decimal("1100"), currency="usd")
    assert key == dedupe_key(title="FUJI silver, x100v $1100", price=Decimal("1100.00"), currency="USD")
    assert key != dedupe_key(title="Fuji X100V silver - $1,100", price=Decimal("1099"), currency="USD")
    assert key != dedupe_key(title="Fuji X100V black", price=Decimal("1100"), currency="USD")
    assert dedupe_key(title="Fuji X100V", price=None, currency="USD") == ""


@pytest.mark.parametrize(
    ("text", "default", "amount", "currency"),
    [
        ("S/. 84.12", "USD", "84.12", "PEN"),  # eBay shown to a visitor in Peru
        ("38,092 円", "USD", "38092.00", "JPY"),
        ("AU $12.50", "USD", "12.50", "AUD"),  # ebay.com.au
        ("C $1,234.00", "USD", "1234.00", "CAD"),  # ebay.ca
        ("US $45.00", "GBP", "45.00", "USD"),
        ("NZ $30.00", "USD", "30.00", "NZD"),
        ("1.234,56 EUR", "USD", "1234.56", "EUR"),  # ebay.de
        ("EUR 12,99", "USD", "12.99", "EUR"),
        ("131 444 640 сум", "USD", "131444640.00", "UZS"),  # OLX Uzbekistan
        ("12 500 грн.", "USD", "12500.00", "UAH"),
        ("430 zł", "USD", "430.00", "PLN"),
        ("RM 45.00", "USD", "45.00", "MYR"),
        ("HK$ 200", "USD", "200.00", "HKD"),
    ],
)
def test_parse_price_knows_the_signs_of_other_sites(text: str, default: str, amount: str, currency: str) -> None:
    money = parse_price(text, default_currency=default)
    assert (money.amount, money.currency) == (Decimal(amount), currency)


@pytest.mark.parametrize(("text", "amount"), [("-$5.00", "-5.00"), ("-5", "-5.00"), ("$-5", "-5.00"), ("−12,50 €", "-12.50")])
def test_a_negative_price_keeps_its_sign_so_that_it_is_refused_not_stored_as_positive(text: str, amount: str) -> None:
    assert parse_price(text, default_currency="USD").amount == Decimal(amount)


@pytest.mark.parametrize(("text", "amount"), [("1e20", Decimal("1e20")), ("1e30", Decimal("1e30")), ("$2.5E3", Decimal("2500"))])
def test_a_price_in_exponent_notation_is_read_as_its_number_not_as_its_first_digit(text: str, amount: Decimal) -> None:
    assert parse_price(text, default_currency="USD").amount == amount


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("De segunda mano · adidas", "used"), ("Totalmente nuevo", "new"), ("真新しい新品", "new"), ("中古品", "used"), ("Gebraucht", "used")],
)
def test_conditions_in_the_languages_of_ebays_sites(raw: str, expected: str) -> None:
    assert normalize_condition(raw) == expected
