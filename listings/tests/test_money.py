"""ECB reference rates: conversion, the shipped offline default, and the daily refresh (and its failures)."""

from __future__ import annotations

import io
import socket
import zipfile
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from dealscout.schedules import SCHEDULES
from listings import money
from listings.models import ExchangeRate
from listings.tasks import refresh_exchange_rates

pytestmark = pytest.mark.django_db

# The ECB's one-day file as it serves it (eurofxref.zip holds eurofxref.csv), made here with our numbers.
ONE_DAY_CSV = "Date, USD, JPY, GBP, CHF, \n02 December 2026, 1.2000, 180.00, 0.8000, 0.9500, \n"


def ecb_zip(csv: str = ONE_DAY_CSV) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("eurofxref.csv", csv)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _fresh_rates() -> Any:
    money.rates_cache_clear()
    yield
    money.rates_cache_clear()


def test_conversion_goes_through_the_euro_to_the_cent() -> None:
    rates = money.Rates(per_eur={"USD": Decimal("1.2"), "GBP": Decimal("0.8")}, rate_date=date(2026, 12, 2))
    assert rates.convert(Decimal("100"), "GBP", "USD") == Decimal("150.00")
    assert rates.convert(Decimal("120"), "USD", "EUR") == Decimal("100.00")
    assert rates.convert(Decimal("100"), "EUR", "GBP") == Decimal("80.00")
    assert rates.convert(Decimal("99.99"), "USD", "USD") == Decimal("99.99")
    assert rates.convert(Decimal("100"), "XBT", "USD") is None  # a currency the ECB does not publish


def test_with_an_empty_table_the_shipped_rates_convert_offline() -> None:
    rates = money.current_rates()
    assert rates.source == "shipped" and rates.rate_date is not None
    assert {"USD", "GBP", "JPY", "CHF"} <= set(rates.per_eur)
    assert Decimal("0.5") < rates.convert(Decimal("1"), "GBP", "USD") / Decimal("1") < Decimal("2")


def test_the_daily_job_stores_the_feeds_rates_for_every_process(httpserver: Any, settings: Any) -> None:
    httpserver.expect_request("/eurofxref.zip").respond_with_data(ecb_zip(), content_type="application/zip")
    settings.EXCHANGE_RATES_URL = httpserver.url_for("/eurofxref.zip")

    result = refresh_exchange_rates()

    assert result == {"ok": True, "currencies": 4, "rate_date": "2026-12-02", "error": ""}
    assert ExchangeRate.objects.get(currency="GBP").per_eur == Decimal("0.800000")
    rates = money.current_rates()
    assert (rates.rate_date, rates.convert(Decimal("100"), "GBP", "USD")) == (date(2026, 12, 2), Decimal("150.00"))


def test_a_failed_refresh_keeps_the_last_rates_and_says_so(httpserver: Any, settings: Any, caplog: Any) -> None:
    httpserver.expect_oneshot_request("/eurofxref.zip").respond_with_data(ecb_zip())
    httpserver.expect_oneshot_request("/eurofxref.zip").respond_with_data("maintenance", status=503)
    httpserver.expect_oneshot_request("/eurofxref.zip").respond_with_data(b"<html>not a rates file</html>")
    settings.EXCHANGE_RATES_URL = httpserver.url_for("/eurofxref.zip")
    assert money.exchange_rates_refresh(timeout=2).ok

    down = money.exchange_rates_refresh(timeout=2)
    garbage = money.exchange_rates_refresh(timeout=2)

    assert (down.ok, garbage.ok) == (False, False)
    assert "503" in down.error and "not an ECB reference rates file" in garbage.error
    assert ExchangeRate.objects.get(currency="GBP").per_eur == Decimal("0.800000")
    assert money.current_rates().rate_date == date(2026, 12, 2)
    assert "exchange_rates_refresh_failed" in caplog.text


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when we return: nothing listens there


def test_a_fresh_install_without_network_stores_the_shipped_rates(settings: Any) -> None:
    settings.EXCHANGE_RATES_URL = f"http://127.0.0.1:{_closed_port()}/eurofxref.zip"

    result = money.exchange_rates_refresh(timeout=2)

    assert not result.ok and "ConnectionError" in result.error
    shipped = money.shipped_rates()
    assert ExchangeRate.objects.count() == len(shipped.per_eur)
    assert set(ExchangeRate.objects.values_list("source", flat=True)) == {"shipped"}
    assert result.rate_date == shipped.rate_date


def test_the_ecb_history_file_gives_its_latest_day() -> None:
    history = "Date,USD,GBP,\n2026-12-02,1.2000,0.8000,\n2026-12-01,1.1000,N/A,\n"
    rates, day = money.parse_ecb_payload(history.encode())
    assert (day, rates["USD"], rates["GBP"]) == (date(2026, 12, 2), Decimal("1.2000"), Decimal("0.8000"))


def test_the_refresh_is_a_daily_schedule() -> None:
    spec = next(spec for spec in SCHEDULES if spec.name == "refresh-exchange-rates")
    assert (spec.func, spec.schedule_type) == ("listings.tasks.refresh_exchange_rates", "D")
