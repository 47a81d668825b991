"""The README's table of the web app's pages tells the truth about web/urls.py."""

from __future__ import annotations

import re
from pathlib import Path

from django.urls import Resolver404, get_resolver, resolve

ROOT = Path(__file__).resolve().parents[2]


def readme_pages() -> set[str]:
    section = (ROOT / "README.md").read_text().split("## The web app", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (`/.*?) \|", section, flags=re.MULTILINE)
    return {path for row in rows for path in re.findall(r"`(/[^`]*)`", row)}


def web_pages() -> set[str]:
    """The pages people open (GET, not an action on an id, not a link from an e-mail)."""
    resolver = get_resolver()
    pages = set()
    for pattern in resolver.url_patterns:
        if getattr(pattern, "namespace", None) != "web":
            continue
        for inner in pattern.url_patterns:
            route = "/" + str(inner.pattern).replace("<id:", "<").replace("<str:", "<")
            if re.search(
                r"/(save|dismiss|pause|resume|run|delete|read|read-all|toggle|test|preview|export|channels|email|password)/$", route
            ):
                continue
            if "<uidb64>" in route or "/sent/" in route or route.endswith("/done/") or route.startswith("/email/confirm"):
                continue
            pages.add(route.replace("<search_id>", "<id>").replace("<listing_id>", "<id>"))
    return pages


def test_the_readme_lists_every_page_of_the_web_app() -> None:
    missing = web_pages() - readme_pages()
    assert not missing, f"README.md's web app table lacks {sorted(missing)}"


def test_every_page_in_the_readme_exists() -> None:
    for path in readme_pages():
        concrete = path.replace("<id>", "1")
        try:
            match = resolve(concrete)
        except Resolver404:
            raise AssertionError(f"README.md lists {path}, which no URL serves") from None
        assert "web" in match.namespaces, f"{path} is not a web app page"
