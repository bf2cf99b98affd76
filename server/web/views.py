"""Dashboard pages: overview with charts, device table with filters, device page, title lookup."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue

from scanner.identify import identify
from scanner.plan import PlanConfig, make_plan
from scanner.plan.render import as_html
from scanner.storage import STATUSES
from server import inventory

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/static")
PAGE = 200


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
    try:
        page = max(int(request.args.get("page", "1")), 1)
    except ValueError:
        page = 1
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
    found = inventory().device_detail(device_id) if device_id < 2**62 else None
    if found is None:
        abort(404)
    return render_template("device.html", d=found)


@bp.route("/lookup", methods=["GET", "POST"])
def lookup() -> ResponseReturnValue:
    text = request.form.get("titles", "") if request.method == "POST" else ""
    lines = [line.strip()[:2000] for line in text.splitlines() if line.strip()][:200]
    return render_template("lookup.html", text=text, results=[identify(line) for line in lines])


@bp.get("/plan")
def plan() -> ResponseReturnValue:
    site = request.args.get("site") or None
    sites = [site] if site else None
    return as_html(make_plan(inventory().plan_inputs(sites), PlanConfig(), sites))
