"""The brand → company → designation chain over HTTP: /lookup with a page's category, /catalog/brands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from scanner.identify import identify
from tests.server.conftest import fresh_database, make_app


@pytest.fixture()
def sqlite_client(tmp_path: Path) -> FlaskClient:
    return make_app(fresh_database("sqlite", None, tmp_path)).test_client()


def test_lookup_takes_the_page_category_and_answers_what_the_engine_answers(sqlite_client: FlaskClient) -> None:
    item = {"text": "Ariel 3 кг", "category": "Побутова хімія > Пральні порошки"}
    got = sqlite_client.post("/api/v1/lookup", json={"items": [item, "Low Tide Beach Towel"]}).get_json()["results"]
    assert got[0] == json.loads(json.dumps(identify(item["text"], category=item["category"]).to_dict()))
    assert (got[0]["flagged"], got[0]["vendor"], got[0]["brand"], got[0]["relation"]) == (
        True, "procter-gamble", "Ariel", "brand")
    assert got[0]["designations"][0]["entity"] == "procter-gamble"
    assert not got[1]["flagged"]


def test_catalog_brands_finds_a_brand_by_any_spelling(sqlite_client: FlaskClient) -> None:
    body = sqlite_client.get("/api/v1/catalog/brands", query_string={"q": "Мілка"}).get_json()
    assert [b["id"] for b in body["brands"]] == ["milka"]
    milka = body["brands"][0]
    assert milka["company_name"] == "Mondelez International" and milka["designations"][0]["status"] == "active"
    assert len(sqlite_client.get("/api/v1/catalog/brands").get_json()["brands"]) >= 100
    assert sqlite_client.get("/api/v1/catalog/brands", query_string={"q": "no such brand"}).get_json() == {
        "brands": []}
    resp = sqlite_client.get("/api/v1/catalog/brands", query_string={"q": "x" * 201})
    assert resp.status_code == 400 and set(resp.get_json()) == {"error"}
    assert "brands" in sqlite_client.get("/api/v1/catalog").get_json()
