"""The upload client: retries with backoff, then says the local copy is kept; a refusal is not retried."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from scanner.upload import UploadError, endpoint, upload


def test_endpoint_accepts_a_base_url_or_the_endpoint() -> None:
    assert endpoint("http://127.0.0.1:8080/") == "http://127.0.0.1:8080/api/v1/scans"
    assert endpoint("http://127.0.0.1:8080/api/v1/scans") == "http://127.0.0.1:8080/api/v1/scans"


def test_upload_retries_then_reports_that_the_local_copy_is_kept() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket closes
    with pytest.raises(ConnectionError, match=r"after 3 tries.*kept locally"):
        upload(f"http://127.0.0.1:{port}", "sw_x", "site", {"id": "s"}, [], tries=3, backoff_s=0.01)


@pytest.fixture()
def refusing_server() -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server on loopback that refuses every upload with 401, recording each request path."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            seen.append(self.path)
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            body = b'{"error": {"code": "unauthorized", "message": "unknown or revoked token"}}'
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", seen
    finally:
        server.shutdown()


def test_a_refusal_is_reported_at_once_not_retried(refusing_server: tuple[str, list[str]]) -> None:
    url, seen = refusing_server
    with pytest.raises(UploadError, match=r"refused \(401\).*revoked token"):
        upload(url, "sw_bad", "site", {"id": "s"}, [], tries=4, backoff_s=0.01)
    assert seen == ["/api/v1/scans"]
