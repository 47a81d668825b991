"""The account page: download my data, delete my account, the health of my marketplaces."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET, require_http_methods

from accounts.gdpr import erase_due_at, user_data_export, user_delete_confirmed
from accounts.selectors import user_of
from core.errors import DomainError
from web.adapters import marketplace_health_for
from web.forms import DeleteAccountForm, add_domain_error
from web.views.common import page


@login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_delete_confirmed(user=user_of(request), password=form.cleaned_data["password"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            erase_after = erase_due_at(user)
            logout(request)
            return page(request, "web/account_deleted.html", {"erase_after": erase_after, "grace_days": settings.DELETED_USER_GRACE_DAYS})
    context = {"form": form, "grace_days": settings.DELETED_USER_GRACE_DAYS, "health": marketplace_health_for(user=user_of(request))}
    return page(request, "web/account.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    """Everything we hold about the person (the same document as GET /api/v1/auth/me/export)."""
    body = json.dumps(user_data_export(user=user_of(request)), cls=DjangoJSONEncoder, indent=2)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="dealscout-my-data.json"'
    response["Cache-Control"] = "no-store"
    return response
