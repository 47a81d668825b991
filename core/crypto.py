"""Secrets we must keep but never show, encrypted at rest (Fernet: AES-128-CBC plus HMAC).

``FIELD_ENCRYPTION_KEY`` holds one or more Fernet keys, comma-separated (or a file,
``FIELD_ENCRYPTION_KEY_FILE``): the first encrypts, all of them decrypt, so a key is
rotated by putting a new one first, running ``python manage.py rotate_encryption_key``
(re-encrypts every row with the first key), then dropping the old one. Unset, the
embedded default derives a key from ``SECRET_KEY`` (a system check warns; with ``DEBUG``
off it is an error). A database dump holds only ciphertext; the key never goes in it.

https://cryptography.io/en/latest/fernet/#cryptography.fernet.MultiFernet
"""

from __future__ import annotations

import base64
import hashlib
import logging
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

logger = logging.getLogger(__name__)

# Every Fernet token starts with its version byte 0x80, base64-encoded: "gAAAAA".
TOKEN_PREFIX = "gAAAAA"  # noqa: S105 - a format marker, not a secret


class DecryptionFailed(ValueError):
    """A stored value is ciphertext that no configured key opens (a key was dropped too soon)."""


def derived_dev_key(secret_key: str) -> str:
    digest = hashlib.sha256(b"dealscout-field-encryption:" + secret_key.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def configured_keys() -> list[str]:
    keys = list(getattr(settings, "FIELD_ENCRYPTION_KEYS", []) or [])
    return keys or [derived_dev_key(settings.SECRET_KEY)]


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(configured_keys()))


def looks_encrypted(value: str) -> bool:
    return value.startswith(TOKEN_PREFIX)


def encrypt(plain: str) -> str:
    return fernet().encrypt(plain.encode()).decode() if plain else ""


def decrypt(stored: str) -> str:
    """The plain text; a value that is not ciphertext (a row from before encryption) as it is."""
    if not stored or not looks_encrypted(stored):
        return stored
    try:
        return fernet().decrypt(stored.encode()).decode()
    except InvalidToken:
        raise DecryptionFailed("a stored secret cannot be decrypted with FIELD_ENCRYPTION_KEY's keys") from None


def reencrypt(stored: str) -> str:
    """The same secret under the first key (rotation); plain text gets encrypted."""
    if not stored:
        return stored
    if not looks_encrypted(stored):
        return encrypt(stored)
    try:
        return fernet().rotate(stored.encode()).decode()
    except InvalidToken:
        raise DecryptionFailed("a stored secret cannot be decrypted with FIELD_ENCRYPTION_KEY's keys") from None


class EncryptedTextField(models.TextField):
    """A text column that holds Fernet ciphertext; Python code sees the plain text.

    Ciphertext differs on every write, so the column cannot be searched or filtered:
    admins refuse lookups on it (``alerts.admin``), and queries never filter by it.
    """

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return decrypt(value) if isinstance(value, str) else value

    def to_python(self, value: Any) -> Any:
        return decrypt(value) if isinstance(value, str) else value

    def get_prep_value(self, value: Any) -> Any:
        # Model attributes always hold plain text (from_db_value decrypts), so every
        # write encrypts, under the first key.
        value = super().get_prep_value(value)
        return encrypt(value) if isinstance(value, str) else value


def encrypted_fields() -> list[tuple[type[models.Model], str]]:
    """Every (model, field name) of an installed app that stores an EncryptedTextField."""
    from django.apps import apps

    return [
        (model, field.name) for model in apps.get_models() for field in model._meta.concrete_fields if isinstance(field, EncryptedTextField)
    ]


def rotate_all(*, batch_size: int = 500) -> dict[str, int]:
    """Re-encrypt every stored secret with the first key; returns rows rewritten per model field.

    Reading decrypts with any configured key, writing encrypts with the first: afterwards
    the old keys open nothing and can be dropped from FIELD_ENCRYPTION_KEY.
    """
    from django.db import transaction

    counts: dict[str, int] = {}
    for model, name in encrypted_fields():
        label = f"{model._meta.label}.{name}"
        counts[label] = 0
        pks = list(model._default_manager.exclude(**{name: ""}).values_list("pk", flat=True).order_by("pk"))
        for start in range(0, len(pks), batch_size):
            with transaction.atomic():
                rows = model._default_manager.filter(pk__in=pks[start : start + batch_size]).select_for_update()
                for pk, plain in rows.values_list("pk", name):
                    model._default_manager.filter(pk=pk).update(**{name: plain})
                    counts[label] += 1
    return counts
