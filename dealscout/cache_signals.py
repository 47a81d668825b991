"""Receivers that drop cached API answers when what they were built from changes.

- The token cache (dealscout.authentication): a deleted token, a saved user.
- The per-user answers (core.usercache: the dashboard, pages of matched listings): a
  saved or deleted search, a saved match or alert of the user. Bulk writes send no signals: the scout calls ``user_views_forget`` itself
  for the owners it wrote for, and the cache's short time-out bounds the rest.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from knox.models import AuthToken

from alerts.models import Alert
from core import usercache
from core.usercache import user_views_forget
from dealscout.authentication import token_cache_forget
from searches.models import Match, Search


@receiver(post_delete, sender=AuthToken, dispatch_uid="dealscout_token_deleted")
def _token_deleted(sender: Any, instance: AuthToken, **kwargs: Any) -> None:
    token_cache_forget([instance.digest])


@receiver(post_save, sender=get_user_model(), dispatch_uid="dealscout_user_saved")
def _user_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if not created:
        if settings.API_TOKEN_CACHE_SECONDS:
            token_cache_forget(list(AuthToken.objects.filter(user_id=instance.pk).values_list("digest", flat=True)))
        user_views_forget([instance.pk])


def _search_changed(sender: Any, instance: Search, **kwargs: Any) -> None:
    user_views_forget([instance.owner_id])


def _match_changed(sender: Any, instance: Match, **kwargs: Any) -> None:
    if not usercache.enabled():
        return
    owner = Search.objects.filter(pk=instance.search_id).values_list("owner_id", flat=True).first()
    if owner is not None:
        user_views_forget([owner])


def _alert_changed(sender: Any, instance: Alert, **kwargs: Any) -> None:
    user_views_forget([instance.user_id])


# Saves only for matches and alerts: a post_delete receiver would stop Django from deleting
# them in bulk (it must load each row to send the signal), and the purge and the erase
# delete them by the thousand; a deleted row leaves a cached answer within the time-out.
post_save.connect(_search_changed, sender=Search, dispatch_uid="dealscout_search_saved")
post_delete.connect(_search_changed, sender=Search, dispatch_uid="dealscout_search_deleted")
post_save.connect(_match_changed, sender=Match, dispatch_uid="dealscout_match_saved")
post_save.connect(_alert_changed, sender=Alert, dispatch_uid="dealscout_alert_saved")
