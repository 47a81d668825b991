"""Saved searches: list, create, edit, pause/resume, run now, delete; and the live preview."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from searches import matching, selectors, services
from searches.models import Search
from web.forms import SearchForm, add_domain_error
from web.throttle import scout_budget_wait
from web.views.common import AuthedRequest, page


@login_required
@require_http_methods(["GET"])
def search_list(request: AuthedRequest) -> HttpResponse:
    searches = selectors.search_list_for_user(user=request.user).annotate(match_count=Count("matches", filter=Q(matches__dismissed=False)))
    return page(request, "web/search_list.html", {"searches": searches})


@login_required
@require_http_methods(["GET", "POST"])
def search_new(request: AuthedRequest) -> HttpResponse:
    form = SearchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            search = services.search_create(owner=request.user, **form.service_fields())
        except DomainError as error:
            add_domain_error(form, error)
        else:
            services.search_run_now(search=search)
            messages.success(request, f"Saved “{search.name}”. We are looking for it now; deals appear on your Deals page.")
            return redirect("web:search_detail", search_id=search.pk)
    return page(request, "web/search_form.html", {"form": form, "search": None}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def search_detail(request: AuthedRequest, search_id: int) -> HttpResponse:
    search = selectors.search_get_for_user(user=request.user, search_id=search_id)
    if request.method == "POST":
        form = SearchForm(request.POST)
        if form.is_valid():
            try:
                services.search_update(search=search, **form.service_fields())
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, "Saved your changes.")
                return redirect("web:search_detail", search_id=search.pk)
    else:
        form = SearchForm(initial=SearchForm.initial_for(search))
    context = {
        "form": form,
        "search": search,
        "summary": selectors.search_market_summary(search=search),
        "recent": selectors.match_list_for_user(user=request.user).filter(search=search)[:6],
    }
    return page(request, "web/search_form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def search_preview_partial(request: AuthedRequest) -> HttpResponse:
    """What the form as typed would match among the stored listings now (htmx, on input)."""
    form = SearchForm(request.POST)
    form.fields["name"].required = False  # a preview needs no name yet
    if not form.is_valid():
        # Say what the preview still needs; the other errors show when the form is saved.
        missing = [str(form[name].label).lower() for name in ("query", "marketplaces") if name in form.errors]
        return page(request, "web/partials/preview.html", {"incomplete": missing or ["the form's other fields"], "form": form})
    fields = form.service_fields()
    marketplaces = fields.pop("marketplaces")
    search = Search(owner=request.user, **{**fields, "name": fields.get("name") or "preview"})
    try:
        services.search_check(search=search, marketplaces=marketplaces)  # the rules of saving it
        rules = matching.rules_for(search)
        preview = selectors.search_preview(search_or_rules=rules, marketplace_ids=[market.pk for market in marketplaces])
    except DomainError as error:  # a query that does not parse, say
        return page(request, "web/partials/preview.html", {"error": str(error)})
    return page(request, "web/partials/preview.html", {"preview": preview})


def _action(request: AuthedRequest, search_id: int, verb: str) -> HttpResponse:
    search = selectors.search_get_for_user(user=request.user, search_id=search_id)
    try:
        if verb == "pause":
            services.search_pause(search=search)
            messages.success(request, f"Paused “{search.name}”: no more looking or alerts until you resume it.")
        elif verb == "resume":
            services.search_resume(search=search)
            messages.success(request, f"Resumed “{search.name}”: we look for it again now.")
        elif verb == "run":
            wait = scout_budget_wait(request)
            if wait is not None:
                messages.error(request, f"You asked for many runs in a short time; try again in {max(1, round(wait / 60))} minute(s).")
                return redirect("web:search_list")
            queries = services.search_run_now(search=search)
            messages.success(request, f"Looking for “{search.name}” now on {len(queries)} marketplace(s); new deals appear in a minute.")
        elif verb == "delete":
            name = search.name
            services.search_delete(search=search)
            messages.success(request, f"Deleted “{name}” and its matches.")
            return redirect("web:search_list")
    except DomainError as error:
        messages.error(request, str(error))
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//") else "web:search_list")


@login_required
@require_POST
def search_pause(request: AuthedRequest, search_id: int) -> HttpResponse:
    return _action(request, search_id, "pause")


@login_required
@require_POST
def search_resume(request: AuthedRequest, search_id: int) -> HttpResponse:
    return _action(request, search_id, "resume")


@login_required
@require_POST
def search_run(request: AuthedRequest, search_id: int) -> HttpResponse:
    return _action(request, search_id, "run")


@login_required
@require_POST
def search_delete(request: AuthedRequest, search_id: int) -> HttpResponse:
    return _action(request, search_id, "delete")
