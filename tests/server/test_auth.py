"""The dashboard needs a login (a viewer or admin token, or a user's password): a signed HttpOnly SameSite session
cookie, CSRF on every form, status changes for admins only, logout, sessions shared by nodes with one secret, a
one-time login link, and `sponsorwatch serve` refusing an open dashboard on the network."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from scanner.storage import Inventory
from server import commands
from sponsorwatch.main import main
from tests.server.conftest import SECRET, Tokens, csrf, inventory, login, make_app
from tests.server.test_api import device

PAGES = ("/", "/devices", "/devices?vendor=hikvision", "/plan", "/lookup", "/audit")


def seed(app: Flask) -> int:
    inventory(app).ingest("kyiv-hq", {"id": "auth-scan"}, [device("10.7.0.1"), device("10.7.0.2")])
    rows, _ = inventory(app).list_devices()
    return int(rows[0]["id"])


def add_user(app: Flask, monkeypatch: pytest.MonkeyPatch, name: str, role: str, password: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    return main(["user", "add", name, "--role", role, "--password-stdin", "--db", app.config["DATABASE_URL"]])


def test_every_dashboard_page_needs_a_login_and_the_api_stays_public(app: Flask, client: FlaskClient) -> None:
    dev_id = seed(app)
    for path in (*PAGES, f"/devices/{dev_id}"):
        resp = client.get(path)
        assert resp.status_code == 302, path
        assert resp.headers["Location"].startswith("/login?next=%2F"), resp.headers["Location"]
    assert client.post("/lookup", data={"titles": "Hikvision"}).status_code in (302, 400)
    assert client.post(f"/devices/{dev_id}/status", data={"status": "replaced"}).status_code in (302, 400)
    assert inventory(app).device_detail(dev_id)["status"] == "active"  # type: ignore[index]
    assert client.get("/login").status_code == 200 and client.get("/static/style.css").status_code == 200
    public = app.test_client()
    for resp in (public.get("/api/v1/lookup", query_string={"q": "Dahua"}), public.get("/api/v1/catalog/snapshot"),
                 public.post("/api/v1/lookup", json={"items": ["Dahua"]}),
                 public.post("/api/v1/feedback", json={"text": "a bracket"})):
        assert resp.status_code in (200, 201) and "Set-Cookie" not in resp.headers


def test_a_token_signs_in_with_a_signed_httponly_samesite_cookie(app: Flask, client: FlaskClient,
                                                                 tokens: Tokens) -> None:
    resp = login(client, token=tokens["viewer"])
    assert resp.status_code == 303 and resp.headers["Location"] == "/"
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert tokens["viewer"] not in cookie
    for path in PAGES[:-1]:
        assert client.get(path).status_code == 200, path
    assert client.get("/audit").status_code == 403  # viewers do not read the audit log
    for bad in (tokens["agent"], "sw_not-a-token", ""):
        other = app.test_client()
        assert login(other, token=bad).status_code == 401
        assert other.get("/").status_code == 302
    forged = app.test_client()
    forged.set_cookie("session", cookie.split(";")[0].split("=", 1)[1][:-4] + "AAAA")
    assert forged.get("/").status_code == 302


def test_the_cookie_is_secure_over_https(app: Flask, tokens: Tokens) -> None:
    c = app.test_client()
    page = c.get("/login", base_url="https://sw.example.org")
    token = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    resp = c.post("/login", base_url="https://sw.example.org", data={"csrf_token": token, "token": tokens["admin"]})
    assert resp.status_code == 303 and "Secure" in resp.headers["Set-Cookie"]


def test_users_sign_in_with_an_argon2_hashed_password(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    assert add_user(app, monkeypatch, "alice", "admin", "correct horse battery staple") == 0
    assert add_user(app, monkeypatch, "alice", "viewer", "another one here") == 1  # the name is taken
    assert add_user(app, monkeypatch, "bob", "viewer", "short") == 2  # too short a password
    with inventory(app).engine.connect() as conn:
        stored = conn.execute(text("select password_hash from users where name = 'alice'")).scalar_one()
    assert stored.startswith("$argon2id$") and "horse" not in stored
    c = app.test_client()
    assert login(c, username="alice", password="wrong horse battery staple").status_code == 401
    assert login(c, username="nobody", password="correct horse battery staple").status_code == 401
    assert c.get("/").status_code == 302
    ok = login(c, username="alice", password="correct horse battery staple")
    assert ok.status_code == 303
    page = c.get("/").get_data(as_text=True)
    assert "alice" in page and "admin" in page
    assert c.get("/audit").status_code == 200
    assert main(["user", "remove", "alice", "--db", app.config["DATABASE_URL"]]) == 0
    assert c.get("/").status_code == 302  # a removed user's sessions end
    assert login(app.test_client(), username="alice", password="correct horse battery staple").status_code == 401


def test_every_form_needs_the_sessions_csrf_token(app: Flask, client: FlaskClient, tokens: Tokens) -> None:
    dev_id = seed(app)
    fresh = app.test_client()
    fresh.get("/login")
    assert fresh.post("/login", data={"token": tokens["admin"]}).status_code == 400
    assert fresh.post("/login", data={"token": tokens["admin"], "csrf_token": "guess"}).status_code == 400
    assert login(client, token=tokens["admin"]).status_code == 303
    token = csrf(client, "/lookup")
    for path, form in (("/lookup", {"titles": "Hikvision DS-2CD2143G2-I"}),
                       (f"/devices/{dev_id}/status", {"status": "replaced", "note": "x"}), ("/logout", {})):
        assert client.post(path, data=form).status_code == 400, path
        assert client.post(path, data={**form, "csrf_token": token[::-1]}).status_code == 400, path
    assert inventory(app).device_detail(dev_id)["status"] == "active"  # type: ignore[index]
    assert client.post("/lookup", data={"titles": "Hikvision DS-2CD2143G2-I", "csrf_token": token}).status_code == 200
    # another session's token is no good here
    other = app.test_client()
    login(other, token=tokens["viewer"])
    assert client.post("/lookup", data={"titles": "x", "csrf_token": csrf(other, "/lookup")}).status_code == 400


def test_admins_change_a_status_from_the_device_page_and_viewers_cannot(app: Flask, tokens: Tokens) -> None:
    dev_id = seed(app)
    admin, viewer = app.test_client(), app.test_client()
    login(admin, token=tokens["admin"])
    login(viewer, token=tokens["viewer"])
    page = admin.get(f"/devices/{dev_id}").get_data(as_text=True)
    assert 'id="status-form"' in page and 'value="risk-accepted"' in page
    assert 'id="status-form"' not in viewer.get(f"/devices/{dev_id}").get_data(as_text=True)
    refused = viewer.post(f"/devices/{dev_id}/status", data={"status": "replaced", "note": "",
                                                             "csrf_token": csrf(viewer, "/lookup")})
    assert refused.status_code == 403
    done = admin.post(f"/devices/{dev_id}/status", data={"status": "isolated", "note": "VLAN 99",
                                                         "csrf_token": csrf(admin, f"/devices/{dev_id}")})
    assert done.status_code == 303 and done.headers["Location"] == f"/devices/{dev_id}"
    found = inventory(app).device_detail(dev_id)
    assert found is not None and found["status"] == "isolated"
    assert found["history"][-1]["actor"] == "test-admin" and found["history"][-1]["note"] == "VLAN 99"
    bad = admin.post(f"/devices/{dev_id}/status", data={"status": "gone", "csrf_token": csrf(admin, "/lookup")})
    assert bad.status_code == 400
    assert admin.post("/devices/999999/status", data={"status": "replaced",
                                                      "csrf_token": csrf(admin, "/lookup")}).status_code == 404


def test_logout_and_revocation_end_a_session(app: Flask, tokens: Tokens) -> None:
    c = app.test_client()
    login(c, token=tokens["viewer"])
    assert c.get("/").status_code == 200
    out = c.post("/logout", data={"csrf_token": csrf(c, "/lookup")})
    assert out.status_code == 303 and out.headers["Location"] == "/login"
    assert c.get("/").status_code == 302
    d = app.test_client()
    login(d, token=tokens["viewer"])
    assert d.get("/").status_code == 200
    token_id = next(t["id"] for t in inventory(app).list_tokens() if t["name"] == "test-viewer")
    assert inventory(app).revoke_token(token_id, actor="test")
    assert d.get("/").status_code == 302


def test_sessions_are_valid_on_every_node_with_the_same_secret(app: Flask, tokens: Tokens) -> None:
    a = app.test_client()
    login(a, token=tokens["viewer"])
    cookie = a.get_cookie("session")
    assert cookie is not None
    node_b = make_app(app.config["DATABASE_URL"]).test_client()
    node_b.set_cookie("session", cookie.value)
    assert node_b.get("/devices").status_code == 200
    stranger = make_app(app.config["DATABASE_URL"], SECRET_KEY="another-secret-" + "x" * 32).test_client()
    stranger.set_cookie("session", cookie.value)
    assert stranger.get("/devices").status_code == 302


def test_a_one_time_login_link_signs_in_as_admin_once(app: Flask) -> None:
    seed(app)
    path = commands.login_link_path(app)
    c = app.test_client()
    resp = c.get(path)
    assert resp.status_code == 303 and c.get("/audit").status_code == 200
    again = app.test_client()
    assert again.get(path).status_code == 400 and again.get("/").status_code == 302
    assert app.test_client().get(path[:-3] + "xyz").status_code == 400
    expired = commands.login_link_path(app, max_age=-1)
    assert app.test_client().get(expired).status_code == 400


def test_serve_refuses_an_open_dashboard_on_the_network(tmp_path: Any, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("SPONSORWATCH_SECRET_KEY", raising=False)
    db = f"sqlite:///{tmp_path / 'serve.db'}"
    for host in ("0.0.0.0", "192.0.2.10", "::"):
        assert main(["serve", "--host", host, "--port", "1", "--db", db]) == 2
        assert "SPONSORWATCH_SECRET_KEY" in capsys.readouterr().err
    monkeypatch.setenv("SPONSORWATCH_SECRET_KEY", "short")
    assert main(["serve", "--host", "0.0.0.0", "--port", "1", "--db", db]) == 2
    assert "at least 32" in capsys.readouterr().err
    # what serve would run, without binding a socket
    monkeypatch.delenv("SPONSORWATCH_SECRET_KEY")
    app, notes = commands.prepare_serve("0.0.0.0", 8080, db, insecure_no_auth=True)
    assert any("WARNING" in n and "no login" in n for n in notes)
    assert app.test_client().get("/").status_code == 200
    app, notes = commands.prepare_serve("127.0.0.1", 8080, db)
    link = next(n for n in notes if "/login/link/" in n).split("http://127.0.0.1:8080", 1)[1].split()[0]
    c = app.test_client()
    assert c.get("/").status_code == 302 and c.get(link).status_code == 303 and c.get("/").status_code == 200
    monkeypatch.setenv("SPONSORWATCH_SECRET_KEY", SECRET)
    app, notes = commands.prepare_serve("0.0.0.0", 8080, db)
    assert app.config["SECRET_KEY"] == SECRET and app.test_client().get("/").status_code == 302


def test_login_link_command_prints_a_working_link(app: Flask, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("SPONSORWATCH_SECRET_KEY", raising=False)
    assert main(["login-link", "--url", "http://127.0.0.1:8080", "--db", app.config["DATABASE_URL"]]) == 2
    monkeypatch.setenv("SPONSORWATCH_SECRET_KEY", SECRET)
    assert main(["login-link", "--url", "http://127.0.0.1:8080", "--db", app.config["DATABASE_URL"]]) == 0
    link = capsys.readouterr().out.strip()
    assert link.startswith("http://127.0.0.1:8080/login/link/")
    c = app.test_client()
    assert c.get(link.removeprefix("http://127.0.0.1:8080")).status_code == 303 and c.get("/").status_code == 200


RATE_LIMIT_PROBE = """
import json, re, sys
from server import create_app
app = create_app({"DATABASE_URL": sys.argv[1], "TESTING": True, "RATELIMIT_ENABLED": True,
                  "RATELIMIT_LOGIN": "3 per minute", "SECRET_KEY": sys.argv[2]})
c = app.test_client()
token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").get_data(as_text=True)).group(1)
codes = [c.post("/login", data={"csrf_token": token, "username": "olena", "password": f"guess {n} here"}).status_code
         for n in range(5)]
print(json.dumps({"codes": codes, "page": c.get("/login").status_code}))
"""


def test_sign_in_attempts_are_rate_limited_per_address(db_url: str) -> None:
    # In a process of its own: the limiter's in-memory counters are shared by every app one process creates, and
    # other tests' apps must not count here (with Redis behind it, several nodes share them on purpose).
    Inventory(db_url)  # migrated before the probe starts
    out = subprocess.run([sys.executable, "-c", RATE_LIMIT_PROBE, db_url, SECRET], capture_output=True, text=True,
                         timeout=120, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["codes"] == [401, 401, 401, 429, 429]
    assert result["page"] == 200  # the page itself is not limited
