"""The upload client: retries with backoff, then says the local copy is kept; a refusal is not retried."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.upload import UploadError, check_url, endpoint, upload
from tests.loopback_http import serving


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

    def refuse(path: str, _headers: dict[str, str], _body: bytes) -> tuple[int, bytes]:
        seen.append(path)
        return 401, b'{"error": {"code": "unauthorized", "message": "unknown or revoked token"}}'

    with serving(refuse) as url:
        yield url, seen


def test_a_refusal_is_reported_at_once_not_retried(refusing_server: tuple[str, list[str]]) -> None:
    url, seen = refusing_server
    with pytest.raises(UploadError, match=r"refused \(401\).*revoked token"):
        upload(url, "sw_bad", "site", {"id": "s"}, [], tries=4, backoff_s=0.01)
    assert seen == ["/api/v1/scans"]


@pytest.fixture()
def collector() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    """A real HTTP server on loopback that accepts every upload (201), keeping its headers and raw body."""
    received: list[tuple[dict[str, str], bytes]] = []

    def accept(_path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        received.append((headers, body))
        return 201, json.dumps({"devices": len(json.loads(body)["devices"])}).encode()

    with serving(accept) as url:
        yield url, received


def test_control_characters_never_leave_the_agent(collector: tuple[str, list[tuple[dict[str, str], bytes]]]) -> None:
    url, received = collector
    device = {"ip": "127.0.0.9", "model": "DS-2CD\x00\x1b[31m\x07\x9b2J", "serial": "Camera \udcff\udcfe",
              "evidence": [{"source": "http-body", "detail": "line one\nline\ttwo\r\x0c"}], "risks": ["\x1b]0;x\x07"]}
    upload(url, "sw_x", "kyiv\x00", {"id": "s", "options": {"note": "\x08"}}, [device])
    raw = received[0][1]
    body = json.loads(raw)
    assert b"\\u0000" not in raw and b"\\u001b" not in raw and b"\\ud" not in raw  # no NUL, ESC or lone surrogate
    assert body["site"] == "kyiv" and body["scan"]["options"]["note"] == ""
    sent = body["devices"][0]
    assert sent["model"] == "DS-2CD[31m2J" and sent["serial"] == "Camera \ufffd\ufffd" and sent["risks"] == ["]0;x"]
    assert sent["evidence"][0]["detail"] == "line one\nline\ttwo"  # tab and newline are kept


def test_plain_http_to_another_host_is_warned_about() -> None:
    assert check_url("https://sw.example.org") is None
    assert check_url("http://127.0.0.1:8080") is None and check_url("http://localhost:8080/") is None
    assert check_url("http://[::1]:8080") is None
    warning = check_url("http://sw.example.org:8080")
    assert warning and "plain http" in warning and "https://" in warning
    assert check_url("http://10.20.0.5/") is not None
    for bad in ("sw.example.org", "ftp://sw.example.org", "http://"):
        with pytest.raises(ValueError, match="http:// or https://"):
            check_url(bad)


def _scan(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The scan command on an address where nothing answers (so it is quick) in a scratch inventory."""
    exe = Path(sys.executable).with_name("sponsorwatch")
    return subprocess.run([str(exe), "scan", "127.0.9.1/32", "--scope", "127.0.0.0/8", "--udp-window", "0.2",
                           "--engine", "asyncio", "--no-multicast", "--format", "json", *args],
                          capture_output=True, text=True, timeout=120,
                          env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env})


def test_the_token_from_a_file_or_the_environment_stays_out_of_ps(
        tmp_path: Path, collector: tuple[str, list[tuple[dict[str, str], bytes]]]) -> None:
    url, received = collector
    db = f"sqlite:///{tmp_path / 'inv.db'}"
    token_file = tmp_path / "token"
    token_file.write_text("sw_from_file\n", encoding="utf-8")
    token_file.chmod(0o600)
    out = _scan(["--db", db, "--upload", url, "--token-file", str(token_file)], {})
    assert out.returncode == 0, out.stderr
    assert "warning" not in out.stderr and received[-1][0]["Authorization"] == "Bearer sw_from_file"
    out = _scan(["--db", db, "--upload", url], {"SPONSORWATCH_TOKEN": "sw_from_env"})
    assert out.returncode == 0, out.stderr
    assert "warning" not in out.stderr and received[-1][0]["Authorization"] == "Bearer sw_from_env"
    out = _scan(["--db", db, "--upload", url, "--token", "sw_in_argv"], {})
    assert out.returncode == 0, out.stderr
    assert "--token is visible to other users" in out.stderr and received[-1][0]["Authorization"] == "Bearer sw_in_argv"
    token_file.chmod(0o644)
    out = _scan(["--db", db, "--upload", url, "--token-file", str(token_file)], {})
    assert out.returncode == 0 and "can be read by other users" in out.stderr
    assert len(received) == 4


def test_missing_or_empty_tokens_and_bad_upload_urls_are_clear_errors(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'inv.db'}"
    empty = tmp_path / "empty"
    empty.write_text("\n", encoding="utf-8")
    for args, message in ((["--upload", "http://127.0.0.1:9"], "needs an agent token"),
                          (["--upload", "http://127.0.0.1:9", "--token-file", str(empty)], "is empty"),
                          (["--upload", "http://127.0.0.1:9", "--token-file", str(tmp_path / "nope")], "No such file"),
                          (["--upload", "127.0.0.1:9", "--token", "x"], "http:// or https://")):
        out = _scan(["--db", db, *args], {})
        assert out.returncode == 2 and message in out.stderr, (args, out.stderr)
    # Warned before anything is scanned; here the scope guard then refuses the target, so nothing is sent at all.
    exe = Path(sys.executable).with_name("sponsorwatch")
    out = subprocess.run([str(exe), "scan", "198.51.100.7", "--scope", "127.0.0.0/8", "--db", db, "--upload",
                          "http://198.51.100.7:8080", "--token", "sw_x"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "outside the scope" in out.stderr
    assert "plain http" in out.stderr and "--token is visible to other users" in out.stderr
