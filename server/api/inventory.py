"""Inventories from the sites: scan uploads (token), sites, devices with filters, status changes, scan diffs.

An agent token is bound to one site: it uploads for that site only (403 otherwise) and reads nothing else (lists
and counts limited to its site; another site's device or scan is 404). A scan id already uploaded for another site
is a 409, whoever sends it. Uploads are checked against the device model derived from the device record."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue
from pydantic import ValidationError

from scanner.storage import STATUSES, ScanConflict
from server import inventory
from server.api import id_arg, int_arg, invalid, json_body, validate
from server.api.models import DeviceIn, ScanHeader, StatusIn
from server.errors import ApiError
from server.security import caller_site, client_address, limiter, require

bp = Blueprint("inventory", __name__)
limiter.exempt(bp)  # callers hold a token; the public per-address limit is for anonymous endpoints


def _devices(items: Any) -> list[dict[str, Any]]:
    """The uploaded devices, each checked and normalised in place (the parsed originals are let go one by one, so
    a 10,000-device upload is not held twice in memory)."""
    if not isinstance(items, list):
        raise ApiError(400, "bad_request", "devices: Input should be a valid list")
    limit = current_app.config["UPLOAD_MAX_DEVICES"]
    if len(items) > limit:
        raise ApiError(413, "too_many_devices", f"at most {limit} devices")
    for i, raw in enumerate(items):
        try:
            items[i] = DeviceIn.model_validate(raw).model_dump()
        except ValidationError as exc:
            raise invalid(exc, f"devices[{i}]") from None
    return items


@bp.post("/scans")
@require("agent")
def upload_scan() -> ResponseReturnValue:
    data = json_body("UPLOAD_MAX_BYTES")
    items = data.pop("devices", None)
    if items is None:
        raise ApiError(400, "bad_request", "devices: Field required")
    header = validate(ScanHeader, data)
    bound = caller_site()
    if bound is not None and header.site != bound:
        raise ApiError(403, "forbidden", f"this agent token uploads for site {bound!r} only, not {header.site!r}")
    devices = _devices(items)
    scan = header.scan.model_dump(exclude_none=True)
    try:
        result = inventory().ingest(header.site, scan, devices)
    except ScanConflict as exc:
        raise ApiError(409, "conflict", str(exc)) from None
    result["uploaded_by"] = g.token["name"]
    if result.get("alerts"):
        current_app.extensions["alerts"].kick()
    return jsonify(result), 201


@bp.get("/sites")
@require("agent", "viewer")
def get_sites() -> ResponseReturnValue:
    return jsonify({"sites": inventory().list_sites(site=caller_site())})


@bp.get("/overview")
@require("agent", "viewer")
def get_overview() -> ResponseReturnValue:
    return jsonify(inventory().overview(site=caller_site()))


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
    site, bound = request.args.get("site"), caller_site()
    if bound is not None:
        if site and site != bound:
            raise ApiError(403, "forbidden", f"this agent token reads site {bound!r} only")
        site = bound
    rows, total = inventory().list_devices(
        site=site, vendor=request.args.get("vendor"),
        device_class=request.args.get("class"), flagged=_flag(), cve=request.args.get("cve"), status=status,
        limit=int_arg("limit", 100, 1, 1000), offset=int_arg("offset", 0, 0, 10**9))
    return jsonify({"devices": rows, "total": total})


@bp.get("/devices/<int:device_id>")
@require("agent", "viewer")
def get_device(device_id: int) -> ResponseReturnValue:
    found = inventory().device_detail(id_arg(device_id, "device_id"), site=caller_site())
    if found is None:
        raise ApiError(404, "not_found", "no such device")
    return jsonify(found)


@bp.post("/devices/<int:device_id>/status")
@require("admin")
def post_status(device_id: int) -> ResponseReturnValue:
    id_arg(device_id, "device_id")
    data = validate(StatusIn, json_body("STATUS_MAX_BYTES"))
    found = inventory().set_status(device_id, data.status, g.token["name"], data.note,
                                   audit_actor=f"token:{g.token['name']}", address=client_address())
    if found is None:
        raise ApiError(404, "not_found", "no such device")
    return jsonify(found)


@bp.get("/scans/<scan_id>/diff")
@require("agent", "viewer")
def get_diff(scan_id: str) -> ResponseReturnValue:
    found = inventory().scan_diff(scan_id[:36], (request.args.get("against") or None), site=caller_site())
    if found is None:
        raise ApiError(404, "not_found", "no such scan")
    return jsonify(found)
