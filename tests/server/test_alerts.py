"""Alerts: each event raised exactly once, delivered once to every webhook in the shape it accepts, retried with
backoff; and the same events from two successive real scans of the device lab uploaded to a live server."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from scanner.lab import FleetEntry, Lab, LabThread
from server import alerts as alerts_module
from sponsorwatch.main import main
from tests.loopback_http import serving
from tests.server.conftest import Tokens, auth, inventory, login, make_app
from tests.server.test_api import device
from tests.server.test_api import upload as post_scan

SECRET = "a-webhook-secret-of-some-length"
KEV = {"id": "CVE-2021-36260", "title": "command injection", "cvss": 9.8, "kev": True, "confidence": "high"}


class Receiver:
    """A webhook receiver on loopback: records every POST by path; `answers` scripts the status codes."""

    def __init__(self) -> None:
        self.got: dict[str, list[dict[str, Any]]] = {}
        self.headers: dict[str, list[dict[str, str]]] = {}
        self.raw: dict[str, list[bytes]] = {}
        self.answers: dict[str, list[tuple[int, dict[str, str]]]] = {}
        self.lock = threading.Lock()

    def __call__(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        with self.lock:
            queue = self.answers.get(path) or []
            status = queue.pop(0)[0] if queue else 200
            if status == 200:
                self.got.setdefault(path, []).append(json.loads(body))
                self.headers.setdefault(path, []).append(headers)
                self.raw.setdefault(path, []).append(body)
            return status, b"{}"


@pytest.fixture()
def receiver() -> Iterator[tuple[str, Receiver]]:
    r = Receiver()
    with serving(r) as url:
        yield url, r


def _hooks(client: FlaskClient, tokens: Tokens, url: str) -> None:
    admin = auth(tokens["admin"])
    for fmt, extra in (("json", {"secret": SECRET}), ("slack", {}), ("teams", {})):
        made = client.post("/api/v1/webhooks", json={"name": f"{fmt} hook", "url": f"{url}/{fmt}", "format": fmt,
                                                     **extra}, headers=admin)
        assert made.status_code == 201, made.get_json()


def _kinds(client: FlaskClient, tokens: Tokens) -> list[str]:
    rows = client.get("/api/v1/alerts?limit=1000", headers=auth(tokens["viewer"])).get_json()["alerts"]
    return sorted(a["kind"] for a in rows)


def test_each_event_is_raised_once_and_delivered_once_in_each_shape(
        app: Flask, client: FlaskClient, tokens: Tokens, receiver: tuple[str, Receiver]) -> None:
    url, got = receiver
    _hooks(client, tokens, url)
    agent, site = tokens["agent"], "kyiv-hq"
    a, b = device("10.1.0.1", mac="44:19:b6:00:00:01"), device("10.1.0.2", mac="44:19:b6:00:00:02", vendor="dahua",
                                                               brand="dahua", model="IPC-HDW1230S")
    c = device("10.1.0.3", mac="00:11:22:00:00:03", vendor=None, brand=None, flagged=False, model="RLC-810A")
    first = post_scan(client, agent, site, "00000000-0000-4000-8000-000000000001", [a, b, c])
    assert first.status_code == 201 and first.get_json()["alerts"] == 1
    assert _kinds(client, tokens) == ["site-baseline"]  # the first scan of a site: one alert that counts them

    b_id = next(d["id"] for d in client.get("/api/v1/devices?site=kyiv-hq", headers=auth(tokens["viewer"]))
                .get_json()["devices"] if d["ip"] == "10.1.0.2")
    marked = client.post(f"/api/v1/devices/{b_id}/status", json={"status": "replaced", "note": "swapped for Axis"},
                         headers=auth(tokens["admin"]))
    assert marked.status_code in (200, 201), marked.get_json()

    # Second scan: c gone, b (marked replaced) answers again, d is new, a's firmware now carries a KEV CVE.
    d = device("10.1.0.4", mac="44:19:b6:00:00:04", model="DS-7608NI-K2")
    second = [dict(a, cves=[KEV]), b, d]
    assert post_scan(client, agent, site, "00000000-0000-4000-8000-000000000002", second).status_code == 201
    expected = ["kev-firmware", "new-sponsor-device", "replaced-reappeared", "site-baseline"]
    assert _kinds(client, tokens) == expected
    # A retried upload, and a third scan that sees the same, raise nothing more.
    assert post_scan(client, agent, site, "00000000-0000-4000-8000-000000000002", second).get_json()["alerts"] == 0
    assert post_scan(client, agent, site, "00000000-0000-4000-8000-000000000003", second).get_json()["alerts"] == 0
    assert _kinds(client, tokens) == expected

    dispatched = client.post("/api/v1/alerts/deliver", headers=auth(tokens["admin"])).get_json()
    assert dispatched == {"sent": 12, "retry": 0, "failed": 0}
    assert client.post("/api/v1/alerts/deliver", headers=auth(tokens["admin"])).get_json()["sent"] == 0
    assert {path: len(bodies) for path, bodies in got.got.items()} == {"/json": 4, "/slack": 4, "/teams": 4}
    # generic JSON, signed
    for body, raw, headers in zip(got.got["/json"], got.raw["/json"], got.headers["/json"], strict=True):
        assert body["event"] == body["alert"]["kind"] and body["alert"]["site"] == "kyiv-hq"
        sig = hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
        assert headers["X-Sponsorwatch-Signature"] == f"sha256={sig}"
    new = next(b for b in got.got["/json"] if b["event"] == "new-sponsor-device")
    assert "Hikvision" in new["alert"]["summary"] and "10.1.0.4" in new["alert"]["summary"]
    # Slack: text + blocks; Teams: a message with one Adaptive Card
    assert all(isinstance(m["text"], str) and m["blocks"][0]["type"] == "section" for m in got.got["/slack"])
    for m in got.got["/teams"]:
        assert m["type"] == "message"
        card = m["attachments"][0]
        assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
        assert card["content"]["type"] == "AdaptiveCard" and card["content"]["body"][1]["text"]
    listed = client.get("/api/v1/alerts", headers=auth(tokens["viewer"])).get_json()["alerts"]
    assert all(len(a["deliveries"]) == 3 and {x["status"] for x in a["deliveries"]} == {"sent"} for a in listed)


def test_deliveries_retry_with_backoff_and_give_up_on_a_refusal(
        app: Flask, client: FlaskClient, tokens: Tokens, receiver: tuple[str, Receiver],
        monkeypatch: pytest.MonkeyPatch) -> None:
    url, got = receiver
    admin = auth(tokens["admin"])
    for name in ("flaky", "busy", "refuses"):
        client.post("/api/v1/webhooks", json={"name": name, "url": f"{url}/{name}"}, headers=admin)
    got.answers = {"/flaky": [(503, {})], "/busy": [(429, {})], "/refuses": [(400, {})]}
    monkeypatch.setattr(alerts_module, "BACKOFF_BASE", 0.0)  # retry at once, so the test need not wait
    post_scan(client, tokens["agent"], "kyiv-hq", "00000000-0000-4000-8000-00000000000a", [device("10.1.0.1")])
    dispatcher = app.extensions["alerts"]
    assert dispatcher.run_once() == {"sent": 0, "retry": 2, "failed": 1}
    assert dispatcher.run_once() == {"sent": 2, "retry": 0, "failed": 0}
    assert dispatcher.run_once() == {"sent": 0, "retry": 0, "failed": 0}
    assert len(got.got["/flaky"]) == len(got.got["/busy"]) == 1 and "/refuses" not in got.got
    states = {d["webhook"]: (d["status"], d["attempts"]) for d in
              client.get("/api/v1/alerts", headers=auth(tokens["viewer"])).get_json()["alerts"][0]["deliveries"]}
    assert states == {"flaky": ("sent", 2), "busy": ("sent", 2), "refuses": ("failed", 1)}
    # A removed webhook gets nothing more; viewers may read alerts but not manage webhooks.
    hook_id = client.get("/api/v1/webhooks", headers=admin).get_json()["webhooks"][0]["id"]
    assert client.delete(f"/api/v1/webhooks/{hook_id}", headers=auth(tokens["viewer"])).status_code == 403
    assert client.delete(f"/api/v1/webhooks/{hook_id}", headers=admin).status_code == 200
    assert client.delete(f"/api/v1/webhooks/{hook_id}", headers=admin).status_code == 404
    bad = client.post("/api/v1/webhooks", json={"name": "x", "url": "file:///etc/passwd"}, headers=admin)
    assert bad.status_code == 400


def test_retry_after_is_honoured(app: Flask, client: FlaskClient, tokens: Tokens,
                                 receiver: tuple[str, Receiver]) -> None:
    url, got = receiver
    client.post("/api/v1/webhooks", json={"name": "busy", "url": f"{url}/busy"}, headers=auth(tokens["admin"]))
    got.answers = {"/busy": [(429, {})]}
    post_scan(client, tokens["agent"], "kyiv-hq", "00000000-0000-4000-8000-00000000000b", [device("10.1.0.1")])
    dispatcher = app.extensions["alerts"]
    assert dispatcher.run_once()["retry"] == 1
    assert dispatcher.run_once() == {"sent": 0, "retry": 0, "failed": 0}  # not due yet: backoff (30 s) holds it


@pytest.fixture()
def lab_app(tmp_path: Path) -> Flask:
    return make_app(f"sqlite:///{tmp_path / 'alerts.db'}")


def test_two_lab_scans_raise_each_event_once(lab_app: Flask, tmp_path: Path, receiver: tuple[str, Receiver],
                                             monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Real scans of the device lab, uploaded by `sponsorwatch scan --upload` to a live server: the second scan
    has one device added, one removed, and one that was marked replaced answering again."""
    url, got = receiver
    inv = inventory(lab_app)
    agent = inv.create_token("pi", "agent", site="depot")
    inv.add_webhook("ops", f"{url}/ops", "json")
    lab = Lab([FleetEntry("hikvision-ipc", 2), FleetEntry("dahua-ipc", 2), FleetEntry("printer", 1)],
              base="127.0.8.10", multicast=False)
    ips = [d.ip for d in lab.devices]
    server = make_server("127.0.0.1", 0, lab_app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    api = f"http://127.0.0.1:{server.server_port}"
    monkeypatch.setenv("SPONSORWATCH_TOKEN", agent)
    monkeypatch.setenv("COLUMNS", "200")
    db = f"sqlite:///{tmp_path / 'agent.db'}"

    def scan(targets: list[str]) -> None:
        code = main(["scan", *targets, "--scope", "127.0.0.0/8", "--db", db, "--udp-window", "0.5", "--engine",
                     "asyncio", "--no-multicast", "--site", "depot", "--upload", api])
        assert code == 1, capsys.readouterr().err  # 1: sponsor devices found

    try:
        with LabThread(lab):
            scan(ips[:3])  # two Hikvision cameras and a Dahua one
            first, _ = inv.list_alerts(limit=1000)
            assert [a["kind"] for a in first if a["kind"] != "kev-firmware"] == ["site-baseline"]
            assert first[-1]["detail"]["count"] == 3 if first[-1]["kind"] == "site-baseline" else True
            rows, _ = inv.list_devices(site="depot", limit=100)
            inv.set_status(next(r for r in rows if r["ip"] == ips[1])["id"], "replaced", "admin", "swapped")
            # Second scan: ips[0] removed, ips[3] (Dahua) and ips[4] (a printer) added, ips[1] answers again.
            scan(ips[1:])
            after_second = inv.list_alerts(limit=1000)[1]
            scan(ips[1:])  # the same again: nothing new
            assert inv.list_alerts(limit=1000)[1] == after_second
    finally:
        server.shutdown()
    alerts, _ = inv.list_alerts(limit=1000)
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for a in alerts:
        by_kind.setdefault(a["kind"], []).append(a)
    assert len(by_kind["site-baseline"]) == 1 and by_kind["site-baseline"][0]["detail"]["count"] == 3
    assert [a["summary"].split(" at ")[-1].split()[0] for a in by_kind["new-sponsor-device"]] == [ips[3]]
    assert "Dahua" in by_kind["new-sponsor-device"][0]["summary"]  # the printer is new but nobody's alert
    assert len(by_kind["replaced-reappeared"]) == 1 and ips[1] in by_kind["replaced-reappeared"][0]["summary"]
    kev = [(a["device_id"], a["detail"]["cve"]) for a in by_kind.get("kev-firmware", [])]
    assert len(kev) == len(set(kev))
    assert lab_app.extensions["alerts"].run_once()["sent"] == len(alerts)
    assert len(got.got["/ops"]) == len(alerts)


def test_the_dispatcher_thread_delivers_after_a_kick(app: Flask, client: FlaskClient, tokens: Tokens,
                                                     receiver: tuple[str, Receiver]) -> None:
    """What a server process does (TESTING off): the upload wakes the thread, which posts without being asked."""
    url, got = receiver
    inventory(app).add_webhook("ops", f"{url}/ops", "slack")
    dispatcher = alerts_module.Dispatcher(inventory(app), poll=60.0)
    post_scan(client, tokens["agent"], "kyiv-hq", "00000000-0000-4000-8000-00000000000c", [device("10.1.0.1")])
    try:
        delivered = threading.Event()
        dispatcher.kick()
        for _ in range(200):  # waits for the thread's pass (bounded), not a timing claim
            if got.got.get("/ops"):
                delivered.set()
                break
            threading.Event().wait(0.05)
        assert delivered.is_set() and len(got.got["/ops"]) == 1
    finally:
        dispatcher.stop()


def test_the_dashboard_lists_alerts_and_their_deliveries(app: Flask, client: FlaskClient, tokens: Tokens,
                                                         receiver: tuple[str, Receiver]) -> None:
    url, got = receiver
    inventory(app).add_webhook("ops", f"{url}/ops", "teams")
    got.answers = {"/ops": [(400, {})]}
    post_scan(client, tokens["agent"], "kyiv-hq", "00000000-0000-4000-8000-00000000000d", [device("10.1.0.7")])
    app.extensions["alerts"].run_once()
    assert client.get("/alerts").status_code in (302, 303)  # signed-in people only
    login(client, token=tokens["viewer"])
    page = client.get("/alerts").get_data(as_text=True)
    assert "First scan of a site" in page and "10.1.0.7" in page and "failed" in page and "ops" in page
    assert "<h2>Webhooks</h2>" not in page  # viewers do not see where alerts go
    assert client.get("/alerts?kind=nonsense").status_code == 400
    assert "No alerts match" in client.get("/alerts?kind=kev-firmware").get_data(as_text=True)
    admin = app.test_client()
    login(admin, token=tokens["admin"])
    assert "<h2>Webhooks</h2>" in admin.get("/alerts").get_data(as_text=True)
