"""Uploads are validated against one schema derived from the device record (scanner/identify/device.py), the same
models generate the OpenAPI document, and nothing malformed reaches the dashboard, the overview or the plans."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from scanner.identify.device import IDENTITY_FIELDS, RECORD_FIELDS
from tests.server.conftest import Tokens, auth, inventory, login
from tests.server.records import real_record
from tests.server.test_api import device, upload

BROKEN: list[tuple[str, dict[str, Any]]] = [
    ("devices[0].cves[0].id", {"cves": [{"id": {"$gt": ""}, "kev": True}]}),
    ("devices[0].cves[0].id", {"cves": [{"kev": True, "cvss": 9.8}]}),
    ("devices[0].cves[0].cvss", {"cves": [{"id": "CVE-2021-36260", "cvss": "critical"}]}),
    ("devices[0].cves[0].cvss", {"cves": [{"id": "CVE-2021-36260", "cvss": 11}]}),
    ("devices[0].cves[0]", {"cves": ["CVE-2021-36260"]}),
    ("devices[0].designations[0].sources[0].url", {"designations": [{"id": "nacp", "summary": "x",
                                                                      "sources": [{"url": 5}]}]}),
    ("devices[0].designations[0].summary", {"designations": [{"id": "nacp", "summary": ["x"]}]}),
    ("devices[0].evidence[0]", {"evidence": ["SADP reply"]}),
    ("devices[0].evidence[0].weight", {"evidence": [{"source": "sadp", "detail": "x", "weight": "high"}]}),
    ("devices[0].evidence[0].source", {"evidence": [{"detail": "x"}]}),
    ("devices[0].risks[0]", {"risks": [{"r": 1}]}),
    ("devices[0].ports[0]", {"ports": [70000]}),
    ("devices[0].ports[0]", {"ports": ["80"]}),
    ("devices[0].explanation", {"explanation": 5}),
    ("devices[0].confidence", {"confidence": 1.5}),
    ("devices[0].confidence", {"confidence": "0.9"}),
    ("devices[0].flagged", {"flagged": "yes"}),
    ("devices[0].model", {"model": 42}),
    ("devices[0].model", {"model": "M" * 200}),
    ("devices[0].ip", {"ip": ""}),
    ("devices[0].mac", {"mac": ["44:19:b6:00:00:01"]}),
]


@pytest.mark.parametrize(("where", "patch"), BROKEN, ids=[w + ":" + json.dumps(p)[:30] for w, p in BROKEN])
def test_a_malformed_device_is_refused_with_where_it_is_wrong(app: Flask, client: FlaskClient, tokens: Tokens,
                                                              where: str, patch: dict[str, Any]) -> None:
    dev = {**device("10.5.0.1"), **patch}
    resp = upload(client, tokens["agent"], "kyiv-hq", "scan-bad", [device("10.5.0.2"), dev][::-1])
    assert resp.status_code == 400, resp.get_data(as_text=True)
    err = resp.get_json()["error"]
    assert err["code"] == "bad_request" and where in err["message"], err
    with inventory(app).engine.connect() as conn:
        assert conn.execute(text("select count(*) from devices")).scalar_one() == 0  # nothing half-stored


def test_missing_ip_and_unknown_scan_shapes_are_refused(client: FlaskClient, tokens: Tokens) -> None:
    h = auth(tokens["agent"])
    for body, where in (({"site": "kyiv-hq", "devices": [{"vendor": "dahua"}]}, "devices[0].ip"),
                        ({"site": "kyiv-hq", "scan": {"id": 5}, "devices": []}, "scan.id"),
                        ({"site": "kyiv-hq", "scan": {"id": "x" * 37}, "devices": []}, "scan.id"),
                        ({"site": "kyiv-hq", "scan": {"targets": "10.0.0.0/24"}, "devices": []}, "scan.targets"),
                        ({"site": ["kyiv-hq"], "devices": []}, "site"),
                        ({"devices": []}, "site")):
        resp = client.post("/api/v1/scans", json=body, headers=h)
        assert resp.status_code == 400 and where in resp.get_json()["error"]["message"], (body, resp.get_json())


def test_a_real_record_round_trips_and_every_view_renders_it(app: Flask, client: FlaskClient,
                                                             tokens: Tokens) -> None:
    records = [real_record(i) for i in range(1, 4)]
    records[0]["future_field"] = "sent by a newer agent"  # unknown top-level fields are dropped, not refused
    resp = upload(client, tokens["agent"], "kyiv-hq", "scan-real", copy.deepcopy(records))
    assert resp.status_code == 201, resp.get_json()
    h = auth(tokens["viewer"])
    listing = client.get("/api/v1/devices", headers=h).get_json()["devices"]
    detail = client.get(f"/api/v1/devices/{listing[0]['id']}", headers=h).get_json()
    sent = next(r for r in records if r["ip"] == detail["ip"])
    sent.pop("future_field", None)
    assert detail["detail"] == json.loads(json.dumps(sent))  # every field of the record kept as sent
    assert set(detail["detail"]) == set(RECORD_FIELDS)
    assert client.get("/api/v1/overview", headers=h).get_json()["by_cve"]["CVE-2021-33044"] == 3
    login(client, token=tokens["viewer"])
    for path in ("/", "/devices", f"/devices/{listing[0]['id']}", "/plan"):
        assert client.get(path).status_code == 200, path


def test_the_models_are_derived_from_the_device_record() -> None:
    from server.api import models

    assert tuple(models.DeviceIn.model_fields) == RECORD_FIELDS
    for name in IDENTITY_FIELDS:
        assert models.DeviceIn.model_fields[name].annotation is not None
    assert models.DeviceIn.model_fields["ip"].is_required()
    assert not any(models.DeviceIn.model_fields[n].is_required() for n in RECORD_FIELDS if n != "ip")


def test_the_openapi_document_is_generated_from_the_models(client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    schemas = doc["components"]["schemas"]
    scans = doc["paths"]["/scans"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert scans == {"$ref": "#/components/schemas/ScanUpload"}
    device_ref = schemas["ScanUpload"]["properties"]["devices"]["items"]["$ref"].rsplit("/", 1)[1]
    assert tuple(schemas[device_ref]["properties"]) == RECORD_FIELDS
    assert schemas[device_ref]["required"] == ["ip"]
    lookup = doc["paths"]["/lookup"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert lookup == {"$ref": "#/components/schemas/LookupRequest"}
    assert schemas["LookupRequest"]["properties"]["items"]["maxItems"] == 100
    for path, method, code in (("/scans", "post", "201"), ("/lookup", "post", "200"), ("/lookup", "get", "200")):
        ref = doc["paths"][path][method]["responses"][code]["content"]["application/json"]["schema"]["$ref"]
        assert ref.rsplit("/", 1)[1] in schemas
    assert "/audit" in doc["paths"]


def test_the_generated_document_is_valid_openapi() -> None:
    import schemathesis

    from server import create_app

    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x" * 32})
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = {(op.ok().method.upper(), op.ok().path) for op in schema.get_all_operations()}
    assert ("POST", "/scans") in operations and ("GET", "/audit") in operations
