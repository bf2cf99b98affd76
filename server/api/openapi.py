"""The OpenAPI 3 description of /api/v1, served at /api/v1/openapi.json (schemathesis tests the API against it)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from scanner.identify.device import IDENTITY_FIELDS

bp = Blueprint("openapi", __name__)

ERROR = {"$ref": "#/components/schemas/Error"}


def _resp(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description}
    out["content"] = {"application/json": {"schema": schema or ERROR}}
    return out


def _errors(*codes: int) -> dict[str, Any]:
    names = {400: "bad request", 401: "no or bad token", 403: "token lacks the role", 404: "not found",
             413: "too large", 429: "rate limited"}
    return {str(c): _resp(names[c]) for c in codes}


def document() -> dict[str, Any]:
    cfg = current_app.config
    verdict = {"type": "object", "required": ["flagged", "vendor", "brand", "relation", "confidence",
                                              "designations", "evidence", "explanation"],
               "properties": {"flagged": {"type": "boolean"}, "vendor": {"type": "string", "nullable": True},
                              "brand": {"type": "string", "nullable": True},
                              "relation": {"type": "string", "nullable": True},
                              "confidence": {"type": "number"}, "designations": {"type": "array"},
                              "evidence": {"type": "array"}, "explanation": {"type": "string"}}}
    item = {"oneOf": [{"type": "string", "maxLength": cfg["LOOKUP_MAX_TEXT"]},
                      {"type": "object", "required": ["text"], "properties": {
                          "text": {"type": "string", "maxLength": cfg["LOOKUP_MAX_TEXT"]},
                          **{k: {"type": "string", "maxLength": cfg["LOOKUP_MAX_TEXT"]}
                             for k in ("brand", "model", "mpn")}}}]}
    device_in = {"type": "object", "required": ["ip"], "properties": {
        "ip": {"type": "string", "minLength": 1, "maxLength": 45}, "flagged": {"type": "boolean"},
        "confidence": {"type": "number"}, "cves": {"type": "array"},
        **{k: {"type": "string", "nullable": True} for k in IDENTITY_FIELDS[1:]}}}
    bearer: list[dict[str, list[str]]] = [{"bearer": []}]
    device_id = {"name": "device_id", "in": "path", "required": True,
                 "schema": {"type": "integer", "minimum": 0, "maximum": 2**62}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "sponsorwatch API", "version": "1.0.0",
                 "description": "Identify Hikvision/Dahua (and other NACP-listed companies') products and "
                                "collect camera inventories from many sites."},
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {"type": "object", "required": ["error"], "properties": {"error": {
                "type": "object", "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
                "Verdict": verdict},
        },
        "paths": {
            "/lookup": {
                "get": {"summary": "Judge one text", "parameters": [
                    {"name": "q", "in": "query", "required": True,
                     "schema": {"type": "string", "minLength": 1, "maxLength": cfg["LOOKUP_MAX_TEXT"]}}],
                        "responses": {"200": _resp("verdict", {"type": "object", "properties": {
                            "result": {"$ref": "#/components/schemas/Verdict"}}}), **_errors(400, 413, 429)}},
                "post": {"summary": "Judge a batch of texts (optionally with structured fields)",
                         "requestBody": {"required": True, "content": {"application/json": {"schema": {
                             "type": "object", "required": ["items"], "properties": {"items": {
                                 "type": "array", "minItems": 1, "maxItems": cfg["LOOKUP_MAX_BATCH"],
                                 "items": item}}}}}},
                         "responses": {"200": _resp("verdicts in input order", {"type": "object", "properties": {
                             "results": {"type": "array", "items": {"$ref": "#/components/schemas/Verdict"}}}}),
                             **_errors(400, 413, 429)}},
            },
            "/catalog": {"get": {"summary": "Vendors, brands, designations and sources",
                                 "responses": {"200": _resp("catalog", {"type": "object"})}}},
            "/catalog/snapshot": {"get": {"summary": "Compact catalog for offline matching (ETag)",
                                          "parameters": [{"name": "If-None-Match", "in": "header",
                                                          "schema": {"type": "string"}}],
                                          "responses": {"200": _resp("snapshot", {"type": "object"}),
                                                        "304": {"description": "unchanged"}}}},
            "/feedback": {"post": {"summary": "Report a wrong flag (text and verdict only)",
                                   "requestBody": {"required": True, "content": {"application/json": {"schema": {
                                       "type": "object", "required": ["text"], "properties": {
                                           "text": {"type": "string", "minLength": 1, "maxLength": 2000},
                                           "verdict": {"type": "object"},
                                           "note": {"type": "string", "maxLength": 2000}}}}}},
                                   "responses": {"201": _resp("stored", {"type": "object"}),
                                                 **_errors(400, 413, 429)}}},
            "/scans": {"post": {"summary": "Upload a scan from a site (idempotent on scan.id)", "security": bearer,
                                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                                    "type": "object", "required": ["site", "devices"], "properties": {
                                        "site": {"type": "string", "minLength": 1, "maxLength": 128},
                                        "scan": {"type": "object", "properties": {
                                            "id": {"type": "string", "maxLength": 36}}},
                                        "devices": {"type": "array", "items": device_in}}}}}},
                                "responses": {"201": _resp("stored", {"type": "object"}),
                                              **_errors(400, 401, 403, 413)}}},
            "/sites": {"get": {"summary": "Sites and their counts", "security": bearer,
                               "responses": {"200": _resp("sites", {"type": "object"}), **_errors(401, 403)}}},
            "/overview": {"get": {"summary": "Counts by site, vendor, class, status and CVE", "security": bearer,
                                  "responses": {"200": _resp("overview", {"type": "object"}), **_errors(401, 403)}}},
            "/devices": {"get": {"summary": "Devices, filtered", "security": bearer, "parameters": [
                {"name": n, "in": "query", "schema": {"type": "string"}} for n in ("site", "vendor", "class", "cve")
            ] + [{"name": "flagged", "in": "query", "schema": {"type": "string", "enum": ["true", "false"]}},
                 {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["active", "replaced",
                                                                                         "isolated", "risk-accepted"]}},
                 {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
                 {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 10**9}}],
                "responses": {"200": _resp("devices", {"type": "object"}), **_errors(400, 401, 403)}}},
            "/devices/{device_id}": {"get": {"summary": "One device with all evidence and its status history",
                                             "security": bearer, "parameters": [device_id],
                                             "responses": {"200": _resp("device", {"type": "object"}),
                                                           **_errors(401, 403, 404)}}},
            "/devices/{device_id}/status": {"post": {
                "summary": "Mark a device replaced, isolated or risk-accepted (admin)", "security": bearer,
                "parameters": [device_id],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["status"], "properties": {
                        "status": {"type": "string", "enum": ["active", "replaced", "isolated", "risk-accepted"]},
                        "note": {"type": "string", "maxLength": 2000}}}}}},
                "responses": {"200": _resp("device", {"type": "object"}), **_errors(400, 401, 403, 404)}}},
            "/scans/{scan_id}/diff": {"get": {
                "summary": "Devices that appeared, disappeared or changed since an earlier scan", "security": bearer,
                "parameters": [{"name": "scan_id", "in": "path", "required": True,
                                "schema": {"type": "string", "maxLength": 36}},
                               {"name": "against", "in": "query", "schema": {"type": "string", "maxLength": 36}}],
                "responses": {"200": _resp("diff", {"type": "object"}), **_errors(401, 403, 404)}}},
        },
    }


@bp.get("/openapi.json")
def openapi_json() -> ResponseReturnValue:
    return jsonify(document())
