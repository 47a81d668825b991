"""The person's data export: complete, secrets masked, nobody else's data."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import User
from accounts.personal_data import MASK, export_row
from accounts.tests.factories import ActivityLogFactory, PreferencesFactory, UserFactory
from accounts.tests.personal_models import personal_data_models
from alerts.tests.factories import AlertFactory
from listings.tests.factories import listing_with_history
from searches.tests.factories import MatchFactory, SearchFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice() -> User:
    user = UserFactory(email="alice@example.org", name="Alice Example")
    PreferencesFactory(user=user, hourly_cap=7)
    search = SearchFactory(owner=user, name="Alice lenses", query="helios lens")
    saved = listing_with_history(title="Helios 44-2 saved")
    MatchFactory(search=search, listing=saved, saved=True)
    MatchFactory(search=search, listing=listing_with_history(title="Helios 44-2 not saved"))
    AlertFactory(search=search, listing=saved)
    ActivityLogFactory(user=user, action="search_created")
    return user


@pytest.fixture
def bob() -> User:
    user = UserFactory(email="bob@example.org", name="Bob Other")
    SearchFactory(owner=user, name="Bob bikes")
    return user


def export_of(email: str, tmp_path) -> dict:  # noqa: ANN001
    target = tmp_path / "export.json"
    call_command("gdpr_export", email, "-o", str(target))
    return json.loads(target.read_text())


def test_export_holds_everything_about_the_person(alice, bob, tmp_path) -> None:
    instance, token = AuthToken.objects.create(alice)
    document = export_of("ALICE@example.org", tmp_path)
    records = document["records"]

    assert document["user_id"] == alice.pk
    assert records["accounts.User"][0]["email"] == "alice@example.org"
    assert records["accounts.User"][0]["name"] == "Alice Example"
    assert records["accounts.NotificationPreferences"][0]["hourly_cap"] == 7
    assert [s["name"] for s in records["searches.Search"]] == ["Alice lenses"]
    assert {m["listing"]["title"] for m in records["searches.Match"]} == {"Helios 44-2 saved", "Helios 44-2 not saved"}
    assert [listing["title"] for listing in records["saved_listings"]] == ["Helios 44-2 saved"]
    assert len(records["alerts.Alert"]) == 1
    assert records["accounts.ActivityLog"][0]["action"] == "search_created"
    assert records["knox.AuthToken"] == [
        {"token_key": instance.token_key, "created": instance.created.isoformat(), "expiry": instance.expiry.isoformat()}
    ]
    text = json.dumps(document)
    assert instance.digest not in text and token not in text
    assert alice.password not in text  # the password hash never leaves
    assert "bob" not in text.lower() and "Bob bikes" not in text


def test_every_model_holding_personal_data_is_exported(alice, tmp_path) -> None:
    records = export_of(alice.email, tmp_path)["records"]
    missing = [model._meta.label for model in personal_data_models() if model._meta.label not in records]
    assert missing == [], f"add these models to their app's privacy.py exporter: {missing}"


def test_secret_looking_fields_are_masked(alice) -> None:
    token, _ = AuthToken.objects.create(alice)
    row = export_row(token)
    # The generic row export masks any field named like a secret, so a model added
    # later (a webhook channel, an API key) is masked without anyone remembering to.
    assert row["digest"] == MASK and row["token_key"] == MASK
    assert token.digest not in str(row)
    assert row["created"] == token.created.isoformat()


def test_export_unknown_email_exits_1() -> None:
    # manage.py turns a CommandError into its returncode as the exit status.
    with pytest.raises(CommandError) as error:
        call_command("gdpr_export", "nobody@example.org")
    assert error.value.returncode == 1
    assert "No account with the e-mail address" in str(error.value)


def test_export_to_stdout(alice, capsys) -> None:
    call_command("gdpr_export", alice.email)
    assert json.loads(capsys.readouterr().out)["records"]["accounts.User"][0]["email"] == alice.email


def test_api_export_is_the_signed_in_persons_only(alice, bob) -> None:
    _, token = AuthToken.objects.create(bob)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get("/api/v1/auth/me/export")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    body = response.json()
    assert body["user_id"] == bob.pk
    assert "alice" not in json.dumps(body).lower()
    assert APIClient().get("/api/v1/auth/me/export").status_code == 401


def test_admin_action_exports_the_selected_user(alice, client) -> None:
    staff = UserFactory(email="staff@example.org", is_staff=True, is_superuser=True)
    client.force_login(staff)
    url = reverse("admin:accounts_user_changelist")

    response = client.post(url, {"action": "export_personal_data", "_selected_action": [alice.pk]})
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="dealscout-user-{alice.pk}.json"'
    assert json.loads(response.content)["records"]["searches.Search"][0]["name"] == "Alice lenses"

    response = client.post(url, {"action": "export_personal_data", "_selected_action": [alice.pk, staff.pk]}, follow=True)
    assert "Select exactly one user" in response.content.decode()
