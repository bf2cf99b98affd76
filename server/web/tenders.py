"""The dashboard's Tenders page (signed-in people only): totals and the value of flagged tenders by buyer and by
month, a filtered table of judged tenders with links to their Prozorro pages, and one tender's findings."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, render_template, request, url_for
from flask.typing import ResponseReturnValue

from server import inventory
from server.web.auth import require_login

bp = Blueprint("tenders_web", __name__, template_folder="templates")
PAGE = 100
MAX_PAGE = 10**9 // PAGE
DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
REF = re.compile(r"^([0-9a-f]{32}|UA-\d{4}-\d{2}-\d{2}-\d{6}-[a-z])$")


@bp.before_request
def _signed_in() -> ResponseReturnValue | None:
    return require_login()


def _page() -> int:
    raw = request.args.get("page", "1")
    if not raw.isdigit() or len(raw) > 12 or not 1 <= int(raw) <= MAX_PAGE:
        abort(400, f"page must be a number from 1 to {MAX_PAGE}")
    return int(raw)


def month_bars(months: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows for the SVG bar chart of flagged tenders per month (oldest first), widths in percent of the largest."""
    counts: dict[str, int] = {}
    for m in months:
        counts[m["month"] or "?"] = counts.get(m["month"] or "?", 0) + m["flagged"]
    rows = sorted(counts.items())[-18:]
    top = max((v for _, v in rows), default=1) or 1
    return [{"label": k, "value": v, "width": round(100 * v / top, 1)} for k, v in rows]


@bp.get("/tenders")
def tenders() -> ResponseReturnValue:
    flagged = {"yes": True, "no": False}.get(request.args.get("flagged", ""))
    filters = {k: (request.args.get(k) or "").strip()[:200] or None for k in ("buyer", "cpv", "status", "from", "to")}
    for key in ("from", "to"):
        if filters[key] and not DATE.match(filters[key] or ""):
            abort(400, f"{key} must be YYYY-MM or YYYY-MM-DD")
    page = _page()
    rows, total = inventory().list_tenders(flagged=flagged, buyer=filters["buyer"], cpv=filters["cpv"],
                                           status=filters["status"], date_from=filters["from"],
                                           date_to=filters["to"], limit=PAGE, offset=(page - 1) * PAGE)
    data = inventory().tender_overview()
    pages = max((total - 1) // PAGE + 1, 1)
    keep: dict[str, Any] = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("tenders.html", data=data, rows=rows, total=total, page=page, pages=pages,
                           args=request.args, months=month_bars(data["by_month"]), statuses=list(data["by_status"]),
                           prev_url=url_for("tenders_web.tenders", page=page - 1, **keep) if page > 1 else None,
                           next_url=url_for("tenders_web.tenders", page=page + 1, **keep) if page < pages else None)


@bp.get("/tenders/<string:ref>")
def tender(ref: str) -> ResponseReturnValue:
    if not REF.match(ref):
        abort(404)
    found = inventory().tender_detail(ref)
    if found is None:
        abort(404)
    return render_template("tender.html", t=found)
