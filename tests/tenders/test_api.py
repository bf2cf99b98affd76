"""The tenders API and the dashboard's Tenders page, on SQLite and PostgreSQL: POST /tenders/check against the
local Prozorro (viewer), the filtered list (viewer), the public detail the extension reads (by API id or tenderID,
document findings included, CORS for extension origins only), and the page with totals by buyer and month."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.server.conftest import Tokens, auth, login, make_app
from tests.server.conftest import db_url as db_url
from tests.server.conftest import pg_server as pg_server
from tests.server.conftest import tokens as tokens
from tests.tenders.replay import Replay
from tests.tenders.scenarios import DOCX, OTHER_BUYER, Builder, document, docx_bytes, item


@pytest.fixture()
def app(db_url: str, replay: Replay) -> Flask:
    return make_app(db_url, TENDERS_API=f"{replay.base}/api/2.5", TENDERS_PORTAL=replay.base,
                    TENDERS_DOCUMENT_HOSTS="", TENDERS_TRIES=2)


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _check(client: FlaskClient, token: str, ref: str, **extra: Any) -> Any:
    return client.post("/api/v1/tenders/check", json={"id": ref, **extra}, headers=auth(token))


def test_check_list_and_detail(client: FlaskClient, tokens: Tokens, replay: Replay, builder: Builder) -> None:
    spec = document(replay, "ТЗ.docx", docx_bytes(["Камера Dahua IPC-HFW2431S-S-S2 або еквівалент"]), DOCX)
    flagged = builder.tender("Камери", [item("Камера відеоспостереження IP 4 Мп")], documents=[spec],
                             amount=480_000.0, created="2024-04-02T10:00:00+03:00")
    clean = builder.tender("Камери Axis", [item("Камера Axis P3265-LVE")], buyer=OTHER_BUYER, status="cancelled",
                           created="2024-05-02T10:00:00+03:00")
    assert client.post("/api/v1/tenders/check", json={"id": flagged["id"]}).status_code == 401
    assert _check(client, tokens["agent"], flagged["id"]).status_code == 403
    resp = _check(client, tokens["viewer"], flagged["tenderID"])
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["flagged"] and body["vendors"] == ["dahua"] and body["source"] == "api"
    [f] = body["findings"]
    assert (f["where"], f["position"], f["relation"]) == ("document", "paragraph 1", "specified")
    assert _check(client, tokens["viewer"], f"https://prozorro.gov.ua/tender/{clean['tenderID']}").status_code == 200
    assert _check(client, tokens["viewer"], "nonsense").status_code == 400
    assert _check(client, tokens["viewer"], "UA-2024-01-01-999999-a").status_code == 404

    listing = client.get("/api/v1/tenders", headers=auth(tokens["viewer"])).get_json()
    assert listing["total"] == 2
    assert client.get("/api/v1/tenders").status_code == 401
    for query, expect in (("flagged=true", [flagged["id"]]), ("flagged=false", [clean["id"]]),
                          (f"buyer={OTHER_BUYER}", [clean["id"]]), ("buyer=ЗОСШ", [flagged["id"]]),
                          ("cpv=32234000-2", [flagged["id"], clean["id"]]), ("cpv=555", []),
                          ("status=cancelled", [clean["id"]]), ("date=2024-04", [flagged["id"]]),
                          ("from=2024-05-01", [clean["id"]]), ("vendor=dahua", [flagged["id"]])):
        got = client.get(f"/api/v1/tenders?{query}", headers=auth(tokens["viewer"])).get_json()
        assert sorted(t["id"] for t in got["tenders"]) == sorted(expect), query
    assert client.get("/api/v1/tenders?date=May", headers=auth(tokens["viewer"])).status_code == 400

    # the extension's read: public, by tenderID or API id, document findings included; CORS for extensions only
    for ref in (flagged["tenderID"], flagged["id"]):
        detail = client.get(f"/api/v1/tenders/{ref}", headers={"Origin": "chrome-extension://abc"})
        assert detail.status_code == 200
        assert detail.headers["Access-Control-Allow-Origin"] == "chrome-extension://abc"
        assert detail.get_json()["findings"][0]["document"]["title"] == "ТЗ.docx"
    other = client.get(f"/api/v1/tenders/{flagged['id']}", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    assert client.get("/api/v1/tenders/UA-2024-01-01-999999-a").status_code == 404
    assert client.get("/api/v1/tenders/drop%20table").status_code == 400
    assert "Set-Cookie" not in other.headers


def test_the_dashboard_page(client: FlaskClient, tokens: Tokens, replay: Replay, builder: Builder) -> None:
    a = builder.tender("Камери", [item("Відеокамера Hikvision DS-2CD1043G2-I")], amount=100_000.0,
                       created="2024-03-02T10:00:00+03:00")
    b = builder.tender("Реєстратори", [item("Відеореєстратор Hikvision DS-7608NXI-K2 або еквівалент")],
                       amount=50_000.0, created="2024-04-02T10:00:00+03:00")
    builder.tender("Axis", [item("Камера Axis P3265-LVE")], created="2024-04-03T10:00:00+03:00")
    for t in (a, b):
        assert _check(client, tokens["viewer"], t["id"]).status_code == 200
    assert client.get("/tenders").status_code == 302  # sign-in first
    login(client, token=tokens["viewer"])
    page = client.get("/tenders")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<script>" not in html and " style=" not in html
    assert "2 of 2 judged tenders" in html and "150,000 UAH" in html
    assert f"https://prozorro.gov.ua/tender/{a['tenderID']}" in html
    assert "2024-03" in html and "2024-04" in html
    filtered = client.get("/tenders?flagged=yes&from=2024-04").get_data(as_text=True)
    assert b["tenderID"] in filtered and a["tenderID"] not in filtered
    detail = client.get(f"/tenders/{b['id']}").get_data(as_text=True)
    assert "specified" in detail and "DS-7608NXI-K2" in detail
    assert client.get("/tenders/../../etc").status_code == 404
