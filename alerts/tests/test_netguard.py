"""core.netguard: user-given URLs must not reach inside our network."""

from __future__ import annotations

import pytest

from core.netguard import AddressNotAllowed, check_url_allowed


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8000/hook",
        "http://10.0.0.5/hook",
        "http://192.168.1.1/hook",
        "http://172.16.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://0.0.0.0/hook",
        "ftp://8.8.8.8/file",
        "file:///etc/passwd",
        "http:///no-host",
        "http://8.8.8.8:99999/bad-port",
        "http://no-such-host.invalid/hook",
    ],
)
def test_refused(url: str) -> None:
    with pytest.raises(AddressNotAllowed):
        check_url_allowed(url)


def test_public_address_is_allowed() -> None:
    check_url_allowed("https://8.8.8.8/hook")
    check_url_allowed("http://[2001:4860:4860::8888]:8080/hook")


def test_private_allowed_only_when_asked_and_still_http_only() -> None:
    check_url_allowed("http://127.0.0.1:9/hook", allow_private=True)
    with pytest.raises(AddressNotAllowed):
        check_url_allowed("gopher://127.0.0.1/", allow_private=True)
