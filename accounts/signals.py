"""Signal receivers of the floor."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver


@receiver(user_logged_in, dispatch_uid="accounts_cancel_deletion_on_login")
def cancel_deletion_on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Any sign-in that did not pass through the password backend (``login()`` after
    another proof of identity) also cancels a pending deletion."""
    if getattr(user, "deleted_at", None) is None:
        return
    from accounts.gdpr import user_delete_cancel

    user_delete_cancel(user=user)
