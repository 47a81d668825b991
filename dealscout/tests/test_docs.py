"""The README's configuration table tells the truth about the settings module."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


# Modules that read the environment: the settings, and the process-level configuration
# that runs before (or outside) Django's settings.
ENV_READERS = ["dealscout/settings.py", "gunicorn.conf.py", "monitoring/multiprocess.py"]


def settings_variables() -> set[str]:
    names: set[str] = set()
    for relative in ENV_READERS:
        source = (ROOT / relative).read_text()
        names |= set(re.findall(r'env_(?:str|bool|int|float|list|url|choice)\(\s*"([A-Z][A-Z0-9_]*)"', source))
        names |= set(re.findall(r'os\.environ(?:\.get)?[\[(]\s*"([A-Z][A-Z0-9_]*)"', source))
    return names


def readme_variables() -> set[str]:
    section = (ROOT / "README.md").read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", section, flags=re.MULTILINE))


def test_every_setting_read_from_the_environment_is_documented() -> None:
    missing = settings_variables() - readme_variables()
    assert not missing, f"README.md's configuration table lacks {sorted(missing)}"


def test_the_readme_documents_no_setting_that_does_not_exist() -> None:
    unknown = readme_variables() - settings_variables()
    assert not unknown, f"README.md documents settings the code never reads: {sorted(unknown)}"
