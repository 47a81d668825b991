"""What the floor itself holds about a person, and its retention periods.

Besides its own models this covers the third-party tables that reference a user or may
copy their words: knox tokens, the admin log, django-q2 task results and queue.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.db import transaction
from django.db.models import Q
from django_q.models import OrmQ, Task
from knox.models import AuthToken

from accounts.models import ActivityLog, NotificationPreferences, User
from accounts.personal_data import export_row, export_rows, register_exporter, register_scrubber
from accounts.retention import PurgeContext, delete_in_batches, register_purger

# django-q2 keeps results of finished tasks (Success/Failure rows) for debugging;
# after a week nobody looks at them, and their arguments may carry ids or text.
TASK_RESULT_RETENTION_DAYS = 7
ERASED = "[erased]"


# --- export ---------------------------------------------------------------------------


@register_exporter("accounts")
def export_account(*, user: User) -> dict[str, Any]:
    return {
        "accounts.User": [export_row(user, exclude=["password"], extra={"groups": sorted(user.groups.values_list("name", flat=True))})],
        "accounts.NotificationPreferences": export_rows(NotificationPreferences.objects.filter(user=user)),
        "accounts.ActivityLog": export_rows(ActivityLog.objects.filter(user=user)),
        # Token metadata only: the digest is what authenticates, it never leaves.
        "knox.AuthToken": [
            {
                "token_key": token.token_key,
                "created": token.created.isoformat(),
                "expiry": token.expiry.isoformat() if token.expiry else None,
            }
            for token in AuthToken.objects.filter(user=user).order_by("created")
        ],
        # What the person did as staff; object_repr may name other people, so it stays out.
        "admin.LogEntry": [
            {
                "action_time": entry.action_time.isoformat(),
                "action": entry.get_action_flag_display(),
                "content_type": entry.content_type.model if entry.content_type else None,
                "object_id": entry.object_id,
            }
            for entry in LogEntry.objects.filter(user=user).select_related("content_type").order_by("action_time")
        ],
    }


# --- scrubbing copies of a person's texts ---------------------------------------------


@register_scrubber("admin_log")
def scrub_admin_log(*, texts: list[str]) -> int:
    """Entries about the person (or their objects) keep their ids, lose their words."""
    if not texts:
        return 0
    match = Q()
    for text in texts:
        match |= Q(object_repr__icontains=text) | Q(change_message__icontains=text)
    return LogEntry.objects.filter(match).update(object_repr=ERASED, change_message="")


@register_scrubber("task_queue")
def scrub_tasks(*, texts: list[str]) -> int:
    """Task results and queued tasks whose name, arguments or result mention the person.

    Arguments and results are pickled, so they can only be searched once loaded; the
    tables are small (results are purged after TASK_RESULT_RETENTION_DAYS and capped by
    Q_CLUSTER save_limit).
    """
    needles = [text.lower() for text in texts]
    if not needles:
        return 0

    def mentions(*values: Any) -> bool:
        haystack = " ".join(repr(value) for value in values).lower()
        return any(needle in haystack for needle in needles)

    doomed_tasks = [
        task.pk
        for task in Task.objects.only("id", "name", "func", "group", "args", "kwargs", "result").iterator(chunk_size=200)
        if mentions(task.name, task.func, task.group, task.args, task.kwargs, task.result)
    ]
    doomed_queue = [item.pk for item in OrmQ.objects.iterator(chunk_size=200) if mentions(item.key, _queued_task(item))]
    Task.objects.filter(pk__in=doomed_tasks).delete()
    OrmQ.objects.filter(pk__in=doomed_queue).delete()
    return len(doomed_tasks) + len(doomed_queue)


def _queued_task(item: OrmQ) -> Any:
    try:
        return item.task
    except Exception:  # noqa: BLE001 - an unreadable payload is matched on its raw text
        return item.payload


# --- retention ------------------------------------------------------------------------


@register_purger("activity_logs")
def purge_activity_logs(context: PurgeContext) -> dict[str, int]:
    cutoff = context.now - timedelta(days=settings.ACTIVITY_LOG_RETENTION_DAYS)
    return delete_in_batches(ActivityLog.objects.filter(created_at__lt=cutoff), kind="activity_logs", context=context)


@register_purger("api_tokens")
def purge_expired_api_tokens(context: PurgeContext) -> dict[str, int]:
    """Tokens past their expiry: refused already, and no longer worth keeping.

    Authentication skips knox's per-request sweep of a user's other tokens (one query
    less per request), so the daily purge is what removes the expired ones.
    """
    return delete_in_batches(AuthToken.objects.filter(expiry__lt=context.now), kind="api_tokens", context=context)


@register_purger("task_results")
def purge_task_results(context: PurgeContext) -> dict[str, int]:
    cutoff = context.now - timedelta(days=TASK_RESULT_RETENTION_DAYS)
    return delete_in_batches(Task.objects.filter(stopped__lt=cutoff), kind="task_results", context=context)


@register_purger("deleted_users")
def purge_deleted_users(context: PurgeContext) -> dict[str, int]:
    """Erase accounts whose owner deleted them more than DELETED_USER_GRACE_DAYS ago.

    One person per transaction; ``skip_locked`` lets two workers erase different people,
    and the condition is checked again on the locked row, so a person who signed in a
    moment ago (and cancelled) is not erased.
    """
    from accounts.gdpr import grace_cutoff, user_erase

    cutoff = grace_cutoff(now=context.now)
    expired = User.objects.filter(deleted_at__lt=cutoff)
    if context.dry_run:
        return {"deleted_users": expired.count()}
    erased = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            user = expired.filter(pk__gt=last_pk).order_by("pk").select_for_update(skip_locked=True).first()
            if user is None:
                break
            last_pk = user.pk
            user_erase(user=user, reason="grace_expired", now=context.now)
        erased += 1
        context.progress("deleted_users", erased)
    return {"deleted_users": erased}
