"""The one domain error.

Services raise ``DomainError`` when a rule of the domain says no. The API's exception
handler (``dealscout.api``) turns it into a 400 in the one JSON error shape, with
``field`` naming the input it is about (``errors: {field: [message]}``) and ``code``
a stable machine-readable word. Admin actions, commands and web pages show ``message``.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain said no."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code

    def __str__(self) -> str:
        return self.message
