"""The server-side commands: db upgrade, token create|list|revoke, and the upload client's retries."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from server.admin_cli import upload
from server.cli import main


def test_token_lifecycle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 't.db'}"
    assert main(["db", "upgrade", "--db", db]) == 0
    assert "newest schema" in capsys.readouterr().out
    assert main(["token", "create", "kharkiv", "--role", "admin", "--db", db]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("sw_") and len(token) > 40
    assert main(["token", "list", "--db", db]) == 0
    listing = capsys.readouterr().out
    assert "kharkiv" in listing and "admin" in listing and token not in listing
    assert main(["token", "revoke", "1", "--db", db]) == 0
    assert main(["token", "list", "--db", db]) == 0
    assert "revoked" in capsys.readouterr().out
    assert main(["token", "revoke", "99", "--db", db]) == 1
    assert token.encode() not in (tmp_path / "t.db").read_bytes()


def test_upload_retries_then_reports_that_the_local_copy_is_kept() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket closes
    with pytest.raises(ConnectionError, match=r"after 3 tries.*kept locally"):
        upload(f"http://127.0.0.1:{port}", "sw_x", "site", {"id": "s"}, [], tries=3, backoff_s=0.01)
