"""The server's commands: db upgrade and token create|list|revoke, through the `sponsorwatch` command."""

from __future__ import annotations

from pathlib import Path

import pytest

from sponsorwatch.main import main


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
