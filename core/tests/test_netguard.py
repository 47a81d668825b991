"""core.netguard: URLs someone else chose must not reach inside our network.

DNS is a stub resolver passed to the guard (the network edge); servers are real local
HTTP and HTTPS servers, so what is checked is where the socket really connects.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from core.netguard import AddressGuard, AddressNotAllowed, HostNotResolved, check_url_allowed, guarded_session


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8000/hook",
        "http://10.0.0.5/hook",
        "http://192.168.1.1/hook",
        "http://172.16.0.1/hook",
        "http://100.64.0.1/hook",  # carrier-grade NAT
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",  # loopback written as IPv6
        "http://[fe80::1]/hook",
        "http://0.0.0.0/hook",
        "http://224.0.0.1/hook",  # multicast
        "http://[ff02::1]/hook",
        "http://240.0.0.1/hook",  # reserved
        "ftp://8.8.8.8/file",
        "file:///etc/passwd",
        "http:///no-host",
        "http://8.8.8.8:99999/bad-port",
        "http://8.8.8.8:0/bad-port",
        "http://8.8.8.8:port/bad-port",
        "http://[::1/broken-literal",
        "http://no-such-host.invalid/hook",
        f"http://{'a' * 64}.example.com/hook",  # a DNS label is at most 63 characters
        f"http://{'ü' * 64}.example.com/hook",
        "http://a..b.example.com/hook",  # an empty label
    ],
)
def test_refused_with_a_clear_error(url: str) -> None:
    with pytest.raises(AddressNotAllowed) as error:
        check_url_allowed(url)
    assert str(error.value)


def test_public_addresses_are_allowed() -> None:
    check_url_allowed("https://8.8.8.8/hook")
    check_url_allowed("http://[2001:4860:4860::8888]:8080/hook")


def test_private_allowed_only_when_asked_and_still_http_only() -> None:
    check_url_allowed("http://127.0.0.1:9/hook", allow_private=True)
    with pytest.raises(AddressNotAllowed):
        check_url_allowed("gopher://127.0.0.1/", allow_private=True)
    with pytest.raises(AddressNotAllowed):
        check_url_allowed(f"http://{'a' * 64}.test/", allow_private=True)


class StubDNS:
    """A resolver with fixed answers, counting its lookups; later answers model a re-pointed name."""

    def __init__(self, **answers: list[str] | list[list[str]]) -> None:
        self.answers = {host.replace("_", "."): value for host, value in answers.items()}
        self.calls: list[str] = []

    def __call__(self, host: str, port: int, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        self.calls.append(host)
        if host not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        answers = self.answers[host]
        if answers and isinstance(answers[0], list):  # one answer per lookup, the last repeated
            answers = answers[min(len(self.calls) - 1, len(answers) - 1)]
        return [(socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port)) for ip in answers]


def test_a_name_answering_a_public_then_a_private_address_is_refused() -> None:
    dns = StubDNS(shop_test=["93.184.216.34", "127.0.0.1"])
    with pytest.raises(AddressNotAllowed, match="non-public address"):
        check_url_allowed("http://shop.test/hook", resolver=dns)
    with pytest.raises(AddressNotAllowed, match="non-public address"):
        guarded_session(guard=AddressGuard(resolver=dns)).get("http://shop.test/hook", timeout=2)


def test_an_unresolvable_host_is_not_allowed_and_says_why() -> None:
    with pytest.raises(HostNotResolved, match="cannot resolve nowhere.test"):
        check_url_allowed("http://nowhere.test/", resolver=StubDNS())


# --- where the socket connects: real local servers ----------------------------------------


class Recorder(BaseHTTPRequestHandler):
    seen: list[dict[str, str]]

    def do_GET(self) -> None:  # noqa: N802
        self.seen.append({"host": self.headers["Host"], "path": self.path})
        body = b"hello"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture
def local_server() -> Iterator[Callable[..., tuple[int, list[dict[str, str]]]]]:
    servers: list[ThreadingHTTPServer] = []

    def start(*, tls: ssl.SSLContext | None = None) -> tuple[int, list[dict[str, str]]]:
        seen: list[dict[str, str]] = []
        handler = type("Handler", (Recorder,), {"seen": seen})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        if tls is not None:
            server.socket = tls.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.server_port, seen

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_the_connection_goes_to_the_address_the_guard_checked_with_the_name_in_the_host_header(local_server) -> None:  # noqa: ANN001
    port, seen = local_server()
    # shop.test exists only in the stub: reaching the server proves the socket used the checked answer.
    dns = StubDNS(shop_test=["127.0.0.1"])
    session = guarded_session(guard=AddressGuard(allow_private=True, resolver=dns))
    assert session.get(f"http://shop.test:{port}/page", timeout=5).text == "hello"
    assert seen == [{"host": f"shop.test:{port}", "path": "/page"}]
    assert dns.calls == ["shop.test"]


def test_a_name_re_pointed_after_the_check_cannot_reach_the_private_address(local_server) -> None:  # noqa: ANN001
    port, seen = local_server()
    # DNS rebinding: public at the check, loopback a moment later. One lookup per connection,
    # and the socket goes to what that lookup answered, so loopback is never reached.
    dns = StubDNS(rebind_test=[["93.184.216.34"], ["127.0.0.1"]])
    session = guarded_session(guard=AddressGuard(resolver=dns))
    with pytest.raises(requests.ConnectionError):
        session.get(f"http://rebind.test:{port}/", timeout=0.5)
    assert seen == []
    assert dns.calls == ["rebind.test"]


def test_private_addresses_only_for_the_origin_the_policy_names(local_server) -> None:  # noqa: ANN001
    port, seen = local_server()
    dns = StubDNS(shop_test=["127.0.0.1"], metadata_test=["127.0.0.1"])
    guard = AddressGuard(allow_private=lambda scheme, host, p: (scheme, host, p) == ("http", "shop.test", port), resolver=dns)
    session = guarded_session(guard=guard)
    assert session.get(f"http://shop.test:{port}/", timeout=5).status_code == 200
    with pytest.raises(AddressNotAllowed):
        session.get(f"http://metadata.test:{port}/", timeout=5)
    assert len(seen) == 1


def test_tls_is_verified_against_the_host_name_not_the_address(local_server, tmp_path) -> None:  # noqa: ANN001
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("shop.test").configure_cert(server_context)
    names: list[str | None] = []
    server_context.sni_callback = lambda sock, name, context: names.append(name)
    port, seen = local_server(tls=server_context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))

    session = guarded_session(guard=AddressGuard(allow_private=True, resolver=StubDNS(shop_test=["127.0.0.1"], other_test=["127.0.0.1"])))
    session.verify = str(ca_file)
    assert session.get(f"https://shop.test:{port}/secure", timeout=5).text == "hello"
    assert names == ["shop.test"] and seen[0]["host"] == f"shop.test:{port}"
    # The same address under a name the certificate does not cover is refused by TLS.
    with pytest.raises(requests.exceptions.SSLError):
        session.get(f"https://other.test:{port}/secure", timeout=5)


def test_environment_proxies_are_ignored_and_explicit_ones_refused(local_server, monkeypatch) -> None:  # noqa: ANN001
    port, seen = local_server()
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # a dead proxy: using it would fail
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    session = guarded_session(guard=AddressGuard(allow_private=True))
    assert session.get(f"http://127.0.0.1:{port}/", timeout=5).status_code == 200
    with pytest.raises(AddressNotAllowed, match="proxies"):
        session.get(f"http://127.0.0.1:{port}/", proxies={"http": "http://127.0.0.1:9"}, timeout=5)
    assert len(seen) == 1
