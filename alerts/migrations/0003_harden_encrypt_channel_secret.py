"""Channel secrets (webhook signing secrets, Apprise URLs) encrypted at rest.

The column becomes text (ciphertext is longer than the secret), then every stored secret
is encrypted with the first FIELD_ENCRYPTION_KEY. Reversing decrypts them again.
"""

from django.db import migrations

import core.crypto

TABLE = "alerts_notificationchannel"


def _rewrite(apps, schema_editor, transform) -> None:  # noqa: ANN001
    # Raw SQL: the historical model's field would decrypt and encrypt on its own.
    connection = schema_editor.connection
    table = connection.ops.quote_name(TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, secret FROM {table} WHERE secret <> ''")  # noqa: S608 - a constant table name
        rows = cursor.fetchall()
        for pk, stored in rows:
            new = transform(stored)
            if new != stored:
                cursor.execute(f"UPDATE {table} SET secret = %s WHERE id = %s", [new, pk])  # noqa: S608


def encrypt_existing(apps, schema_editor) -> None:  # noqa: ANN001
    _rewrite(apps, schema_editor, lambda stored: stored if core.crypto.looks_encrypted(stored) else core.crypto.encrypt(stored))


def decrypt_existing(apps, schema_editor) -> None:  # noqa: ANN001
    _rewrite(apps, schema_editor, core.crypto.decrypt)


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0002_channels_notifications_deliveries"),
    ]

    operations = [
        migrations.AlterField(
            model_name="notificationchannel",
            name="secret",
            field=core.crypto.EncryptedTextField(blank=True, help_text="Webhook signing secret or Apprise URL; shown masked, stored encrypted."),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
    ]
