"""Dashboard pages (signed-in people only, see server/web/auth.py): overview with charts, device table with filters,
device page with the admins' status form, title lookup, the removal plan (cached per inventory version) and the
audit log (admins)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue

from scanner.identify import identify
from scanner.plan import PlanConfig, make_plan
from scanner.plan.render import as_html, stylesheet_text
from scanner.storage import STATUSES
from server import inventory
from server.bounds import Budget, TooMuch
from server.plancache import RenderCache
from server.security import client_address
from server.web.auth import actor, admin_only, current_user, require_login

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/static")
PAGE = 200
MAX_PAGE = 10**9 // PAGE
ID_MAX = 2**63 - 1
LOOKUP_LINES = 200


@bp.before_request
def _signed_in() -> ResponseReturnValue | None:
    if request.endpoint == "web.static":  # the stylesheet is public (the login page uses it)
        return None
    return require_login()


def _number(raw: str | None, default: int, high: int) -> int:
    """A positive page or id number from the URL; anything else (beyond 64 bits included) is a 400."""
    if raw is None:
        return default
    if not raw.isdigit() or len(raw) > 19 or not 1 <= int(raw) <= high:
        abort(400, f"must be a number from 1 to {high}")
    return int(raw)


def bars(counts: dict[str, int], limit: int = 8) -> list[dict[str, Any]]:
    """Rows for a horizontal bar chart drawn in SVG by the template (no script needed)."""
    items = list(counts.items())[:limit]
    top = max((v for _, v in items), default=1) or 1
    return [{"label": k, "value": v, "width": round(100 * v / top, 1)} for k, v in items]


@bp.get("/")
def overview() -> ResponseReturnValue:
    data = inventory().overview()
    return render_template("overview.html", data=data, vendors=bars(data["by_vendor"]),
                           classes=bars(data["by_class"]), cves=bars(data["by_cve"]),
                           sites=sorted(data["sites"].items()))


@bp.get("/devices")
def devices() -> ResponseReturnValue:
    flagged = {"yes": True, "no": False}.get(request.args.get("flagged", ""))
    status = request.args.get("status") or None
    if status not in (None, *STATUSES):
        status = None
    page = _number(request.args.get("page"), 1, MAX_PAGE)
    filters = {k: request.args.get(k) or None for k in ("site", "vendor", "class", "cve")}
    rows, total = inventory().list_devices(site=filters["site"], vendor=filters["vendor"],
                                    device_class=filters["class"], flagged=flagged, cve=filters["cve"],
                                    status=status, limit=PAGE, offset=(page - 1) * PAGE)
    data = inventory().overview()
    return render_template("devices.html", rows=rows, total=total, page=page, pages=max((total - 1) // PAGE + 1, 1),
                           args=request.args, vendors=list(data["by_vendor"]), classes=list(data["by_class"]),
                           sites=list(data["sites"]), cves=list(data["by_cve"]), statuses=STATUSES)


@bp.get("/devices/<int:device_id>")
def device(device_id: int) -> ResponseReturnValue:
    if device_id > ID_MAX:
        abort(400, "no device has such a number")
    found = inventory().device_detail(device_id)
    if found is None:
        abort(404)
    return render_template("device.html", d=found, statuses=STATUSES)


@bp.post("/devices/<int:device_id>/status")
@admin_only
def device_status(device_id: int) -> ResponseReturnValue:
    """The status form of the device page (admins): replaced, isolated or risk-accepted, with a note; audited."""
    if device_id > ID_MAX:
        abort(400, "no device has such a number")
    status, note = request.form.get("status", ""), request.form.get("note", "")
    if status not in STATUSES or len(note) > 2000:
        abort(400, f"status must be one of {', '.join(STATUSES)} and the note at most 2,000 characters")
    user = current_user() or {}
    if inventory().set_status(device_id, status, str(user.get("name")), note, audit_actor=actor(),
                              address=client_address()) is None:
        abort(404)
    return redirect(f"/devices/{device_id}", code=303)


@bp.route("/lookup", methods=["GET", "POST"])
def lookup() -> ResponseReturnValue:
    text = request.form.get("titles", "") if request.method == "POST" else ""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    budget = Budget(current_app.config)
    try:  # the same bounds as the API's lookup: lengths once folded, a cap on the whole request
        if len(lines) > LOOKUP_LINES:
            raise TooMuch("batch_too_large", f"at most {LOOKUP_LINES} lines at a time")
        for n, line in enumerate(lines, 1):
            budget.take(line, f"line {n}")
    except TooMuch as exc:
        error = f"That is too long to check at once: {exc.message}."
        return render_template("lookup.html", text="", results=[], error=error), 413
    return render_template("lookup.html", text=text, results=[identify(line) for line in lines], error=None)


@bp.get("/audit")
@admin_only
def audit() -> ResponseReturnValue:
    page = _number(request.args.get("page"), 1, MAX_PAGE)
    entries, total = inventory().list_audit(limit=PAGE, offset=(page - 1) * PAGE,
                                            action=request.args.get("action") or None)
    return render_template("audit.html", entries=entries, total=total, page=page,
                           pages=max((total - 1) // PAGE + 1, 1))


def _plan_cache() -> RenderCache[str]:
    cache: RenderCache[str] = current_app.extensions.setdefault("plan_cache", RenderCache(size=8))
    return cache


@bp.get("/plan.css")
def plan_css() -> ResponseReturnValue:
    """The plan's one stylesheet, from the plan package (the same styles a plan file embeds)."""
    return Response(stylesheet_text(), mimetype="text/css", headers={"Cache-Control": "private, max-age=3600"})


@bp.get("/plan")
def plan() -> ResponseReturnValue:
    site = request.args.get("site") or None
    sites = [site] if site else None
    # Rendered once per inventory version (kept by the database, so a change on any node renews it), site and day.
    key = (inventory().version(), site or "", dt.date.today().isoformat())
    etag = hashlib.sha256(repr(key).encode()).hexdigest()[:32]
    if request.if_none_match.contains(etag):
        resp = make_response("", 304)
    else:
        # The plan's styles as a stylesheet (/plan.css): the dashboard's CSP allows no inline <style>.
        resp = make_response(_plan_cache().get(key, lambda: as_html(
            make_plan(inventory().plan_inputs(sites), PlanConfig(), sites), stylesheet=url_for("web.plan_css"))))
    resp.set_etag(etag)
    resp.headers["Cache-Control"] = "private, no-cache"
    return resp
