"""Dashboard pages (signed-in people only, see server/web/auth.py): overview, the device table (filters, search and
sort kept in the URL; CSV and XLSX of what it shows; admins mark a selection), device pages (evidence grouped,
status form and history, JSON), site pages (progress, last scans, what is new and gone since the previous scan),
title lookup, the removal plan (cached per inventory version), the audit log (admins) and the time-zone choice.

Everything works without script; static/dashboard.js only tells the server the browser's time zone (a cookie)
and adds "select all" to the device table. Dates are shown in the reader's zone: the one chosen on /preferences,
else the browser's, else UTC."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from scanner.identify import identify
from scanner.identify.device import device_key
from scanner.plan import PlanConfig, make_plan
from scanner.plan.render import as_html, stylesheet_text
from scanner.storage import STATUSES
from scanner.storage.sites import SORTS
from server import inventory
from server.bounds import Budget, TooMuch
from server.plancache import RenderCache
from server.security import client_address
from server.web import export, present
from server.web.auth import actor, admin_only, current_user, require_login, safe_next

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/static")
PAGE = 200
MAX_PAGE = 10**9 // PAGE
ID_MAX = 2**63 - 1
LOOKUP_LINES = 200
SEARCH_MAX = 200  # characters of the device table's search text
NOTE_MAX = 2000
BULK_MAX = 1000  # devices marked by one form
EXPORT_MAX = 200_000  # rows of one CSV/XLSX export
TZ_COOKIE = "sw_tz"  # set by static/dashboard.js from the browser's Intl time zone
FILTERS = ("site", "vendor", "class", "cve", "status", "flagged", "q")


@bp.before_request
def _signed_in() -> ResponseReturnValue | None:
    if request.endpoint in ("web.static", "web.favicon"):  # public: the login page uses them
        return None
    return require_login()


@bp.get("/favicon.ico")
def favicon() -> ResponseReturnValue:
    """No icon (the pages say so with an empty data: icon; the plan page, a standalone document, does not)."""
    return Response(status=204, headers={"Cache-Control": "public, max-age=86400"})


def zone() -> tuple[str, str]:
    """The reader's time zone and where it came from: chosen (preferences), browser (cookie) or default."""
    chosen = present.valid_zone(session.get("tz") if isinstance(session.get("tz"), str) else None)
    if chosen:
        return chosen, "chosen"
    browser = present.valid_zone(request.cookies.get(TZ_COOKIE))
    return (browser, "browser") if browser else (present.DEFAULT_ZONE, "default")


@bp.app_context_processor
def _globals() -> dict[str, Any]:
    tz, source = zone()
    return {"tz": tz, "tz_source": source, "maker_label": present.maker_label, "display_name": present.display_name,
            "class_label": present.class_label, "summary_line": present.summary_line}


@bp.app_template_filter("when")
def _when(value: Any) -> Markup:
    return present.time_tag(value, zone()[0])


def _number(raw: str | None, default: int, high: int) -> int:
    """A positive page or id number from the URL; anything else (beyond 64 bits included) is a 400."""
    if raw is None:
        return default
    if not raw.isdigit() or len(raw) > 19 or not 1 <= int(raw) <= high:
        abort(400, f"must be a number from 1 to {high}")
    return int(raw)


def bars(counts: dict[str, int], limit: int = 8, names: bool = False) -> list[dict[str, Any]]:
    """Rows for a horizontal bar chart drawn in SVG by the template (no script needed)."""
    items = list(counts.items())[:limit]
    top = max((v for _, v in items), default=1) or 1
    return [{"key": k, "label": present.display_name(k) if names and k != "unknown" else k, "value": v,
             "width": round(100 * v / top, 1)} for k, v in items]


def _plan_cache() -> RenderCache[str]:
    cache: RenderCache[str] = current_app.extensions.setdefault("plan_cache", RenderCache(size=8))
    return cache


@bp.get("/")
def overview() -> ResponseReturnValue:
    data = inventory().overview()
    progress = inventory().removal_progress()
    replaced = sum(c["replaced"] for c in progress.values())
    return render_template("overview.html", data=data, vendors=bars(data["by_vendor"], names=True),
                           classes=[{**b, "label": present.class_label(b["key"])} for b in bars(data["by_class"])],
                           cves=bars(data["by_cve"]), sites=sorted(data["sites"].items()), progress=progress,
                           replaced=replaced)


# The device table ---------------------------------------------------------------------------------------------

def device_filters() -> dict[str, Any]:
    """The device table's filters from the URL, as list_devices takes them (a bad value is a 400 saying so)."""
    args = request.args
    flagged = {"yes": True, "no": False, "": None}.get(args.get("flagged", ""))
    if args.get("flagged", "") not in ("yes", "no", ""):
        abort(400, "flagged must be yes or no")
    status = args.get("status") or None
    if status not in (None, *STATUSES):
        abort(400, f"status must be one of {', '.join(STATUSES)}")
    search = (args.get("q") or "").strip()
    if len(search) > SEARCH_MAX:
        abort(400, f"the search text is at most {SEARCH_MAX} characters")
    sort = args.get("sort") or "site"
    if sort not in SORTS:
        abort(400, f"sort must be one of {', '.join(SORTS)}")
    if args.get("dir", "asc") not in ("asc", "desc"):
        abort(400, "dir must be asc or desc")
    return {"site": args.get("site") or None, "vendor": args.get("vendor") or None,
            "device_class": args.get("class") or None, "cve": args.get("cve") or None, "status": status,
            "flagged": flagged, "search": search or None, "sort": sort, "descending": args.get("dir") == "desc"}


def url_with(endpoint: str = "web.devices", **changes: Any) -> str:
    """This page's URL with some query arguments changed (None removes one); page goes back to 1 unless given."""
    args = {k: v for k, v in request.args.items() if v}
    args.pop("page", None)
    for k, v in changes.items():
        if v is None or v == "":
            args.pop(k, None)
        else:
            args[k] = str(v)
    query = urlencode(args)
    return url_for(endpoint) + (f"?{query}" if query else "")


def sort_link(column: str) -> dict[str, Any]:
    """A column header's link: sort by it, or flip the direction when it is the sort already."""
    current, desc = request.args.get("sort") or "site", request.args.get("dir") == "desc"
    active = current == column
    flip = "asc" if active and desc else "desc" if active else None
    return {"href": url_with(sort=column, dir=flip), "active": active, "desc": desc,
            "aria": ("descending" if desc else "ascending") if active else "none"}


@bp.get("/devices")
def devices() -> ResponseReturnValue:
    if any(v == "" for v in request.args.values()):  # the filter form sends "any" as empty: a shorter URL to share
        return redirect(url_with(page=request.args.get("page")), code=302)
    page = _number(request.args.get("page"), 1, MAX_PAGE)
    rows, total = inventory().list_devices(**device_filters(), limit=PAGE, offset=(page - 1) * PAGE)
    data = inventory().overview()
    pages = max((total - 1) // PAGE + 1, 1)
    return render_template(
        "devices.html", rows=rows, total=total, page=page, pages=pages, args=request.args,
        vendors=list(data["by_vendor"]), classes=list(data["by_class"]), sites=list(data["sites"]),
        cves=list(data["by_cve"]), statuses=STATUSES, sort_link=sort_link, url_with=url_with,
        back=request.full_path.rstrip("?"), prev_url=url_with(page=page - 1) if page > 1 else None,
        next_url=url_with(page=page + 1) if page < pages else None,
        csv_url=url_with("web.devices_csv"), xlsx_url=url_with("web.devices_xlsx"),
        filtered=any(request.args.get(k) for k in FILTERS))


def _export_rows() -> tuple[list[dict[str, Any]], str]:
    rows, total = inventory().list_devices(**device_filters(), limit=EXPORT_MAX)
    if total > EXPORT_MAX:
        abort(413, f"{total:,} devices match; an export holds at most {EXPORT_MAX:,}: narrow the filter")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
    return rows, f"sponsorwatch-devices-{stamp}"


def _attachment(body: str | bytes, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"',
                                                       "Cache-Control": "private, no-store"})


@bp.get("/devices.csv")
def devices_csv() -> ResponseReturnValue:
    rows, name = _export_rows()
    return _attachment(export.as_csv(rows, zone()[0]), "text/csv; charset=utf-8", f"{name}.csv")


@bp.get("/devices.xlsx")
def devices_xlsx() -> ResponseReturnValue:
    rows, name = _export_rows()
    shown = ", ".join(f"{k}={request.args[k]}" for k in FILTERS if request.args.get(k)) or "all devices"
    title = f"sponsorwatch devices ({shown}), exported {present.human_time(dt.datetime.now(dt.UTC), zone()[0])}"
    return _attachment(export.as_xlsx(rows, zone()[0], title),
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", f"{name}.xlsx")


def _status_form() -> tuple[str, str]:
    status, note = request.form.get("status", ""), request.form.get("note", "").strip()
    if status not in STATUSES or len(note) > NOTE_MAX:
        abort(400, f"status must be one of {', '.join(STATUSES)} and the note at most {NOTE_MAX:,} characters")
    return status, note


def _mark(ids: list[int], status: str, note: str) -> int | None:
    user = current_user() or {}
    return inventory().set_statuses(ids, status, str(user.get("name")), note, audit_actor=actor(),
                                    address=client_address())


@bp.post("/devices/status")
@admin_only
def devices_status() -> ResponseReturnValue:
    """The device table's form (admins): mark the selected devices at once, in one transaction; audited."""
    back = safe_next(request.form.get("back"))
    back = back if back.startswith("/devices") else url_for("web.devices")
    raw = request.form.getlist("id")
    if len(raw) > BULK_MAX or not all(r.isdigit() and len(r) <= 19 and 1 <= int(r) <= ID_MAX for r in raw):
        abort(400, f"select at most {BULK_MAX:,} devices by their numbers")
    status, note = _status_form()
    if not raw:
        flash("Select at least one device (the boxes in the first column); nothing was changed.", "error")
        return redirect(back, code=303)
    done = _mark([int(r) for r in raw], status, note)
    if done is None:
        abort(404, "one of the selected devices no longer exists; nothing was changed")
    flash(f"Marked {done} device{'s' if done != 1 else ''} {status}" + (f": {note}" if note else "") + ".", "ok")
    return redirect(back, code=303)


# One device ---------------------------------------------------------------------------------------------------

def _device_or_404(device_id: int) -> dict[str, Any]:
    if device_id > ID_MAX:
        abort(400, "no device has such a number")
    found = inventory().device_detail(device_id)
    if found is None:
        abort(404)
    return found


@bp.get("/devices/<int:device_id>")
def device(device_id: int) -> ResponseReturnValue:
    found = _device_or_404(device_id)
    evidence = found["detail"].get("evidence") or []
    return render_template("device.html", d=found, statuses=STATUSES, facts=present.group_evidence(evidence),
                           replies=len(evidence))


@bp.get("/devices/<int:device_id>.json")
def device_json(device_id: int) -> ResponseReturnValue:
    """The device page as JSON: the stored record, status history, the summary and the grouped evidence."""
    found = _device_or_404(device_id)
    found["summary"] = present.summary_line(found)
    found["maker_label"] = present.maker_label(found.get("vendor"), found.get("brand"), found.get("relation"))
    found["evidence_grouped"] = [{k: v for k, v in g.items() if k != "order"}
                                 for g in present.group_evidence(found["detail"].get("evidence") or [])]
    body = json.dumps(found, indent=2, ensure_ascii=False) + "\n"
    return _attachment(body, "application/json", f"sponsorwatch-device-{device_id}.json") \
        if request.args.get("download") else Response(body, mimetype="application/json")


@bp.post("/devices/<int:device_id>/status")
@admin_only
def device_status(device_id: int) -> ResponseReturnValue:
    """The status form of the device page (admins): replaced, isolated or risk-accepted, with a note; audited."""
    if device_id > ID_MAX:
        abort(400, "no device has such a number")
    status, note = _status_form()
    if _mark([device_id], status, note) is None:
        abort(404)
    return redirect(url_for("web.device", device_id=device_id), code=303)


# Sites --------------------------------------------------------------------------------------------------------

@bp.get("/sites/<path:name>")
def site(name: str) -> ResponseReturnValue:
    """A site: its counts, removal progress, last scans, and what a scan found new, gone or changed since the one
    before it (the newest scan unless ?scan= names another of the site's scans)."""
    inv = inventory()
    counts = inv.overview(site=name)
    if not counts["devices"] and not inv.site_scans(name, limit=1):
        abort(404, "no such site")
    scans = inv.site_scans(name)
    chosen = request.args.get("scan") or (scans[0]["id"] if scans else None)
    diff = inv.scan_diff(chosen[:36], None, site=name) if chosen else None
    if chosen and diff is None:
        abort(404, "no such scan of this site")
    ids: dict[str, int] = {}
    if diff is not None:
        keys = [device_key(d) for d in diff["appeared"] + diff["disappeared"]] + [c["key"] for c in diff["changed"]]
        ids = inv.device_ids(name, keys)
    rows, total = inv.list_devices(site=name, sort="flagged", descending=True, limit=PAGE)
    return render_template("site.html", name=name, counts=counts["sites"].get(name, {}), data=counts,
                           progress=inventory().removal_progress().get(name), scans=scans, chosen=chosen, diff=diff,
                           ids=ids, key=device_key, rows=rows, total=total)


# Preferences, lookup, audit, plan ---------------------------------------------------------------------------------

@bp.route("/preferences", methods=["GET", "POST"])
def preferences() -> ResponseReturnValue:
    """The time zone dates are shown in: the browser's (the default, needs script) or one chosen here."""
    if request.method == "POST":
        chosen = request.form.get("tz", "")
        if chosen == "":
            session.pop("tz", None)
        elif present.valid_zone(chosen) is None:
            abort(400, "unknown time zone: pick one from the list")
        else:
            session["tz"] = chosen
        flash("Saved: dates are shown in " + (chosen or "your browser's time zone") + ".", "ok")
        return redirect(url_for("web.preferences"), code=303)
    return render_template("preferences.html", zones=sorted(present.zones()),
                           example=present.time_tag(dt.datetime.now(dt.UTC), zone()[0]))


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
