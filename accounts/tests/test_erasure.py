"""Erasure leaves no copy of the person's e-mail, name or free text anywhere in the database."""

from __future__ import annotations

import uuid
from datetime import timedelta
from urllib.parse import quote_plus

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from django_q.models import OrmQ, Task
from django_q.signing import SignedPackage
from knox.models import AuthToken

from accounts import personal_data
from accounts.gdpr import email_hmac
from accounts.models import ErasureRecord, User
from accounts.tests.factories import ActivityLogFactory, PreferencesFactory, UserFactory
from alerts.tests.factories import AlertFactory
from listings.tests.factories import ScrapeRunFactory, listing_with_history
from searches.models import Search
from searches.tests.factories import MatchFactory, SearchFactory

pytestmark = pytest.mark.django_db

EMAIL = "zebra.quokka@example.org"
NAME = "Quentin Zorblax"
SEARCH_NAME = "Wombatic lens hunt"
QUERY = "helios wombatlens"
EXCLUDED = "fungusqq"
LOCATION = "Yarrowtown"
MARKERS = ["zebra.quokka", "zorblax", "wombatic", "wombatlens", "fungusqq", "yarrowtown"]


def database_text() -> str:
    """Every value of every column of every table, plus what hides in encoded columns."""
    parts: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - table names from introspection
            for row in cursor.fetchall():
                parts.extend(value.decode(errors="replace") if isinstance(value, bytes | memoryview) else str(value) for value in row)
    # Pickled task arguments and results, signed queue payloads and session data are
    # encoded: decode them, or the search would miss what they contain.
    for task in Task.objects.all():
        parts.append(repr((task.name, task.args, task.kwargs, task.result)))
    for item in OrmQ.objects.all():
        parts.append(repr(item.task))
    for session in Session.objects.all():
        parts.append(repr(session.get_decoded()))
    return "\n".join(parts).lower()


@pytest.fixture
def person(client) -> User:
    user = UserFactory(email=EMAIL, name=NAME)
    PreferencesFactory(user=user)
    search = SearchFactory(owner=user, name=SEARCH_NAME, query=QUERY, excluded_terms=[EXCLUDED], location=LOCATION)
    listing = listing_with_history()
    MatchFactory(search=search, listing=listing, saved=True)
    AlertFactory(search=search, listing=listing, error=f"550 {EMAIL}: mailbox full")
    ActivityLogFactory(user=user, details={"note": f"renamed to {NAME}"})
    AuthToken.objects.create(user)
    client.force_login(user)  # a browser session
    staff = UserFactory(email="operator@example.org", is_staff=True)
    user_type = ContentType.objects.get_for_model(User)
    search_type = ContentType.objects.get_for_model(Search)
    LogEntry.objects.create(
        user=staff, content_type=user_type, object_id=str(user.pk), object_repr=str(user), action_flag=CHANGE, change_message="[]"
    )
    LogEntry.objects.create(user=staff, content_type=search_type, object_id=str(search.pk), object_repr=SEARCH_NAME, action_flag=CHANGE)
    now = timezone.now()
    Task.objects.create(
        id=uuid.uuid4().hex,
        name=f"welcome:{EMAIL}",
        func="accounts.tasks.welcome",
        args=(EMAIL,),
        kwargs={"name": NAME},
        result="sent",
        started=now,
        stopped=now,
        success=True,
    )
    OrmQ.objects.create(
        key="dealscout",
        payload=SignedPackage.dumps({"id": uuid.uuid4().hex, "name": "mail", "func": "x.y", "args": (EMAIL,), "kwargs": {}}),
        lock=now,
    )
    ScrapeRunFactory(query=QUERY, url=f"http://127.0.0.1:9/search?q={quote_plus(QUERY)}")
    return user


@pytest.fixture
def bystander() -> User:
    other = UserFactory(email="bystander@example.org", name="Bea Stander")
    SearchFactory(owner=other, name="Bystander bikes", query="road bike")
    ScrapeRunFactory(query="road bike")
    return other


def test_erasure_leaves_no_personal_text_anywhere(person, bystander) -> None:
    before = database_text()
    assert all(marker in before for marker in MARKERS), "the dump must see every planted copy"

    call_command("gdpr_erase", EMAIL, "--now")

    after = database_text()
    assert [marker for marker in MARKERS if marker in after] == []
    # Someone else's data is untouched.
    assert "bystander@example.org" in after and "bystander bikes" in after and "road bike" in after
    assert Search.objects.filter(owner=bystander).count() == 1
    # The audit record proves the erasure without naming the person.
    record = ErasureRecord.objects.get()
    assert record.email_hmac == email_hmac(EMAIL.upper())
    assert record.reason == "operator" and record.rows_deleted > 0
    assert LogEntry.objects.filter(object_id=str(person.pk)).exists()  # the operator's log keeps its ids


def test_unknown_email_is_a_clear_error_with_exit_status_1(person) -> None:
    # manage.py turns a CommandError into its returncode as the exit status.
    with pytest.raises(CommandError) as error:
        call_command("gdpr_erase", "nobody@example.org", "--now")
    assert error.value.returncode == 1
    assert "No account with the e-mail address 'nobody@example.org'" in str(error.value)
    assert User.objects.filter(email=EMAIL).exists()


def test_failure_half_way_leaves_everything_in_place(person, monkeypatch) -> None:
    def broken_scrubber(*, texts: list[str]) -> int:
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(personal_data._SCRUBBERS, "zz_broken", broken_scrubber)
    with pytest.raises(RuntimeError):
        call_command("gdpr_erase", EMAIL, "--now")

    assert User.objects.filter(email=EMAIL).exists()
    assert Search.objects.filter(owner=person).count() == 1
    assert LogEntry.objects.filter(object_repr=EMAIL).exists()
    assert ErasureRecord.objects.count() == 0
    assert AuthToken.objects.filter(user=person).exists()


def test_reapply_after_restore_erases_the_restored_person_but_not_a_new_signup(person, clock) -> None:
    call_command("gdpr_erase", EMAIL, "--now")
    record = ErasureRecord.objects.get()
    # A backup from before the erasure is restored: the person is back, with their data.
    restored = UserFactory(email=EMAIL, name=NAME, date_joined=record.erased_at - timedelta(days=40))
    SearchFactory(owner=restored, name=SEARCH_NAME)

    call_command("gdpr_erase", "--reapply")

    assert not User.objects.filter(email=EMAIL).exists()
    assert ErasureRecord.objects.filter(reason="restored").count() == 1
    # Someone who signs up again with the address after the erasure is a new person.
    clock.move_to(record.erased_at + timedelta(days=1))
    UserFactory(email=EMAIL)
    call_command("gdpr_erase", "--reapply")
    assert User.objects.filter(email=EMAIL).exists()
