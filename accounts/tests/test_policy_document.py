"""docs/DATA_RETENTION_PRIVACY.md tells the truth about the code."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings

from accounts import retention
from accounts.tests.personal_models import personal_data_models

ROOT = Path(settings.BASE_DIR)
DOC = (ROOT / "docs" / "DATA_RETENTION_PRIVACY.md").read_text()
CRONJOB = (ROOT / "k8s" / "backup-cronjob.yaml").read_text()
SETTINGS_SOURCE = (ROOT / "dealscout" / "settings.py").read_text()


def section(title: str) -> str:
    match = re.search(rf"^#+ {re.escape(title)}\n(.*?)(?=^## )", DOC + "\n## end", re.S | re.M)
    assert match, f"section {title!r} missing"
    return match.group(1)


def retention_rows() -> list[tuple[int, str, str]]:
    """(days, source, purge kind) of each row of the retention table that names a period."""
    rows = []
    for line in section("Retention periods").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 4:
            continue
        days = re.match(r"(\d+) days", cells[1])
        if days:
            rows.append((int(days.group(1)), cells[2], cells[3]))
    return rows


def default_of(source: str) -> int:
    """The value in the code that a "Set by" cell names."""
    names = re.findall(r"`([^`]+)`", source)
    if names[0].startswith("k8s/"):
        match = re.search(rf"- name: {names[1]}\n\s+value: \"(\d+)\"", CRONJOB)
        assert match, f"{names[1]} not in {names[0]}"
        return int(match.group(1))
    if "." in names[0]:
        module, attribute = names[0].rsplit(".", 1)
        return getattr(importlib.import_module(module), attribute)
    # A setting: its default as written in settings.py, whatever the environment says.
    match = re.search(rf'env_int\("{names[0]}", (\d+)', SETTINGS_SOURCE)
    assert match, f"setting {names[0]} has no env_int default in settings.py"
    return int(match.group(1))


def test_every_retention_period_matches_the_code() -> None:
    rows = retention_rows()
    assert len(rows) >= 8
    wrong = [(source, days, default_of(source)) for days, source, _ in rows if default_of(source) != days]
    assert wrong == [], "document period differs from the code: (source, document, code)"


def test_every_retention_setting_is_documented() -> None:
    documented = {name for _, source, _ in retention_rows() for name in re.findall(r"`([A-Z_]+)`", source)}
    in_settings = set(re.findall(r'env_int\("([A-Z_]+(?:RETENTION|GRACE)_DAYS)"', SETTINGS_SOURCE))
    assert in_settings and in_settings <= documented


def test_every_purge_kind_is_documented() -> None:
    documented = {kind.strip("`") for _, _, kind in retention_rows()}
    registered = {purger.kind for purger in retention.purgers()}
    assert registered - documented == set()


def test_every_personal_data_model_is_in_the_inventory() -> None:
    inventory = set(re.findall(r"^\| `([\w.]+)` \|", section("Inventory of personal data"), re.M))
    missing = [model._meta.label for model in personal_data_models() if model._meta.label not in inventory]
    assert missing == [], f"add these models to the inventory in docs/DATA_RETENTION_PRIVACY.md: {missing}"


def test_document_names_the_real_commands_and_endpoints() -> None:
    from django.core.management import get_commands
    from django.urls import resolve

    for command in ("purge_expired", "gdpr_export", "gdpr_erase"):
        assert f"manage.py {command}" in DOC and command in get_commands()
    for path in ("/api/v1/auth/me/export", "/api/v1/auth/me"):
        assert f"`GET {path}`" in DOC or f"`DELETE {path}`" in DOC
        resolve(path)
    assert "records_purged_total{kind}" in DOC


def backup_script() -> str:
    block = CRONJOB.split("backup.sh: |\n", 1)[1]
    lines = []
    for line in block.splitlines():
        if line.strip() and not line.startswith("    "):
            break
        lines.append(line[4:])
    return "\n".join(lines) + "\n"


def test_backup_job_keeps_each_tier_for_its_period(tmp_path: Path) -> None:
    """Run the CronJob's script with a stand-in pg_dump and dumps of various ages."""
    script = tmp_path / "backup.sh"
    script.write_text(backup_script())
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "pg_dump"
    fake.write_text('#!/bin/sh\nfor a in "$@"; do case "$a" in --file=*) echo dump > "${a#--file=}";; esac; done\n')
    fake.chmod(0o755)
    root = tmp_path / "backups"
    ages = {"daily": (29, 31), "weekly": (89, 91), "monthly": (364, 366)}
    now = time.time()
    for tier, (young, old) in ages.items():
        (root / tier).mkdir(parents=True)
        for age in (young, old):
            path = root / tier / f"dealscout-{age}.dump"
            path.write_text("old dump")
            os.utime(path, (now - age * 86400, now - age * 86400))
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "BACKUP_DIR": str(root),
        "DATABASE_URL": "postgres://backup@127.0.0.1:1/none",
        "KEEP_DAILY_DAYS": "30",
        "KEEP_WEEKLY_DAYS": "90",
        "KEEP_MONTHLY_DAYS": "365",
    }
    result = subprocess.run(["/bin/sh", str(script)], env=env, capture_output=True, text=True, timeout=30, check=False)

    assert result.returncode == 0, result.stderr
    left = {path.relative_to(root).as_posix() for path in root.rglob("*.dump")}
    for tier, (young, old) in ages.items():
        assert f"{tier}/dealscout-{young}.dump" in left
        assert f"{tier}/dealscout-{old}.dump" not in left
    assert len([name for name in left if name.startswith("daily/") and "dealscout-2" in name and name.endswith("Z.dump")]) == 1


@pytest.mark.parametrize("env_name", ["KEEP_DAILY_DAYS", "KEEP_WEEKLY_DAYS", "KEEP_MONTHLY_DAYS"])
def test_backup_script_uses_each_period(env_name: str) -> None:
    assert f'"${env_name}"' in backup_script()
