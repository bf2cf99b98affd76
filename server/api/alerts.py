"""Alerts and webhooks: GET /alerts (viewer), GET/POST /webhooks and DELETE /webhooks/{id} (admin),
POST /alerts/deliver (admin: one delivery pass now)."""

from __future__ import annotations

from typing import Annotated, Literal

from flask import Blueprint, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ConfigDict, StringConstraints

from scanner.storage.alerts import ALERT_KINDS
from server import inventory
from server.api import int_arg, json_body, validate
from server.errors import ApiError
from server.security import client_address, limiter, require

bp = Blueprint("alerts", __name__)
limiter.exempt(bp)  # callers hold a token


class WebhookIn(BaseModel):
    """POST /webhooks (admin)."""

    model_config = ConfigDict(strict=True, extra="forbid")
    name: Annotated[str, StringConstraints(min_length=1, max_length=128, strip_whitespace=True)]
    url: Annotated[str, StringConstraints(pattern=r"^https?://[^\s]+$", max_length=2000)]
    format: Literal["json", "slack", "teams"] = "json"
    secret: Annotated[str, StringConstraints(min_length=16, max_length=128)] | None = None


def _actor() -> str:
    return f"token:{g.token['name']}"


@bp.get("/alerts")
@require("viewer")
def get_alerts() -> ResponseReturnValue:
    kind = request.args.get("kind") or None
    if kind is not None and kind not in ALERT_KINDS:
        raise ApiError(400, "bad_request", f"kind must be one of {', '.join(ALERT_KINDS)}")
    rows, total = inventory().list_alerts(site=request.args.get("site") or None, kind=kind,
                                          limit=int_arg("limit", 100, 1, 1000), offset=int_arg("offset", 0, 0, 10**9))
    return jsonify({"alerts": rows, "total": total})


@bp.get("/webhooks")
@require("admin")
def get_webhooks() -> ResponseReturnValue:
    return jsonify({"webhooks": inventory().list_webhooks()})


@bp.post("/webhooks")
@require("admin")
def post_webhook() -> ResponseReturnValue:
    body = validate(WebhookIn, json_body("STATUS_MAX_BYTES"))
    inv = inventory()
    hook = inv.add_webhook(body.name, body.url, body.format, body.secret)
    inv.record(_actor(), "webhook.add", f"webhook:{hook['id']}", {"name": body.name, "format": body.format},
               address=client_address())
    return jsonify(hook), 201


@bp.delete("/webhooks/<int:webhook_id>")
@require("admin")
def delete_webhook(webhook_id: int) -> ResponseReturnValue:
    inv = inventory()
    if not inv.disable_webhook(webhook_id):
        raise ApiError(404, "not_found", f"no active webhook {webhook_id}")
    inv.record(_actor(), "webhook.remove", f"webhook:{webhook_id}", address=client_address())
    return jsonify({"id": webhook_id, "disabled": True})


@bp.post("/alerts/deliver")
@require("admin")
def deliver_now() -> ResponseReturnValue:
    return jsonify(current_app.extensions["alerts"].run_once())
