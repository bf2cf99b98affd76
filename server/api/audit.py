"""GET /audit (admin): the audit log — status changes, token and user creation and revocation, sign-ins."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from server import inventory
from server.api import int_arg
from server.security import limiter, require

bp = Blueprint("audit", __name__)
limiter.exempt(bp)  # callers hold a token; the public per-address limit is for anonymous endpoints


@bp.get("/audit")
@require("admin")
def get_audit() -> ResponseReturnValue:
    entries, total = inventory().list_audit(limit=int_arg("limit", 100, 1, 1000), offset=int_arg("offset", 0, 0, 10**9),
                                            action=(request.args.get("action") or None))
    return jsonify({"entries": entries, "total": total})
