"""Settings: alert preferences, channels (with a test send), e-mail address and password."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services as account_services
from accounts.email_change import email_change_request
from alerts import selectors as alert_selectors
from alerts import services as alert_services
from alerts.models import NotificationChannel
from core.errors import DomainError
from web.forms import ChannelForm, EmailChangeForm, PasswordChangeForm, PreferencesForm, add_domain_error
from web.throttle import scout_budget_wait
from web.views.common import AuthedRequest, is_htmx, page


def _settings_page(request: AuthedRequest, *, status: int = 200, **forms: object) -> HttpResponse:
    user = request.user
    prefs = account_services.preferences_for(user)
    alert_services.channels_for_users(user_ids={user.pk})  # the account's e-mail channel, made on first use (as the API does)
    context = {
        "preferences_form": PreferencesForm(
            initial={
                "frequency": prefs.frequency,
                "email_enabled": prefs.email_enabled,
                "quiet_hours_start": prefs.quiet_hours_start,
                "quiet_hours_end": prefs.quiet_hours_end,
                "timezone": user.timezone,
                "hourly_cap": prefs.hourly_cap,
            }
        ),
        "channel_form": ChannelForm(),
        "email_form": EmailChangeForm(),
        "password_form": PasswordChangeForm(),
        "channels": alert_selectors.channels_for_user(user=user),
        **forms,
    }
    return page(request, "web/settings.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: AuthedRequest) -> HttpResponse:
    if request.method == "GET":
        return _settings_page(request)
    form = PreferencesForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            account_services.user_update_profile(user=request.user, timezone=data.pop("timezone"), preferences=data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, "Saved your alert preferences.")
            return redirect("web:settings")
    return _settings_page(request, status=400, preferences_form=form)


@login_required
@require_POST
def channel_add(request: AuthedRequest) -> HttpResponse:
    form = ChannelForm(request.POST)
    if form.is_valid():
        try:
            channel, secret = alert_services.channel_create(user=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            text = f"Added the {channel.get_kind_display().lower()} channel."
            if secret:
                text += f" Its signing secret, shown this once: {secret}"
            messages.success(request, text)
            return redirect("web:settings")
    return _settings_page(request, status=400, channel_form=form)


def _channel(request: AuthedRequest, channel_id: int) -> NotificationChannel:
    return alert_selectors.channel_get_for_user(user=request.user, channel_id=channel_id)


@login_required
@require_POST
def channel_toggle(request: AuthedRequest, channel_id: int) -> HttpResponse:
    channel = _channel(request, channel_id)
    channel = alert_services.channel_update(channel=channel, enabled=not channel.enabled)
    messages.success(request, f"Turned {'on' if channel.enabled else 'off'} {channel.label or channel.get_kind_display()}.")
    return redirect("web:settings")


@login_required
@require_POST
def channel_delete(request: AuthedRequest, channel_id: int) -> HttpResponse:
    try:
        alert_services.channel_delete(channel=_channel(request, channel_id))
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Removed the channel.")
    return redirect("web:settings")


@login_required
@require_POST
def channel_test(request: AuthedRequest, channel_id: int) -> HttpResponse:
    channel = _channel(request, channel_id)
    wait = scout_budget_wait(request)
    if wait is not None:
        result = alert_services.TestResult(
            ok=False, detail=f"Not sent: too many tests and runs lately; try again in {max(1, round(wait / 60))} minute(s)."
        )
    else:
        result = alert_services.channel_send_test(channel=channel)
    if is_htmx(request):
        return page(request, "web/partials/channel_test.html", {"result": result, "channel": channel})
    (messages.success if result.ok else messages.error)(request, f"Test on {channel.label or channel.get_kind_display()}: {result.detail}")
    return redirect("web:settings")


@login_required
@require_POST
def email_change(request: AuthedRequest) -> HttpResponse:
    form = EmailChangeForm(request.POST)
    if form.is_valid():
        try:
            email_change_request(
                user=request.user,
                password=form.cleaned_data["password"],
                new_email=form.cleaned_data["new_email"],
                confirm_url=lambda token: request.build_absolute_uri(reverse("web:email_confirm", args=[token])),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, "We sent a link to the new address. Your address changes when you open it (within 24 hours).")
            return redirect("web:settings")
    return _settings_page(request, status=400, email_form=form)


@login_required
@require_POST
def password_change(request: AuthedRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST)
    if form.is_valid():
        try:
            account_services.user_change_password(user=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            update_session_auth_hash(request, request.user)  # this session stays signed in
            messages.success(request, "Changed your password. Your API tokens were revoked.")
            return redirect("web:settings")
    return _settings_page(request, status=400, password_form=form)
