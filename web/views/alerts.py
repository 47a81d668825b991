"""The alerts inbox: newest first, unread marked; mark one or all read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from alerts import selectors, services
from web.views.common import PAGE_SIZE, AuthedRequest, is_htmx, page


@login_required
@require_GET
def alert_list(request: AuthedRequest) -> HttpResponse:
    unread = {"unread": True, "read": False}.get(request.GET.get("show", ""))
    alerts = selectors.alert_list_for_user(user=request.user, unread=unread)
    current = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    show = request.GET.get("show", "") if unread is not None else ""
    context = {"page_obj": current, "alerts": current.object_list, "show": show, "query_string": f"show={show}" if show else ""}
    return page(request, "web/alert_list.html", context)


@login_required
@require_POST
def alert_read(request: AuthedRequest, alert_id: int) -> HttpResponse:
    alert = services.alert_mark_read(alert=selectors.alert_get_for_user(user=request.user, alert_id=alert_id))
    if is_htmx(request):
        return page(request, "web/partials/alert_row.html", {"alert": alert})
    return redirect("web:alerts")


@login_required
@require_POST
def alert_read_all(request: AuthedRequest) -> HttpResponse:
    services.alerts_mark_all_read(user=request.user)
    return redirect("web:alerts")
