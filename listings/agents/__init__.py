"""Marketplace agents, registered by name. A ``Marketplace`` row names its agent."""

from __future__ import annotations

from listings.agents.base import Agent, BlockedPage, ListingData, ParseContext, ParseError, ParseResult, ScoutQuery

_REGISTRY: dict[str, type[Agent]] = {}


def register(cls: type[Agent]) -> type[Agent]:
    _REGISTRY[cls.name] = cls
    return cls


def get_agent(name: str) -> Agent:
    _load_builtin_agents()
    try:
        return _REGISTRY[name]()
    except KeyError:
        raise KeyError(f"unknown agent {name!r}; known: {', '.join(sorted(_REGISTRY))}") from None


def agent_names() -> list[str]:
    _load_builtin_agents()
    return sorted(_REGISTRY)


def _load_builtin_agents() -> None:
    # Imported lazily so that importing the interface never pulls in every parser.
    from listings.agents import craigslist, ebay, ebay_html, facebook, jsonld, rss, selectors  # noqa: F401


__all__ = [
    "Agent",
    "BlockedPage",
    "ListingData",
    "ParseContext",
    "ParseError",
    "ParseResult",
    "ScoutQuery",
    "agent_names",
    "get_agent",
    "register",
]
