"""Removal plans rendered: HTML (printable; also the dashboard's /plan), CSV, JSON and XLSX. Free text is redacted."""

from __future__ import annotations

import csv
import io
import json
from functools import lru_cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from scanner.knowledge import load
from scanner.plan.config import PlanConfig
from scanner.plan.planner import PLAN_FIELDS, Plan, build_plan, redact
from scanner.untrusted import sheet_cell

FORMATS = ("html", "csv", "json", "xlsx")
CSV_FIELDS = PLAN_FIELDS
Rows = list[dict[str, Any]]


@lru_cache(maxsize=1)
def covered_brands() -> list[str]:
    """Every brand name of Hikvision and Dahua (subsidiaries, brands, relabels), for replacement criteria."""
    kb = load()
    return sorted({e.display for e in kb.entities.values() if kb.root(e.id) in ("hikvision", "dahua")})


def make_plan(inputs: tuple[Rows, Rows, Rows], cfg: PlanConfig, only_sites: list[str] | None = None) -> Plan:
    """The plan for an inventory's plan inputs (Inventory.plan_inputs: rows, newest scans, status history)."""
    rows, rescan, history = inputs
    return build_plan(rows, cfg, sites=only_sites, rescan=rescan, covered_brands=covered_brands(), history=history)


def _safe(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: _safe(v) for k, v in value.items()}
    return value


def as_json(plan: Plan) -> str:
    return json.dumps(_safe(plan.to_dict()), indent=2, ensure_ascii=False) + "\n"


def _row(d: dict[str, Any]) -> dict[str, Any]:
    row = {k: d.get(k) for k in CSV_FIELDS}
    for k in ("reasons", "cves", "mitigations"):
        row[k] = " | ".join(d.get(k) or [])
    safe: dict[str, Any] = _safe(row)
    return safe


def as_csv(plan: Plan) -> str:
    """One row per planned device; every cell through `sheet_cell` (no formulas from device or site names)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS)
    writer.writeheader()
    for d in plan.devices:
        writer.writerow({k: sheet_cell(v) for k, v in _row(d.to_dict()).items()})
    return buf.getvalue()


class _Sheet:
    """A write-only worksheet whose cells all go through `sheet_cell`, and whose strings are stored as strings:
    openpyxl would otherwise store any string starting with "=" as a formula."""

    def __init__(self, wb: Any, title: str) -> None:
        self.ws = wb.create_sheet(title)

    def append(self, values: list[Any]) -> None:
        from openpyxl.cell import WriteOnlyCell

        row = []
        for value in values:
            cell = WriteOnlyCell(self.ws, value=sheet_cell(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"
            row.append(cell)
        self.ws.append(row)


def as_xlsx(plan: Plan) -> bytes:
    from openpyxl import Workbook
    wb = Workbook(write_only=True)
    summary = _Sheet(wb, "Summary")
    summary.append(["sponsorwatch removal plan", plan.generated.isoformat()])
    summary.append(["Devices to replace", len(plan.devices)])
    summary.append([f"Total cost ({plan.currency})", round(plan.total, 2)])
    summary.append([])
    summary.append(["Phase", "Title", "Devices", f"Cost ({plan.currency})", "Due"])
    for p in plan.phases:
        summary.append([p.number, p.title, len(p.devices), round(p.cost, 2), p.due.isoformat() if p.due else ""])
    summary.append([])
    for a in plan.assumptions:
        summary.append(["Assumption", a])
    bom = _Sheet(wb, "Bill of materials")
    bom.append(["Phase", "Site", "Device class", "Count", f"Hardware ({plan.currency})", f"Labour ({plan.currency})"])
    for p in plan.phases:
        for site, classes in p.bill_of_materials().items():
            for cls, c in sorted(classes.items()):
                bom.append([p.number, redact(site), cls, int(c["count"]), round(c["hardware"], 2),
                            round(c["labour"], 2)])
    sheet = _Sheet(wb, "Devices")
    sheet.append(list(CSV_FIELDS))
    for d in plan.devices:
        row = _row(d.to_dict())
        sheet.append([row[k] for k in CSV_FIELDS])
    progress = _Sheet(wb, "Progress")
    progress.append(["Site", "Flagged", "Replaced", "Isolated", "Risk accepted", "Remaining"])
    for site, counts in plan.progress.items():
        progress.append([redact(site), counts["flagged"], counts["replaced"], counts["isolated"],
                         counts["risk-accepted"], counts["remaining"]])
    for v in plan.verification:
        progress.append(["Re-scan", redact(str(v["site"])), v["ip"], v["problem"]])
    for ws in (bom, sheet, progress):
        ws.ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _maker(entity: object) -> str:
    """A maker or brand id as people name it ("hikvision" -> "Hikvision"); anything else as given."""
    entities = load().entities
    return entities[entity].display if isinstance(entity, str) and entity in entities else str(entity or "")


@lru_cache(maxsize=1)
def _jinja() -> Environment:
    env = Environment(loader=PackageLoader("scanner.plan", "templates"), autoescape=select_autoescape(["html"]))
    env.filters["maker"] = _maker
    return env


def stylesheet_text() -> str:
    """The plan's styles (templates/plan.css), for a page that links them instead of embedding them."""
    return (resources.files("scanner.plan") / "templates" / "plan.css").read_text(encoding="utf-8")


def as_html(plan: Plan, stylesheet: str | None = None) -> str:
    """A self-contained, printable page; with `stylesheet` (a URL), the page links the plan's styles from there
    instead of embedding them: the dashboard's /plan, whose CSP allows stylesheets but no inline styles."""
    return _jinja().get_template("plan.html").render(plan=_safe(plan.to_dict()), stylesheet=stylesheet)


def render(plan: Plan, fmt: str) -> bytes:
    if fmt == "json":
        return as_json(plan).encode()
    if fmt == "csv":
        return as_csv(plan).encode()
    if fmt == "xlsx":
        return as_xlsx(plan)
    if fmt == "html":
        return as_html(plan).encode()
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
