"""The web app's forms: they check the shape of what was typed; the rules are the services'.

A service's DomainError comes back onto the form with ``add_domain_error``, on the field it
names, so a person sees the same message the API would give, next to the input it is about.
"""

from __future__ import annotations

import zoneinfo
from decimal import Decimal
from typing import Any

from django import forms
from django.http import HttpRequest

from accounts import services as account_services
from accounts.forms import LimitedAuthenticationForm
from accounts.login import WRONG_CREDENTIALS
from accounts.models import NotificationPreferences
from alerts.models import NotificationChannel
from core.errors import DomainError
from listings.models import Marketplace
from searches.models import MIN_INTERVAL_MINUTES, Search

TIMEZONES = sorted(zoneinfo.available_timezones())


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Put a service's error on the field it names (``notifications.hourly_cap`` -> ``hourly_cap``)."""
    field = (error.field or "").rsplit(".", 1)[-1]
    form.add_error(field if field in form.fields else None, str(error))


class SignupForm(forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    name = forms.CharField(
        max_length=150, required=False, label="Your name (optional)", widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    password = forms.CharField(
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not only digits, not a common password.",
    )
    timezone = forms.ChoiceField(
        choices=[(name, name) for name in TIMEZONES], initial="UTC", label="Time zone", help_text="For quiet hours and dates."
    )


class LoginForm(LimitedAuthenticationForm):
    """The one sign-in form of accounts (the failed-login limits of every sign-in path), with our labels."""

    error_messages = {**LimitedAuthenticationForm.error_messages, "invalid_login": WRONG_CREDENTIALS}

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "E-mail"
        self.fields["username"].widget = forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})


class SearchForm(forms.Form):
    name = forms.CharField(max_length=120, help_text="For you: it names the search in alerts.")
    query = forms.CharField(
        max_length=300,
        label="Words to look for",
        help_text='All must appear in the title. "lens hood" for a phrase, (x100v | x100vi) for either, -broken to exclude, x100* for a prefix.',
    )
    excluded_terms = forms.CharField(max_length=1000, required=False, label="Words to exclude", help_text="Separated by commas.")
    marketplaces = forms.ModelMultipleChoiceField(queryset=Marketplace.objects.none(), widget=forms.CheckboxSelectMultiple)
    min_price = forms.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal(0), required=False, label="Lowest price")
    max_price = forms.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal(0), required=False, label="Highest price")
    currency = forms.RegexField(
        regex=r"^[A-Z]{3}$",
        max_length=3,
        initial="USD",
        help_text="ISO 4217 code, such as USD or EUR.",
        error_messages={"invalid": "Three capital letters, such as USD."},
    )
    condition = forms.ChoiceField(choices=Search.ConditionFilter.choices, initial="any")
    location = forms.CharField(
        max_length=200, required=False, help_text="A town (Berlin, Portland, OR, London, UK) or a US ZIP code (optional)."
    )
    radius_km = forms.IntegerField(min_value=0, max_value=20000, required=False, label="Within (km)")
    keep_unknown_location = forms.BooleanField(required=False, initial=True, label="Also show listings that do not say where they are")
    include_shipping = forms.BooleanField(required=False, initial=False, label="Compare prices with shipping included")
    interval_minutes = forms.IntegerField(min_value=MIN_INTERVAL_MINUTES, max_value=7 * 24 * 60, initial=15, label="Look every (minutes)")
    alert_on_new = forms.BooleanField(required=False, initial=True, label="Alert me on new listings")
    alert_on_price_drop = forms.BooleanField(required=False, initial=True, label="Alert me on price drops")
    price_drop_percent = forms.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("99.99"),
        initial=Decimal("5.00"),
        label="Price drop of at least (%)",
    )
    include_accessories = forms.BooleanField(required=False, label="Also match accessories, empty boxes and parts")
    min_deal_score = forms.DecimalField(
        max_digits=6,
        decimal_places=2,
        min_value=Decimal(-100),
        max_value=Decimal(100),
        required=False,
        label="Only alert on deals at least this good (% below market)",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["marketplaces"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Marketplace.objects.filter(enabled=True).order_by("name")

    @classmethod
    def initial_for(cls, search: Search) -> dict[str, Any]:
        values = {name: getattr(search, name) for name in cls.base_fields if name not in ("excluded_terms", "marketplaces")}
        values["excluded_terms"] = ", ".join(search.excluded_terms or [])
        values["marketplaces"] = list(search.marketplaces.all())
        return values

    def service_fields(self) -> dict[str, Any]:
        """What search_create/search_update take."""
        data = dict(self.cleaned_data)
        data["excluded_terms"] = [term.strip() for term in data.get("excluded_terms", "").split(",") if term.strip()]
        data["marketplaces"] = list(data["marketplaces"])
        data["location"] = data.get("location") or ""
        return data


class PreferencesForm(forms.Form):
    frequency = forms.ChoiceField(
        choices=NotificationPreferences.Frequency.choices,
        widget=forms.RadioSelect,
        label="How to send alerts",
        help_text="Instant: one message per deal. A digest gathers them into one message an hour or a day.",
    )
    email_enabled = forms.BooleanField(required=False, label="Send alerts by e-mail")
    quiet_hours_start = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), label="Quiet from")
    quiet_hours_end = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), label="Quiet until")
    timezone = forms.ChoiceField(
        choices=[(name, name) for name in TIMEZONES], label="Time zone", help_text="Quiet hours are in this time zone."
    )
    hourly_cap = forms.IntegerField(
        min_value=account_services.HOURLY_CAP_MIN,
        max_value=account_services.HOURLY_CAP_MAX,
        label="Instant alerts per hour, at most",
        help_text="Past it, the rest of the hour's alerts wait for one digest.",
    )


class ChannelForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[(k, v) for k, v in NotificationChannel.Kind.choices if k != NotificationChannel.Kind.EMAIL], label="Kind"
    )
    label = forms.CharField(max_length=100, required=False, help_text="A name you will recognise, such as “phone”.")
    url = forms.CharField(max_length=1000, label="URL", help_text="The webhook's https address, or an Apprise URL such as ntfy://topic.")


class EmailChangeForm(forms.Form):
    new_email = forms.EmailField(max_length=254, label="New e-mail address", widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(strip=False, label="Your password", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class PasswordChangeForm(forms.Form):
    current_password = forms.CharField(strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    new_password = forms.CharField(strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        strip=False, label="Your password, to confirm", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
