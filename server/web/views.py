"""Dashboard pages: overview with charts, device table with filters, device page, title lookup."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import Engine

from scanner.identify import identify
from server.storage import repo

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/static")
PAGE = 200


def engine() -> Engine:
    return current_app.extensions["inventory"].engine  # type: ignore[no-any-return]


def bars(counts: dict[str, int], limit: int = 8) -> list[dict[str, Any]]:
    """Rows for a horizontal bar chart drawn in SVG by the template (no script needed)."""
    items = list(counts.items())[:limit]
    top = max((v for _, v in items), default=1) or 1
    return [{"label": k, "value": v, "width": round(100 * v / top, 1)} for k, v in items]


@bp.get("/")
def overview() -> ResponseReturnValue:
    data = repo.overview(engine())
    return render_template("overview.html", data=data, vendors=bars(data["by_vendor"]),
                           classes=bars(data["by_class"]), cves=bars(data["by_cve"]),
                           sites=sorted(data["sites"].items()))


@bp.get("/devices")
def devices() -> ResponseReturnValue:
    flagged = {"yes": True, "no": False}.get(request.args.get("flagged", ""))
    status = request.args.get("status") or None
    if status not in (None, *repo.STATUSES):
        status = None
    try:
        page = max(int(request.args.get("page", "1")), 1)
    except ValueError:
        page = 1
    filters = {k: request.args.get(k) or None for k in ("site", "vendor", "class", "cve")}
    rows, total = repo.list_devices(engine(), site=filters["site"], vendor=filters["vendor"],
                                    device_class=filters["class"], flagged=flagged, cve=filters["cve"],
                                    status=status, limit=PAGE, offset=(page - 1) * PAGE)
    data = repo.overview(engine())
    return render_template("devices.html", rows=rows, total=total, page=page, pages=max((total - 1) // PAGE + 1, 1),
                           args=request.args, vendors=list(data["by_vendor"]), classes=list(data["by_class"]),
                           sites=list(data["sites"]), cves=list(data["by_cve"]), statuses=repo.STATUSES)


@bp.get("/devices/<int:device_id>")
def device(device_id: int) -> ResponseReturnValue:
    found = repo.device_detail(engine(), device_id) if device_id < 2**62 else None
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
    from scanner.plan import PlanConfig
    from server.plans import as_html, make_plan

    site = request.args.get("site") or None
    return as_html(make_plan(engine(), PlanConfig(), [site] if site else None))
