from __future__ import annotations

import logging
import re

import pytest
import structlog

from monitoring.logging import REDACTED, redact_text

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
LEADING = ["timestamp", "level", "service", "version", "environment", "name", "message"]


def test_stdlib_logger_with_extra_gives_the_json_shape(captured_log):
    logging.getLogger("searches.services").info("search_created", extra={"search_id": 7})
    (line,) = captured_log.find("search_created")
    assert list(line)[: len(LEADING)] == LEADING
    assert TIMESTAMP.match(line["timestamp"])
    assert line["level"] == "info"
    assert line["name"] == "searches.services"
    assert line["service"] == "dealscout"
    assert line["search_id"] == 7


def test_structlog_logger_gives_the_same_shape(captured_log):
    structlog.get_logger("searches.services").warning("search_created", search_id=8)
    (line,) = captured_log.find("search_created")
    assert list(line)[: len(LEADING)] == LEADING
    assert line["level"] == "warning"
    assert line["name"] == "searches.services"
    assert line["search_id"] == 8


def test_third_party_info_is_dropped_but_warnings_pass(captured_log, settings):
    logging.getLogger("urllib3.connectionpool").info("noise_line")
    logging.getLogger("django-q").info("queue_noise")
    logging.getLogger("django-q").warning("worth_seeing")
    assert captured_log.find("noise_line") == []
    assert captured_log.find("queue_noise") == []
    assert captured_log.find("worth_seeing")


def test_emails_tokens_passwords_and_ips_are_redacted(captured_log):
    logging.getLogger("accounts").info(
        "login from 203.0.113.9 and fe80::1ff:fe23:4567:890a by bob@example.org with Bearer abcdef0123456789xyz",
        extra={
            "password": "hunter2-hunter2",
            "api_token": "tok_1234567890",
            "user_email": "bob@example.org",
            "remote_addr": "198.51.100.7",
            "payload": {"nested": {"secret_key": "s3cr3t-value"}, "note": "mail carol@example.net"},
            "url": "https://shop.test/feed?token=abc123def456&q=lamp",
        },
    )
    text = captured_log.text()
    for secret in ["203.0.113.9", "fe80::1ff", "bob@example.org", "abcdef0123456789xyz", "hunter2", "tok_1234567890",
                   "198.51.100.7", "s3cr3t-value", "carol@example.net", "abc123def456"]:  # fmt: skip
        assert secret not in text
    (line,) = captured_log.lines()
    assert line["password"] == REDACTED
    assert line["payload"]["nested"]["secret_key"] == REDACTED
    assert "q=lamp" in line["url"]


@pytest.mark.parametrize("harmless", ["took 09:17:29", "version 0.1.0", "price 1.234.567", "ratio 3:2"])
def test_redaction_leaves_times_and_versions_alone(harmless):
    assert redact_text(harmless) == harmless


@pytest.mark.django_db
@pytest.mark.urls("monitoring.tests.urls")
def test_request_id_and_user_id_are_on_every_line_of_a_request(client, django_user_model, captured_log):
    user = django_user_model.objects.create_user(email="dora@example.com", password="x-long-password-1")
    client.force_login(user)
    response = client.get("/test/hello/3/", headers={"X-Request-ID": "abc.DEF_123-x"})
    assert response["X-Request-ID"] == "abc.DEF_123-x"
    lines = [line for line in captured_log.lines() if line["message"] in ("hello_view", "hello_stdlib", "request_finished")]
    assert len(lines) == 3
    for line in lines:
        assert line["request_id"] == "abc.DEF_123-x"
        assert line["user_id"] == user.pk
    assert "dora@example.com" not in captured_log.text()


@pytest.mark.django_db
@pytest.mark.urls("monitoring.tests.urls")
def test_a_task_queued_by_a_request_logs_with_its_request_id(client, captured_log):
    client.get("/test/queue/", headers={"X-Request-ID": "req-from-client-1"})
    (line,) = captured_log.find("task_line")
    assert line["request_id"] == "req-from-client-1"
    assert line["task_name"] == "monitoring.tests.helpers.log_from_task"
    # The request's own line comes after the task; the task's context did not leak into it.
    (finished,) = captured_log.find("request_finished")
    assert "task_name" not in finished


def test_console_format_is_available(settings):
    from monitoring.logging import build_formatter

    formatter = build_formatter(service="s", version="v", environment="e", fmt="console")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    assert "hello world" in formatter.format(record)
