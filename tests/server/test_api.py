"""API behaviour on SQLite and PostgreSQL: lookups, catalog, uploads, devices, status, diffs, errors, security."""

from __future__ import annotations

import copy
import json
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from scanner.identify import identify
from server import create_app
from tests.server.conftest import Tokens, auth, csrf, inventory, login


def device(ip: str, **kw: Any) -> dict[str, Any]:
    base = {"ip": ip, "mac": None, "vendor": "hikvision", "brand": "hikvision", "relation": "manufacturer",
            "model": "DS-2CD2142FWD-I", "serial": f"SN{ip.replace('.', '')}", "firmware": "V5.5.0 build 170725",
            "device_class": "ip-camera", "flagged": True, "confidence": 0.99, "evidence": [{"source": "sadp",
            "detail": "x"}], "cves": [], "risks": [], "designations": [], "explanation": "Hikvision-made"}
    base.update(kw)
    return base


def upload(client: FlaskClient, token: str, site: str, scan_id: str, devices: list[dict[str, Any]]) -> Any:
    return client.post("/api/v1/scans", json={"site": site, "scan": {"id": scan_id, "status": "finished"},
                                              "devices": devices}, headers=auth(token))


def test_lookup_answers_exactly_what_the_cli_answers(client: FlaskClient) -> None:
    title = "Камера Hikvision DS-2CD2143G2-I (2.8 мм)"
    got = client.get("/api/v1/lookup", query_string={"q": title}).get_json()["result"]
    assert got == json.loads(json.dumps(identify(title).to_dict()))
    batch = client.post("/api/v1/lookup", json={"items": ["Dahua IPC-HDW5421S", {"text": "4MP camera",
                                                                                 "brand": "EZVIZ"}]}).get_json()
    assert [r["vendor"] for r in batch["results"]] == ["dahua", "hikvision"]
    assert batch["results"][1]["brand"] == "ezviz"


def test_lookup_bounds_and_one_error_shape(client: FlaskClient) -> None:
    cases = [
        (client.get("/api/v1/lookup"), 400),
        (client.get("/api/v1/lookup", query_string={"q": "x" * 2001}), 413),
        (client.post("/api/v1/lookup", json={"items": ["a"] * 101}), 413),
        (client.post("/api/v1/lookup", json={"items": []}), 400),
        (client.post("/api/v1/lookup", json={"items": [5]}), 400),
        (client.post("/api/v1/lookup", data="not json", content_type="application/json"), 400),
        (client.post("/api/v1/lookup", json=["a"]), 400),
        (client.get("/api/v1/nowhere"), 404),
        (client.delete("/api/v1/lookup"), 405),
    ]
    for resp, status in cases:
        assert resp.status_code == status, resp.get_data(as_text=True)
        body = resp.get_json()
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}


def test_security_headers_no_cookies_and_cors_for_extensions_only(client: FlaskClient) -> None:
    resp = client.get("/api/v1/lookup", query_string={"q": "x"}, headers={"Origin": "chrome-extension://abc"})
    assert "Set-Cookie" not in resp.headers
    assert resp.headers["X-Content-Type-Options"] == "nosniff" and "default-src 'self'" in resp.headers[
        "Content-Security-Policy"]
    assert resp.headers["Access-Control-Allow-Origin"] == "chrome-extension://abc"
    evil = client.get("/api/v1/lookup", query_string={"q": "x"}, headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in evil.headers
    pre = client.options("/api/v1/lookup", headers={"Origin": "moz-extension://x",
                                                     "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 204 and pre.headers["Access-Control-Allow-Origin"] == "moz-extension://x"
    assert "Access-Control-Allow-Origin" not in client.get("/api/v1/sites", headers={
        "Origin": "chrome-extension://abc"}).headers


def test_rate_limit_answers_429_in_the_error_shape(db_url: str) -> None:
    app = create_app({"DATABASE_URL": db_url, "RATELIMIT_DEFAULT": "3 per minute"})
    c = app.test_client()
    codes = [c.get("/api/v1/lookup", query_string={"q": "Dahua"}).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    resp = c.get("/api/v1/lookup", query_string={"q": "Dahua"})
    assert resp.get_json()["error"]["code"] == "too_many_requests" and "Retry-After" in resp.headers


def test_token_endpoints_are_not_held_to_the_public_limit(db_url: str) -> None:
    """The per-address limit is for anonymous callers: agents behind one NAT upload and admins read freely."""
    app = create_app({"DATABASE_URL": db_url, "RATELIMIT_DEFAULT": "3 per minute", "SECRET_KEY": "k" * 32})
    c = app.test_client()
    agent = inventory(app).create_token("agent", "agent", site="kyiv-hq")
    admin = inventory(app).create_token("admin", "admin")
    for n in range(6):
        assert upload(c, agent, "kyiv-hq", f"scan-{n}", [device(f"10.0.0.{n}")]).status_code == 201
        assert c.get("/api/v1/devices", headers=auth(admin)).status_code == 200
        assert c.get("/api/v1/audit", headers=auth(admin)).status_code == 200
    assert [c.get("/api/v1/lookup", query_string={"q": "x"}).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_catalog_and_snapshot_etag(client: FlaskClient) -> None:
    cat = client.get("/api/v1/catalog").get_json()
    hik = next(v for v in cat["vendors"] if v["id"] == "hiwatch")
    assert hik["maker"] == "hikvision" and hik["relation"] == "brand"
    assert any(d["id"] == "nacp-war-sponsors" and d["withdrawn"] == "2024-03-20" for d in cat["designations"])
    first = client.get("/api/v1/catalog/snapshot")
    snap = first.get_json()
    assert snap["aliases"]["hikvision"] == "hikvision" and snap["entities"]["lts"]["maker"] == "hikvision"
    assert client.get("/api/v1/catalog/snapshot", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_upload_needs_a_token_with_the_right_role(client: FlaskClient, tokens: Tokens) -> None:
    body = {"site": "kyiv-hq", "devices": [device("10.0.0.5")]}
    assert client.post("/api/v1/scans", json=body).status_code == 401
    assert client.post("/api/v1/scans", json=body, headers=auth("sw_wrong")).status_code == 401
    assert client.post("/api/v1/scans", json=body, headers=auth(tokens["viewer"])).status_code == 403
    assert client.post("/api/v1/scans", json=body, headers=auth(tokens["agent"])).status_code == 201
    assert client.get("/api/v1/devices", headers=auth(tokens["viewer"])).status_code == 200


def test_upload_is_idempotent_and_tokens_are_stored_hashed(app: Flask, client: FlaskClient,
                                                           tokens: Tokens) -> None:
    devs = [device(f"10.0.0.{i}") for i in range(1, 31)]
    for _ in range(3):  # the agent retried twice
        resp = upload(client, tokens["agent"], "kyiv-hq", "0b8c4c1e-0000-4000-8000-000000000001", devs)
        assert resp.status_code == 201
    listing = client.get("/api/v1/devices", headers=auth(tokens["viewer"])).get_json()
    assert listing["total"] == 30
    with inventory(app).engine.connect() as conn:
        assert conn.execute(text("select count(*) from scans")).scalar() == 1
        assert conn.execute(text("select count(*) from scan_devices")).scalar() == 30
        stored = [r[0] for r in conn.execute(text("select hash from tokens"))]
    assert all(t not in stored and len(h) == 64 for t in tokens.values() for h in stored)


def test_devices_filters_detail_status_and_history(client: FlaskClient, tokens: Tokens) -> None:
    upload(client, tokens.agent("lviv"), "lviv", "scan-a", [
        device("10.1.0.1"), device("10.1.0.2", vendor="dahua", brand="dahua", model="DHI-NVR4108HS-8P-4KS2",
                                   device_class="nvr"),
        device("10.1.0.3", vendor=None, brand=None, flagged=False, model="M3106-L"),
        device("10.1.0.4", cves=[{"id": "CVE-2021-36260", "kev": True}])])
    upload(client, tokens.agent("odesa"), "odesa", "scan-b", [device("10.2.0.1")])
    h = auth(tokens["viewer"])
    assert client.get("/api/v1/devices?site=lviv", headers=h).get_json()["total"] == 4
    assert client.get("/api/v1/devices?vendor=dahua", headers=h).get_json()["total"] == 1
    assert client.get("/api/v1/devices?class=nvr", headers=h).get_json()["total"] == 1
    assert client.get("/api/v1/devices?flagged=false", headers=h).get_json()["total"] == 1
    kev = client.get("/api/v1/devices?cve=CVE-2021-36260", headers=h).get_json()
    assert kev["total"] == 1 and kev["devices"][0]["kev"] is True
    assert client.get("/api/v1/devices?flagged=maybe", headers=h).status_code == 400
    dev_id = kev["devices"][0]["id"]
    assert client.post(f"/api/v1/devices/{dev_id}/status", json={"status": "replaced"},
                       headers=auth(tokens["agent"])).status_code == 403
    changed = client.post(f"/api/v1/devices/{dev_id}/status", json={"status": "isolated", "note": "VLAN 99"},
                          headers=auth(tokens["admin"])).get_json()
    assert changed["status"] == "isolated"
    assert changed["history"][0]["actor"] == "test-admin" and changed["history"][0]["note"] == "VLAN 99"
    detail = client.get(f"/api/v1/devices/{dev_id}", headers=h).get_json()
    assert detail["detail"]["evidence"][0]["source"] == "sadp"
    assert client.get("/api/v1/devices/999999", headers=h).status_code == 404
    assert client.post(f"/api/v1/devices/{dev_id}/status", json={"status": "gone"},
                       headers=auth(tokens["admin"])).status_code == 400
    sites = client.get("/api/v1/sites", headers=h).get_json()["sites"]
    assert {s["name"]: s["devices"] for s in sites} == {"lviv": 4, "odesa": 1}
    overview = client.get("/api/v1/overview", headers=h).get_json()
    assert overview["devices"] == 5 and overview["by_status"]["isolated"] == 1


def test_scan_to_scan_differences(client: FlaskClient, tokens: Tokens) -> None:
    first = [device("10.3.0.1", mac="44:19:b6:00:00:01"), device("10.3.0.2", mac="44:19:b6:00:00:02")]
    second = [*copy.deepcopy(first[:1]), device("10.3.0.9", mac="44:19:b6:00:00:09")]
    second[0]["firmware"] = "V5.7.1 build 220118"
    upload(client, tokens.agent("site-d"), "site-d", "scan-1", first)
    upload(client, tokens.agent("site-d"), "site-d", "scan-2", second)
    diff = client.get("/api/v1/scans/scan-2/diff?against=scan-1", headers=auth(tokens["viewer"])).get_json()
    assert [d["ip"] for d in diff["appeared"]] == ["10.3.0.9"]
    assert [d["ip"] for d in diff["disappeared"]] == ["10.3.0.2"]
    assert diff["changed"][0]["changes"] == {"firmware": ["V5.5.0 build 170725", "V5.7.1 build 220118"]}
    assert client.get("/api/v1/scans/nope/diff", headers=auth(tokens["viewer"])).status_code == 404


def test_upload_validation(client: FlaskClient, tokens: Tokens) -> None:
    h = auth(tokens["agent"])
    for body in ({"site": "", "devices": []}, {"site": "kyiv-hq", "devices": {}},
                 {"site": "kyiv-hq", "devices": [{"ip": 5}]},
                 {"site": "kyiv-hq", "devices": [{"ip": "1.2.3.4", "flagged": "yes"}]}, {"site": "x" * 200, "devices": []}):
        resp = client.post("/api/v1/scans", json=body, headers=h)
        assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "bad_request"


def test_feedback_is_stored(app: Flask, client: FlaskClient) -> None:
    resp = client.post("/api/v1/feedback", json={"text": "Hikvision bracket for cameras", "verdict": {"flagged": True},
                                                 "note": "it is a third-party bracket"})
    assert resp.status_code == 201
    with inventory(app).engine.connect() as conn:
        assert conn.execute(text("select text from feedback")).scalar() == "Hikvision bracket for cameras"
    assert client.post("/api/v1/feedback", json={"text": ""}).status_code == 400


def test_dashboard_pages_render_and_escape(client: FlaskClient, tokens: Tokens) -> None:
    upload(client, tokens["admin"], "<script>alert(1)</script>", "scan-x",
           [device("10.9.0.1", model="<img src=x onerror=alert(1)>")])
    assert login(client, token=tokens["viewer"]).status_code == 303
    for path in ("/", "/devices", "/devices?vendor=hikvision&flagged=yes", "/lookup"):
        page = client.get(path)
        assert page.status_code == 200
        assert b"<script>alert(1)</script>" not in page.data and b"<img src=x" not in page.data
    assert b"&lt;script&gt;" in client.get("/").data
    assert client.get("/devices/424242").status_code == 404
    looked = client.post("/lookup", data={"titles": "Hikvision DS-2CD2143G2-I\nReolink RLC-810A",
                                          "csrf_token": csrf(client, "/lookup")})
    assert looked.status_code == 200 and b"hikvision" in looked.data
