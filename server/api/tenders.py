"""Prozorro tenders judged by the watch, the CLI or this API: a filtered list (viewer), one tender's findings by its
API id or UA-… tender id (public, for the extension's tender pages: the stored result only, no fetch), and a live
check of one tender (viewer; the server fetches it from the configured openprocurement API, judges it with its
documents and stores the result).

Configuration (app config, or SPONSORWATCH_<KEY> in the environment): TENDERS_API, TENDERS_PORTAL,
TENDERS_DOCUMENT_HOSTS (comma-separated), TENDERS_DOCUMENTS (read documents on a check, default on),
TENDERS_RATELIMIT_CHECK (live checks per client address, default "30 per minute")."""

from __future__ import annotations

import os
import re
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from scanner.tenders import (
    DEFAULT_API,
    DEFAULT_DOCUMENT_HOSTS,
    DEFAULT_PORTAL,
    AuditOptions,
    ClientOptions,
    NotFound,
    ProzorroClient,
    TenderAuditor,
    TenderError,
    parse_ref,
)
from server import inventory
from server.api import int_arg, json_body, validate
from server.api.models import TenderCheckIn
from server.errors import ApiError
from server.security import limiter, require

bp = Blueprint("tenders", __name__)


@bp.record_once
def _defaults(state: Any) -> None:
    state.app.config.setdefault("TENDERS_CHECK_MAX_BYTES", 4096)
DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
CPV = re.compile(r"^\d{2,8}(-\d)?$")
EDRPOU = re.compile(r"^[\w-]{1,32}$")
STATUS = re.compile(r"^[a-zA-Z.]{1,64}$")


def setting(key: str, default: Any) -> Any:
    """An app config value, else $SPONSORWATCH_<KEY>, else the default."""
    if key in current_app.config:
        return current_app.config[key]
    return os.environ.get(f"SPONSORWATCH_{key}") or default


def client_options() -> ClientOptions:
    hosts = setting("TENDERS_DOCUMENT_HOSTS", DEFAULT_DOCUMENT_HOSTS)
    if isinstance(hosts, str):
        hosts = tuple(h.strip() for h in hosts.split(",") if h.strip())
    return ClientOptions(api=setting("TENDERS_API", DEFAULT_API), portal=setting("TENDERS_PORTAL", DEFAULT_PORTAL),
                         document_hosts=tuple(hosts), tries=int(setting("TENDERS_TRIES", 3)),
                         timeout_s=float(setting("TENDERS_TIMEOUT_S", 20.0)))


def _arg(name: str, pattern: re.Pattern[str], what: str) -> str | None:
    value = request.args.get(name) or None
    if value is not None and not pattern.match(value):
        raise ApiError(400, "bad_request", f"{name} must be {what}")
    return value


@bp.get("/tenders")
@limiter.exempt
@require("viewer")
def list_tenders() -> ResponseReturnValue:
    flagged_arg = request.args.get("flagged")
    if flagged_arg not in (None, "true", "false"):
        raise ApiError(400, "bad_request", "flagged must be true or false")
    buyer = request.args.get("buyer") or None
    if buyer is not None and len(buyer) > 200:
        raise ApiError(400, "bad_request", "buyer must be an EDRPOU or at most 200 characters of the buyer's name")
    date = _arg("date", DATE, "YYYY-MM or YYYY-MM-DD")
    rows, total = inventory().list_tenders(
        flagged=None if flagged_arg is None else flagged_arg == "true", buyer=buyer,
        cpv=_arg("cpv", CPV, "a CPV code or its leading digits"), status=_arg("status", STATUS, "a tender status"),
        date_from=_arg("from", DATE, "YYYY-MM or YYYY-MM-DD") or date,
        date_to=_arg("to", DATE, "YYYY-MM or YYYY-MM-DD") or date,
        vendor=_arg("vendor", EDRPOU, "a vendor id such as hikvision"),
        limit=int_arg("limit", 100, 1, 1000), offset=int_arg("offset", 0, 0, 10**9))
    return jsonify({"tenders": rows, "total": total})


def _extension_cors(resp: Response) -> Response:
    """The extension reads a tender's findings from its service worker; allow its origins only (as the lookup)."""
    origin = request.headers.get("Origin", "")
    if origin.startswith(current_app.config["CORS_ORIGIN_PREFIXES"]):
        resp.headers["Access-Control-Allow-Origin"] = origin
        resp.headers["Access-Control-Allow-Methods"] = "GET"
        resp.headers["Vary"] = "Origin"
    return resp


@bp.get("/tenders/<string:ref>")
@limiter.limit(lambda: current_app.config["RATELIMIT_DEFAULT"])
def tender_detail(ref: str) -> ResponseReturnValue:
    try:
        parsed = parse_ref(ref)
    except ValueError as exc:
        raise ApiError(400, "bad_request", str(exc)) from None
    found = inventory().tender_detail(parsed.value)
    if found is None:
        raise ApiError(404, "not_found", f"tender {parsed.value} has not been checked here (POST /api/v1/tenders/check "
                                         "or `sponsorwatch tenders watch` checks it)")
    return _extension_cors(jsonify(found))


@bp.post("/tenders/check")
@limiter.limit(lambda: str(setting("TENDERS_RATELIMIT_CHECK", "30 per minute")))
@require("viewer")
def check_tender() -> ResponseReturnValue:
    body = validate(TenderCheckIn, json_body("TENDERS_CHECK_MAX_BYTES"))
    try:
        ref = parse_ref(body.id)
    except ValueError as exc:
        raise ApiError(400, "bad_request", str(exc)) from None
    documents = bool(setting("TENDERS_DOCUMENTS", True)) and body.documents
    try:
        with ProzorroClient(client_options()) as client:
            result = TenderAuditor(client, AuditOptions(documents=documents)).check(ref.value).to_dict()
    except NotFound:
        raise ApiError(404, "not_found", f"Prozorro has no tender {ref.value}") from None
    except TenderError as exc:
        raise ApiError(502, "upstream_error", f"the tender could not be read from Prozorro: {exc}") from None
    inventory().save_tender(result, "api")
    return jsonify(inventory().tender_detail(result["id"])), 200


