"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json (schemathesis tests the API against it).

Request and response schemas are generated from the pydantic models that validate the requests
(server/api/models.py, the device model derived from the device record); limits that are configuration (batch
size, text length, devices per upload) are filled in from the running app's config."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app
from flask.typing import ResponseReturnValue
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from scanner.storage import STATUSES
from server.api import INT64_MAX
from server.api import models as m

bp = Blueprint("openapi", __name__)

REQUESTS: tuple[type[BaseModel], ...] = (m.ScanUpload, m.LookupRequest, m.FeedbackIn, m.StatusIn, m.TenderCheckIn)
RESPONSES: tuple[type[BaseModel], ...] = (m.ScanStored, m.LookupResult, m.LookupResults, m.AuditPage, m.TenderOut,
                                          m.TenderPage, m.Error)
PREFIX = "#/components/schemas/"


def ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": PREFIX + model.__name__}


def schemas() -> dict[str, Any]:
    """components/schemas: every model, requests as validated and responses as serialised."""
    _, top = models_json_schema([(x, "validation") for x in REQUESTS] + [(x, "serialization") for x in RESPONSES],
                                ref_template=PREFIX + "{model}")
    defs: dict[str, Any] = top["$defs"]
    cfg = current_app.config
    defs["LookupRequest"]["properties"]["items"]["maxItems"] = cfg["LOOKUP_MAX_BATCH"]
    for text in (defs["LookupItem"]["properties"]["text"], *defs["LookupItem"]["properties"]["brand"]["anyOf"][:1]):
        text["maxLength"] = cfg["LOOKUP_MAX_TEXT"]
    defs["LookupRequest"]["properties"]["items"]["items"]["anyOf"][0]["maxLength"] = cfg["LOOKUP_MAX_TEXT"]
    defs["ScanUpload"]["properties"]["devices"]["maxItems"] = cfg["UPLOAD_MAX_DEVICES"]
    defs["FeedbackIn"]["properties"]["text"].update(minLength=1, maxLength=2000)
    defs["FeedbackIn"]["properties"]["note"]["maxLength"] = 2000
    return defs


def _resp(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema or ref(m.Error)}}}


def _errors(*codes: int) -> dict[str, Any]:
    names = {400: "bad request", 401: "no or bad token", 403: "token lacks the role, or an agent token another site",
             404: "not found", 409: "the scan id belongs to another site", 413: "too large", 429: "rate limited",
             502: "Prozorro could not be read"}
    return {str(c): _resp(names[c]) for c in codes}


def _body(model: type[BaseModel]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": ref(model)}}}


def document() -> dict[str, Any]:
    cfg = current_app.config
    bearer: list[dict[str, list[str]]] = [{"bearer": []}]
    device_id = {"name": "device_id", "in": "path", "required": True,
                 "schema": {"type": "integer", "minimum": 0, "maximum": INT64_MAX}}
    page = [{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
            {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 10**9}}]
    obj = {"type": "object"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "sponsorwatch API", "version": "1.1.0",
                 "description": "Identify Hikvision/Dahua (and other NACP-listed companies') products and "
                                "collect camera inventories from many sites. Agent tokens are bound to one site."},
        "servers": [{"url": "/api/v1"}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "schemas": schemas()},
        "paths": {
            "/lookup": {
                "get": {"summary": "Judge one text", "parameters": [
                    {"name": "q", "in": "query", "required": True,
                     "schema": {"type": "string", "minLength": 1, "maxLength": cfg["LOOKUP_MAX_TEXT"]}}],
                        "responses": {"200": _resp("verdict", ref(m.LookupResult)), **_errors(400, 413, 429)}},
                "post": {"summary": "Judge a batch of texts (optionally with structured fields)",
                         "requestBody": _body(m.LookupRequest),
                         "responses": {"200": _resp("verdicts in input order", ref(m.LookupResults)),
                                       **_errors(400, 413, 429)}},
            },
            "/catalog": {"get": {"summary": "Vendors, brands, designations and sources",
                                 "responses": {"200": _resp("catalog", obj)}}},
            "/catalog/brands": {"get": {"summary": "Consumer brands: brand -> company -> designations",
                                        "parameters": [{"name": "q", "in": "query", "required": False,
                                                        "schema": {"type": "string", "maxLength": 200}}],
                                        "responses": {"200": _resp("brands", obj), **_errors(400)}}},
            "/catalog/snapshot": {"get": {"summary": "Compact catalog for offline matching (ETag)",
                                          "parameters": [{"name": "If-None-Match", "in": "header",
                                                          "schema": {"type": "string"}}],
                                          "responses": {"200": _resp("snapshot", obj),
                                                        "304": {"description": "unchanged"}}}},
            "/feedback": {"post": {"summary": "Report a wrong flag (text and verdict only)",
                                   "requestBody": _body(m.FeedbackIn),
                                   "responses": {"201": _resp("stored", obj), **_errors(400, 413, 429)}}},
            "/scans": {"post": {"summary": "Upload a scan from a site (idempotent on scan.id)", "security": bearer,
                                "requestBody": _body(m.ScanUpload),
                                "responses": {"201": _resp("stored", ref(m.ScanStored)),
                                              **_errors(400, 401, 403, 409, 413)}}},
            "/sites": {"get": {"summary": "Sites and their counts (an agent: its own)", "security": bearer,
                               "responses": {"200": _resp("sites", obj), **_errors(401, 403)}}},
            "/overview": {"get": {"summary": "Counts by site, vendor, class, status and CVE (an agent: its site)",
                                  "security": bearer,
                                  "responses": {"200": _resp("overview", obj), **_errors(401, 403)}}},
            "/devices": {"get": {"summary": "Devices, filtered (an agent: its site's)", "security": bearer,
                                 "parameters": [
                {"name": n, "in": "query", "schema": {"type": "string"}} for n in ("site", "vendor", "class", "cve")
            ] + [{"name": "flagged", "in": "query", "schema": {"type": "string", "enum": ["true", "false"]}},
                 {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(STATUSES)}}, *page],
                "responses": {"200": _resp("devices", obj), **_errors(400, 401, 403)}}},
            "/devices/{device_id}": {"get": {"summary": "One device with all evidence and its status history",
                                             "security": bearer, "parameters": [device_id],
                                             "responses": {"200": _resp("device", obj),
                                                           **_errors(400, 401, 403, 404)}}},
            "/devices/{device_id}/status": {"post": {
                "summary": "Mark a device replaced, isolated or risk-accepted (admin; audited)", "security": bearer,
                "parameters": [device_id], "requestBody": _body(m.StatusIn),
                "responses": {"200": _resp("device", obj), **_errors(400, 401, 403, 404, 413)}}},
            "/scans/{scan_id}/diff": {"get": {
                "summary": "Devices that appeared, disappeared or changed since an earlier scan", "security": bearer,
                "parameters": [{"name": "scan_id", "in": "path", "required": True,
                                "schema": {"type": "string", "maxLength": 36}},
                               {"name": "against", "in": "query", "schema": {"type": "string", "maxLength": 36}}],
                "responses": {"200": _resp("diff", obj), **_errors(401, 403, 404)}}},
            "/audit": {"get": {
                "summary": "The audit log, newest first (admin)", "security": bearer,
                "parameters": [{"name": "action", "in": "query", "schema": {"type": "string", "maxLength": 32}},
                               *page],
                "responses": {"200": _resp("entries", ref(m.AuditPage)), **_errors(400, 401, 403)}}},
            "/tenders": {"get": {
                "summary": "Judged Prozorro tenders, newest first, filtered (viewer)", "security": bearer,
                "parameters": [
                    {"name": "flagged", "in": "query", "schema": {"type": "string", "enum": ["true", "false"]}},
                    {"name": "buyer", "in": "query", "schema": {"type": "string", "maxLength": 200},
                     "description": "the buyer's EDRPOU or part of its name"},
                    {"name": "cpv", "in": "query", "schema": {"type": "string", "pattern": r"^\d{2,8}(-\d)?$"}},
                    {"name": "status", "in": "query", "schema": {"type": "string", "pattern": r"^[a-zA-Z.]{1,64}$"}},
                    {"name": "vendor", "in": "query", "schema": {"type": "string", "pattern": r"^[\w-]{1,32}$"}},
                    *({"name": n, "in": "query", "schema": {"type": "string", "pattern": r"^\d{4}-\d{2}(-\d{2})?$"}}
                      for n in ("date", "from", "to")), *page],
                "responses": {"200": _resp("tenders", ref(m.TenderPage)), **_errors(400, 401, 403)}}},
            "/tenders/{ref}": {"get": {
                "summary": "One judged tender with its findings (documents included), by API id or UA-… tender id; "
                           "public, for the extension; the stored result only",
                "parameters": [{"name": "ref", "in": "path", "required": True,
                                "schema": {"type": "string", "minLength": 1, "maxLength": 300}}],
                "responses": {"200": _resp("tender", ref(m.TenderOut)), **_errors(400, 404, 429)}}},
            "/tenders/check": {"post": {
                "summary": "Fetch one tender from Prozorro, judge it with its documents and store it (viewer)",
                "security": bearer, "requestBody": _body(m.TenderCheckIn),
                "responses": {"200": _resp("tender", ref(m.TenderOut)), **_errors(400, 401, 403, 404, 413, 429, 502)}}},
        },
    }


@bp.get("/openapi.json")
def openapi_json() -> ResponseReturnValue:
    # Not jsonify: it sorts keys, and the document keeps the device record's field order.
    return Response(json.dumps(document(), ensure_ascii=False), mimetype="application/json")
