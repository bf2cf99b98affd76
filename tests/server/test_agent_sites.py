"""Agent tokens are bound to one site: an agent writes only its own site and reads nothing else; a scan id of
another site is a conflict; the upload client and the migration from unbound tokens keep working."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from werkzeug.serving import make_server

from scanner.storage import Inventory
from scanner.upload import UploadError, upload
from sponsorwatch.main import main
from tests.server.conftest import Tokens, auth, inventory, make_app
from tests.server.test_api import device
from tests.server.test_api import upload as post_scan

KYIV_SCAN = "0b8c4c1e-0000-4000-8000-00000000000a"
LVIV_SCAN = "0b8c4c1e-0000-4000-8000-00000000000b"


def two_sites(client: FlaskClient, tokens: Tokens) -> None:
    assert post_scan(client, tokens["agent"], "kyiv-hq", KYIV_SCAN, [device("10.1.0.1"), device("10.1.0.2")]
                     ).status_code == 201
    assert post_scan(client, tokens.agent("lviv"), "lviv", LVIV_SCAN, [device("10.2.0.1")]).status_code == 201


def test_an_agent_writes_only_its_own_site(app: Flask, client: FlaskClient, tokens: Tokens) -> None:
    two_sites(client, tokens)
    other = post_scan(client, tokens["agent"], "lviv", "0b8c4c1e-0000-4000-8000-00000000000c",
                      [device("10.2.0.1", model="OVERWRITTEN")])
    assert other.status_code == 403 and other.get_json()["error"]["code"] == "forbidden"
    assert "kyiv-hq" in other.get_json()["error"]["message"]
    lviv = client.get("/api/v1/devices?site=lviv", headers=auth(tokens["viewer"])).get_json()["devices"]
    assert [d["model"] for d in lviv] == ["DS-2CD2142FWD-I"]
    # a scan id that belongs to another site is never moved
    moved = post_scan(client, tokens["agent"], "kyiv-hq", LVIV_SCAN, [device("10.1.0.9")])
    assert moved.status_code == 409 and moved.get_json()["error"]["code"] == "conflict"
    with inventory(app).engine.connect() as conn:
        owner = conn.execute(text("select sites.name from scans join sites on sites.id = scans.site_id "
                                  "where scans.id = :id"), {"id": LVIV_SCAN}).scalar_one()
        assert owner == "lviv"
        assert conn.execute(text("select count(*) from scan_devices where scan_id = :id"),
                            {"id": LVIV_SCAN}).scalar_one() == 1
    # the same scan id again from its own site is a retry, not a conflict; admins may upload for any site
    assert post_scan(client, tokens["agent"], "kyiv-hq", KYIV_SCAN, [device("10.1.0.1")]).status_code == 201
    assert post_scan(client, tokens["admin"], "odesa", "0b8c4c1e-0000-4000-8000-00000000000d",
                     [device("10.3.0.1")]).status_code == 201
    assert post_scan(client, tokens["admin"], "odesa", KYIV_SCAN, [device("10.3.0.1")]).status_code == 409


def test_an_agent_reads_nothing_but_its_own_site(app: Flask, client: FlaskClient, tokens: Tokens) -> None:
    two_sites(client, tokens)
    h = auth(tokens["agent"])
    assert [s["name"] for s in client.get("/api/v1/sites", headers=h).get_json()["sites"]] == ["kyiv-hq"]
    overview = client.get("/api/v1/overview", headers=h).get_json()
    assert overview["devices"] == 2 and list(overview["sites"]) == ["kyiv-hq"]
    listing = client.get("/api/v1/devices", headers=h).get_json()
    assert listing["total"] == 2 and {d["site"] for d in listing["devices"]} == {"kyiv-hq"}
    assert client.get("/api/v1/devices?site=kyiv-hq", headers=h).get_json()["total"] == 2
    assert client.get("/api/v1/devices?site=lviv", headers=h).status_code == 403
    lviv_id = client.get("/api/v1/devices?site=lviv", headers=auth(tokens["viewer"])).get_json()["devices"][0]["id"]
    assert client.get(f"/api/v1/devices/{lviv_id}", headers=h).status_code == 404
    assert client.get(f"/api/v1/devices/{lviv_id}", headers=auth(tokens["viewer"])).status_code == 200
    assert client.get(f"/api/v1/scans/{LVIV_SCAN}/diff", headers=h).status_code == 404
    assert client.get(f"/api/v1/scans/{KYIV_SCAN}/diff?against={LVIV_SCAN}", headers=h).status_code == 404
    assert client.get(f"/api/v1/scans/{KYIV_SCAN}/diff", headers=h).status_code == 200
    # viewers are unchanged: every site
    v = auth(tokens["viewer"])
    assert len(client.get("/api/v1/sites", headers=v).get_json()["sites"]) == 2
    assert client.get("/api/v1/overview", headers=v).get_json()["devices"] == 3


def test_agent_tokens_need_a_site(app: Flask, client: FlaskClient, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError, match="site"):
        inventory(app).create_token("unbound", "agent")
    with pytest.raises(ValueError, match="site"):
        inventory(app).create_token("viewer-with-site", "viewer", site="kyiv-hq")
    db = app.config["DATABASE_URL"]
    assert main(["token", "create", "pi-kyiv", "--role", "agent", "--db", db]) == 2
    assert "--site" in capsys.readouterr().err
    assert main(["token", "create", "pi-kyiv", "--role", "agent", "--site", "kyiv-hq", "--db", db]) == 0
    token = capsys.readouterr().out.strip()
    assert main(["token", "list", "--db", db]) == 0
    assert "kyiv-hq" in capsys.readouterr().out
    assert post_scan(client, token, "kyiv-hq", KYIV_SCAN, [device("10.1.0.1")]).status_code == 201
    assert post_scan(client, token, "lviv", LVIV_SCAN, [device("10.1.0.1")]).status_code == 403


@pytest.fixture()
def live(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def test_the_upload_client_uploads_for_its_tokens_site_only(app: Flask, live: str, tokens: Tokens) -> None:
    sent = upload(live, tokens["agent"], "kyiv-hq", {"id": KYIV_SCAN}, [device("10.1.0.1")], tries=2, backoff_s=0.1)
    assert sent["site"] == "kyiv-hq" and sent["devices"] == 1
    with pytest.raises(UploadError, match=r"refused \(403\).*kyiv-hq"):
        upload(live, tokens["agent"], "lviv", {"id": LVIV_SCAN}, [device("10.1.0.1")], tries=2, backoff_s=0.1)


def test_the_migration_keeps_old_tokens_and_refuses_unbound_agents(db_url: str) -> None:
    """A database made by 0001 (tokens without a site) upgrades in place: its old viewer token keeps working, its
    old agent token is refused with a message saying how to replace it, nothing is lost."""
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parents[2] / "scanner" / "storage" / "migrations"))
    engine = create_engine(db_url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        for name, role in (("old-agent", "agent"), ("old-viewer", "viewer")):
            conn.execute(text("insert into tokens (name, role, hash, created_at) values (:n, :r, :h, "
                              "CURRENT_TIMESTAMP)"), {"n": name, "r": role, "h": _sha256(f"sw_{name}")})
    engine.dispose()
    inv = Inventory(db_url)  # opening upgrades to the newest revision
    listed = {t["name"]: t for t in inv.list_tokens()}
    assert listed["old-agent"]["site"] is None and listed["old-viewer"]["role"] == "viewer"
    c = make_app(db_url).test_client()
    body: dict[str, Any] = {"site": "kyiv-hq", "devices": [device("10.1.0.1")]}
    refused = c.post("/api/v1/scans", json=body, headers=auth("sw_old-agent"))
    assert refused.status_code == 403 and "--site" in refused.get_json()["error"]["message"]
    assert c.get("/api/v1/sites", headers=auth("sw_old-agent")).status_code == 403
    assert c.get("/api/v1/sites", headers=auth("sw_old-viewer")).status_code == 200
    token = inv.create_token("new-agent", "agent", site="kyiv-hq")
    assert c.post("/api/v1/scans", json=body, headers=auth(token)).status_code == 201


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
