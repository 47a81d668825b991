"""Start-up refuses malformed settings with a message naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dealscout.schedules import SCHEDULES, ensure_schedules

ROOT = Path(__file__).resolve().parents[2]


def run_check(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "mysql://db.example.com/dealscout"),
        ("DATABASE_URL", "postgres://"),
        ("REDIS_URL", "http://cache:6379/0"),
        ("DEBUG", "maybe"),
        ("LISTING_RETENTION_DAYS", "thirty"),
        ("LOG_LEVEL", "loud"),
    ],
)
def test_a_malformed_setting_stops_start_up_naming_it(variable: str, value: str) -> None:
    result = run_check(**{variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr.splitlines()[-1]


def test_production_without_secret_key_refuses_to_start() -> None:
    result = run_check(DEBUG="0", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr.splitlines()[-1]


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 30 + "-a-real-looking-secret-key-9f8e7d6c5b4a",
    "ALLOWED_HOSTS": "dealscout.example.com",
    "FIELD_ENCRYPTION_KEY": "n2Jj1dF3b0Qm4R8Y3W2m1cX2b8l0kX9pT4yY7uQ6vH8=",  # a made-up key for the test
    "METRICS_TOKEN": "a-long-random-metrics-token-0123456789",  # made up
}


def _deploy_check(**overrides: str | None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "FIELD_ENCRYPTION_KEY", "METRICS_TOKEN"}}
    clean.update(PRODUCTION)
    for key, value in overrides.items():
        if value is None:
            clean.pop(key, None)
        else:
            clean[key] = value
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_settings_pass_the_deploy_check() -> None:
    result = _deploy_check()
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_deploy_check_fails_loudly_when_the_metrics_are_open() -> None:
    result = _deploy_check(METRICS_TOKEN=None)
    assert result.returncode != 0
    assert "dealscout.E002" in result.stderr and "METRICS_TOKEN" in result.stderr


def test_production_refuses_to_start_without_an_encryption_key() -> None:
    result = _deploy_check(FIELD_ENCRYPTION_KEY=None)
    assert result.returncode != 0
    assert "dealscout.E001" in result.stderr and "FIELD_ENCRYPTION_KEY" in result.stderr


def test_a_malformed_encryption_key_stops_start_up_naming_the_setting() -> None:
    result = _deploy_check(FIELD_ENCRYPTION_KEY="not-a-fernet-key")
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY" in result.stderr


def test_secret_key_can_come_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("from-a-kubernetes-secret-file-0123456789abcdefghijklmnop\n")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "dealscout.settings", "DEBUG": "0", "SECRET_KEY_FILE": str(secret)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout.strip() == "from-a-kubernetes-secret-file-0123456789abcdefghijklmnop"


@pytest.mark.django_db
def test_schedules_exist_after_migrate_and_ensuring_them_again_changes_nothing() -> None:
    from django_q.models import Schedule

    names = {spec.name for spec in SCHEDULES}
    assert set(Schedule.objects.values_list("name", flat=True)) == names
    Schedule.objects.filter(name="dispatch-due-searches").update(minutes=60)
    ensure_schedules()
    ensure_schedules()
    assert Schedule.objects.count() == len(names)
    assert Schedule.objects.get(name="dispatch-due-searches").minutes == 1
