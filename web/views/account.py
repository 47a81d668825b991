"""The account page: download my data, delete my account, the health of my marketplaces."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.views.decorators.http import require_GET, require_http_methods

from accounts.gdpr import erase_due_at, user_data_export, user_delete_confirmed
from accounts.models import User
from core.errors import DomainError
from listings.models import Marketplace
from listings.selectors import marketplace_health
from searches.models import Search
from web.forms import DeleteAccountForm, add_domain_error
from web.views.common import AuthedRequest, page


@login_required
@require_http_methods(["GET", "POST"])
def account(request: AuthedRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_delete_confirmed(user=request.user, password=form.cleaned_data["password"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            erase_after = erase_due_at(user)
            logout(request)
            return page(request, "web/account_deleted.html", {"erase_after": erase_after, "grace_days": settings.DELETED_USER_GRACE_DAYS})
    context = {"form": form, "grace_days": settings.DELETED_USER_GRACE_DAYS, "health": _my_marketplaces(request.user)}
    return page(request, "web/account.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def export(request: AuthedRequest) -> HttpResponse:
    """Everything we hold about the person (the same document as GET /api/v1/auth/me/export)."""
    body = json.dumps(user_data_export(user=request.user), cls=DjangoJSONEncoder, indent=2)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="dealscout-my-data.json"'
    response["Cache-Control"] = "no-store"
    return response


def _my_marketplaces(user: User) -> list[dict[str, object]]:
    """The marketplaces the person's searches use, with their health and those searches."""
    uses: dict[int, list[str]] = {}
    for marketplace_id, name in Search.objects.filter(owner=user).values_list("marketplaces", "name").order_by("name"):
        if marketplace_id is not None:
            uses.setdefault(marketplace_id, []).append(name)
    health = marketplace_health(marketplace_ids=uses)
    markets = Marketplace.objects.filter(pk__in=uses).order_by("name").only("id", "name", "enabled")
    return [{"marketplace": market, "health": health.get(market.pk), "searches": uses[market.pk]} for market in markets]
