"""Inventories from the sites: scan uploads (token), sites, devices with filters, status changes, scan diffs."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue

from scanner.identify.device import IDENTITY_FIELDS
from scanner.storage import STATUSES
from server import inventory
from server.api import int_arg, json_body
from server.errors import ApiError
from server.security import require

bp = Blueprint("inventory", __name__)


def _device(d: Any, i: int) -> dict[str, Any]:
    if not isinstance(d, dict) or not isinstance(d.get("ip"), str) or not d["ip"].strip() or len(d["ip"]) > 45:
        raise ApiError(400, "bad_request", f"devices[{i}] must be an object with an ip string")
    for key in IDENTITY_FIELDS[1:]:  # every identity field but the address is a string or null
        if d.get(key) is not None and not isinstance(d[key], str):
            raise ApiError(400, "bad_request", f"devices[{i}].{key} must be a string or null")
    if not isinstance(d.get("cves", []), list) or not isinstance(d.get("flagged", False), bool):
        raise ApiError(400, "bad_request", f"devices[{i}]: cves must be a list and flagged a boolean")
    if not isinstance(d.get("confidence", 0.0), (int, float)) or isinstance(d.get("confidence"), bool):
        raise ApiError(400, "bad_request", f"devices[{i}].confidence must be a number")
    return d


@bp.post("/scans")
@require("agent")
def upload_scan() -> ResponseReturnValue:
    data = json_body()
    site, scan, items = data.get("site"), data.get("scan", {}), data.get("devices")
    if not isinstance(site, str) or not 0 < len(site.strip()) <= 128:
        raise ApiError(400, "bad_request", "site must be a name of 1-128 characters")
    if not isinstance(scan, dict) or not isinstance(items, list):
        raise ApiError(400, "bad_request", "scan must be an object and devices a list")
    if scan.get("id") is not None and (not isinstance(scan["id"], str) or not 0 < len(scan["id"]) <= 36):
        raise ApiError(400, "bad_request", "scan.id must be a string of at most 36 characters")
    if len(items) > current_app.config["UPLOAD_MAX_DEVICES"]:
        raise ApiError(413, "too_many_devices", f"at most {current_app.config['UPLOAD_MAX_DEVICES']} devices")
    checked = [_device(d, i) for i, d in enumerate(items)]
    result = inventory().ingest(site.strip(), scan, checked)
    result["uploaded_by"] = g.token["name"]
    return jsonify(result), 201


@bp.get("/sites")
@require("agent", "viewer")
def get_sites() -> ResponseReturnValue:
    return jsonify({"sites": inventory().list_sites()})


@bp.get("/overview")
@require("agent", "viewer")
def get_overview() -> ResponseReturnValue:
    return jsonify(inventory().overview())


def _flag() -> bool | None:
    raw = request.args.get("flagged")
    if raw is None or raw == "":
        return None
    if raw.lower() in ("1", "true", "yes"):
        return True
    if raw.lower() in ("0", "false", "no"):
        return False
    raise ApiError(400, "bad_request", "flagged must be true or false")


@bp.get("/devices")
@require("agent", "viewer")
def get_devices() -> ResponseReturnValue:
    status = request.args.get("status")
    if status and status not in STATUSES:
        raise ApiError(400, "bad_request", f"status must be one of {', '.join(STATUSES)}")
    rows, total = inventory().list_devices(
        site=request.args.get("site"), vendor=request.args.get("vendor"),
        device_class=request.args.get("class"), flagged=_flag(), cve=request.args.get("cve"), status=status,
        limit=int_arg("limit", 100, 1, 1000), offset=int_arg("offset", 0, 0, 10**9))
    return jsonify({"devices": rows, "total": total})


@bp.get("/devices/<int:device_id>")
@require("agent", "viewer")
def get_device(device_id: int) -> ResponseReturnValue:
    if device_id > 2**62:
        raise ApiError(404, "not_found", "no such device")
    found = inventory().device_detail(device_id)
    if found is None:
        raise ApiError(404, "not_found", "no such device")
    return jsonify(found)


@bp.post("/devices/<int:device_id>/status")
@require("admin")
def post_status(device_id: int) -> ResponseReturnValue:
    data = json_body()
    status, note = data.get("status"), data.get("note", "")
    if status not in STATUSES or not isinstance(note, str) or len(note) > 2000:
        raise ApiError(400, "bad_request", f"status must be one of {', '.join(STATUSES)}; note a short string")
    if device_id > 2**62:
        raise ApiError(404, "not_found", "no such device")
    found = inventory().set_status(device_id, status, g.token["name"], note)
    if found is None:
        raise ApiError(404, "not_found", "no such device")
    return jsonify(found)


@bp.get("/scans/<scan_id>/diff")
@require("agent", "viewer")
def get_diff(scan_id: str) -> ResponseReturnValue:
    found = inventory().scan_diff(scan_id[:36], (request.args.get("against") or None))
    if found is None:
        raise ApiError(404, "not_found", "no such scan")
    return jsonify(found)
