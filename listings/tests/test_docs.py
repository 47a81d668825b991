"""docs/AGENTS.md names every agent, every ScrapeRun status and every SCOUT_* setting."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

from listings.agents import agent_names
from listings.models import ScrapeRun

DOC = (Path(settings.BASE_DIR) / "docs" / "AGENTS.md").read_text()


def test_every_agent_is_documented() -> None:
    for name in agent_names():
        assert f"| `{name}` |" in DOC, name


def test_every_status_is_documented() -> None:
    for status in ScrapeRun.Status.values:
        assert f"| `{status}` |" in DOC, status


def test_every_scout_setting_is_documented_and_every_documented_one_exists() -> None:
    in_settings = {name for name in dir(settings) if name.startswith("SCOUT_")}
    in_doc = set(re.findall(r"`(SCOUT_[A-Z_]+)`", DOC))
    assert in_settings == in_doc
