"""Tender results rendered: JSON ({"tenders": […]}), CSV (one row per finding; cells formula-safe) and a
self-contained HTML report. The terminal table is the command's (sponsorwatch/tenders.py)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from scanner.untrusted import sheet_cell

FORMATS = ("table", "json", "csv", "html")
CSV_FIELDS = ("tenderID", "id", "title", "buyer", "edrpou", "status", "amount", "currency", "tender_flagged",
              "where", "ref", "position", "excerpt", "vendor", "brand", "relation", "confidence", "model", "flagged",
              "url")


def as_json(results: list[dict[str, Any]], errors: list[dict[str, str]] | None = None) -> str:
    doc: dict[str, Any] = {"tenders": results}
    if errors:
        doc["errors"] = errors
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def csv_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    base = {"tenderID": result.get("tenderID"), "id": result.get("id"), "title": result.get("title"),
            "buyer": (result.get("buyer") or {}).get("name"), "edrpou": (result.get("buyer") or {}).get("edrpou"),
            "status": result.get("status"), "amount": (result.get("value") or {}).get("amount"),
            "currency": (result.get("value") or {}).get("currency"), "tender_flagged": result.get("flagged"),
            "url": result.get("url")}
    findings = result.get("findings") or []
    if not findings:
        return [base]
    return [{**base, **{k: f.get(k) for k in ("where", "ref", "position", "excerpt", "vendor", "brand", "relation",
                                              "confidence", "model", "flagged")}} for f in findings]


def as_csv(results: list[dict[str, Any]]) -> str:
    """One row per finding (a tender without findings: one row); every cell through `sheet_cell`, since titles,
    buyer names and document text are chosen by whoever publishes the tender."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore")
    writer.writeheader()
    for result in results:
        for row in csv_rows(result):
            writer.writerow({k: sheet_cell(v) for k, v in row.items()})
    return out.getvalue()


_env = Environment(loader=PackageLoader("scanner.tenders", "templates"), autoescape=select_autoescape(["html"]))


def as_html(results: list[dict[str, Any]], errors: list[dict[str, str]] | None = None) -> str:
    """A printable report with its styles inside (autoescaped; links only to the portal's https pages)."""
    return _env.get_template("report.html").render(results=results, errors=errors or [])
