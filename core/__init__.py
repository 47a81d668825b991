"""The floor of the code base: pieces every app needs and nothing of ours.

``core`` imports no app of this project and not the ``dealscout`` project package;
import-linter holds that rule in CI. What lives here:

- ``core.errors``: ``DomainError``, the one error a service raises when a rule says no.
- ``core.netguard``: the outbound address guard (webhooks, Apprise, the scraper).
- ``core.env``: strict readers for environment settings.
- ``core.cache``: ``CACHE_ERRORS``, what the shared cache raises when it is down.
"""
