"""The dashboard's Alerts page (signed-in people only): what uploads raised — new Hikvision/Dahua devices, replaced
devices answering again, KEV-listed CVEs — and how each was delivered to the webhooks; admins see the webhooks."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue

from scanner.storage.alerts import ALERT_KINDS
from server import inventory
from server.alerts import TITLES
from server.web.auth import current_user, require_login

bp = Blueprint("alerts_web", __name__, template_folder="templates")
PAGE = 100


@bp.before_request
def _signed_in() -> ResponseReturnValue | None:
    return require_login()


@bp.get("/alerts")
def alerts() -> ResponseReturnValue:
    kind = request.args.get("kind") or None
    if kind is not None and kind not in ALERT_KINDS:
        abort(400, f"kind must be one of {', '.join(ALERT_KINDS)}")
    site = (request.args.get("site") or "").strip()[:128] or None
    raw = request.args.get("page", "1")
    if not raw.isdigit() or len(raw) > 9 or int(raw) < 1:
        abort(400, "page must be a positive number")
    page = int(raw)
    rows, total = inventory().list_alerts(site=site, kind=kind, limit=PAGE, offset=(page - 1) * PAGE)
    user = current_user()
    hooks = inventory().list_webhooks() if user and user.get("role") == "admin" else None
    return render_template("alerts.html", rows=rows, total=total, page=page, pages=max((total - 1) // PAGE + 1, 1),
                           kinds=ALERT_KINDS, titles=TITLES, kind=kind, site=site, hooks=hooks)
