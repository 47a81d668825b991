"""Sign up, sign in (with the failed-login limits), sign out, password reset, e-mail change."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.views.decorators.http import require_http_methods

from accounts import services as account_services
from accounts.email_change import email_change_confirm
from core.errors import DomainError
from web.forms import LoginForm, SignupForm, add_domain_error
from web.views.common import page


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("web:deals")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = account_services.user_register(**form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            login(request, user, backend="accounts.backends.EmailBackend")
            messages.success(request, "Welcome to Deal Scout. Save your first search: we will look for it every few minutes.")
            return redirect("web:search_new")
    return page(request, "web/signup.html", {"form": form}, status=400 if form.errors else 200)


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 429 if form.has_error("__all__", "throttled") else 400
        return response


@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    """GET asks (a link must not sign anyone out); POST signs out."""
    if request.method == "POST":
        logout(request)
        messages.info(request, "You are signed out.")
        return redirect("web:login")
    return page(request, "web/logout.html")


password_reset = auth_views.PasswordResetView.as_view(
    template_name="web/password_reset.html",
    email_template_name="web/email/password_reset.txt",
    subject_template_name="web/email/password_reset_subject.txt",
    success_url=reverse_lazy("web:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(template_name="web/password_reset_done.html")
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="web/password_reset_confirm.html", success_url=reverse_lazy("web:password_reset_complete")
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(template_name="web/password_reset_complete.html")


@require_http_methods(["GET", "POST"])
def email_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link sent to a new address. GET asks (mail scanners open links), POST applies."""
    if request.method == "GET":
        return page(request, "web/email_confirm.html", {"ask": True})
    try:
        user = email_change_confirm(token=token)
    except DomainError as error:
        return page(request, "web/email_confirm.html", {"error": str(error)}, status=400)
    return page(request, "web/email_confirm.html", {"email": user.email})
