"""The alerts inbox: newest first, unread marked; mark one or all read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from accounts.selectors import user_of
from alerts import selectors, services
from web.views.common import PAGE_SIZE, is_htmx, page


@login_required
@require_GET
def alert_list(request: HttpRequest) -> HttpResponse:
    unread = {"unread": True, "read": False}.get(request.GET.get("show", ""))
    alerts = selectors.alert_list_for_user(user=user_of(request), unread=unread)
    current = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    show = request.GET.get("show", "") if unread is not None else ""
    context = {"page_obj": current, "alerts": current.object_list, "show": show, "query_string": f"show={show}" if show else ""}
    return page(request, "web/alert_list.html", context)


@login_required
@require_POST
def alert_read(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = services.alert_mark_read(alert=selectors.alert_get_for_user(user=user_of(request), alert_id=alert_id))
    if is_htmx(request):
        return page(request, "web/partials/alert_row.html", {"alert": alert})
    return redirect("web:alerts")


@login_required
@require_POST
def alert_read_all(request: HttpRequest) -> HttpResponse:
    services.alerts_mark_all_read(user=user_of(request))
    return redirect("web:alerts")
