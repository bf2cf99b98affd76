"""The audit log: status changes, token and user creation and revocation, and sign-ins, written by the storage
API, shown to admins on a dashboard page and at an admin-only API endpoint."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from sponsorwatch.main import main
from tests.server.conftest import Tokens, auth, csrf, inventory, login
from tests.server.test_api import device


def actions(app: Flask) -> list[tuple[str, str, str]]:
    return [(e["action"], e["actor"], e["target"]) for e in reversed(inventory(app).list_audit(limit=100)[0])]


def test_admin_actions_are_audited(app: Flask, client: FlaskClient, tokens: Tokens,
                                   monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    db = app.config["DATABASE_URL"]
    inventory(app).ingest("kyiv-hq", {"id": "a-1"}, [device("10.6.0.1")])
    dev_id = inventory(app).list_devices()[0][0]["id"]
    assert client.post(f"/api/v1/devices/{dev_id}/status", json={"status": "isolated", "note": "VLAN 99"},
                       headers=auth(tokens["admin"])).status_code == 200
    assert main(["token", "create", "pi-odesa", "--role", "agent", "--site", "odesa", "--db", db]) == 0
    token_id = max(t["id"] for t in inventory(app).list_tokens())
    assert main(["token", "revoke", str(token_id), "--db", db]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery staple\n"))
    assert main(["user", "add", "olena", "--role", "admin", "--password-stdin", "--db", db]) == 0
    assert login(client, username="olena", password="wrong password here").status_code == 401
    assert login(client, username="olena", password="correct horse battery staple").status_code == 303
    assert client.post(f"/devices/{dev_id}/status", data={"status": "replaced", "note": "new Axis camera",
                                                          "csrf_token": csrf(client, "/lookup")}).status_code == 303
    assert main(["user", "remove", "olena", "--db", db]) == 0
    capsys.readouterr()
    log = actions(app)
    assert ("device.status", "token:test-admin", f"device:{dev_id}") in log
    assert ("device.status", "user:olena", f"device:{dev_id}") in log
    assert [a for a, _, t in log if t == f"token:{token_id}"] == ["token.create", "token.revoke"]
    assert [a for a, _, t in log if t == "user:olena"] == ["user.add", "login.failed", "login", "user.remove"]
    entry = next(e for e in inventory(app).list_audit()[0] if e["action"] == "device.status")
    assert entry["detail"] == {"status": "replaced", "note": "new Axis camera", "ip": "10.6.0.1", "site": "kyiv-hq"}
    assert entry["at"] and entry["address"] == "127.0.0.1"


def test_the_audit_log_is_for_admins_only(app: Flask, tokens: Tokens, tmp_path: Path) -> None:
    inventory(app).create_token("audited", "viewer", actor="cli:test")
    api = app.test_client()
    assert api.get("/api/v1/audit").status_code == 401
    for role in ("viewer", "agent"):
        resp = api.get("/api/v1/audit", headers=auth(tokens[role]))
        assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "forbidden"
    got = api.get("/api/v1/audit?limit=2", headers=auth(tokens["admin"])).get_json()
    assert got["total"] >= 4 and len(got["entries"]) == 2
    assert {"id", "at", "actor", "action", "target", "detail", "address"} <= set(got["entries"][0])
    assert got["entries"][0]["id"] > got["entries"][1]["id"]  # newest first
    viewer, admin = app.test_client(), app.test_client()
    login(viewer, token=tokens["viewer"])
    login(admin, token=tokens["admin"])
    assert viewer.get("/audit").status_code == 403 and "Audit log" not in viewer.get("/").get_data(as_text=True)
    page = admin.get("/audit").get_data(as_text=True)
    assert "token:test-admin" in page or "login" in page
    assert "token.create" in page and "audited" in page
