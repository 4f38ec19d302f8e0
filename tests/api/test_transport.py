"""The webhook transport against a real local HTTP server (private addresses allowed for the test only)."""

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from api import transport


@pytest.fixture
def server():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers["Content-Length"])
            received.append({"path": self.path, "headers": dict(self.headers), "body": self.rfile.read(length)})
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1], received
    httpd.shutdown()


def test_posts_to_the_checked_address_with_the_host_name(server, settings):
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    port, received = server
    status = transport.post(
        f"http://localhost:{port}/hook?x=1", body=b'{"a":1}', headers={"webhook-id": "msg_1"}, timeout=5
    )
    assert status == 204
    (request,) = received
    assert request["path"] == "/hook?x=1"
    assert request["body"] == b'{"a":1}'
    assert request["headers"]["Host"] == f"localhost:{port}"
    assert request["headers"]["webhook-id"] == "msg_1"


def test_the_same_server_is_refused_without_the_test_only_setting(server, settings):
    settings.WEBHOOK_ALLOW_HTTP = True
    port, _received = server
    with pytest.raises(transport.UnsafeTarget):
        transport.post(f"http://localhost:{port}/hook", body=b"{}", headers={}, timeout=5)


def test_timeout_applies(settings, monkeypatch):
    settings.WEBHOOK_TIMEOUT = 0.5
    seen = {}

    def create_connection(address, timeout):
        seen["timeout"] = timeout
        raise TimeoutError

    monkeypatch.setattr(transport, "resolve", lambda host, port: ["93.184.216.34"])
    monkeypatch.setattr(transport.socket, "create_connection", create_connection)
    with pytest.raises(TimeoutError):
        transport.post("https://crm.example.org/hook", body=b"{}", headers={})
    assert seen["timeout"] == 0.5
