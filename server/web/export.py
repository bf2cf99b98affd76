"""What a device-table filter shows, taken away as CSV or XLSX: display names, dates in the reader's time zone, and
every cell through `sheet_cell`, so what a device calls itself never becomes a spreadsheet formula."""

from __future__ import annotations

import csv
import io
from typing import Any

from scanner.untrusted import sheet_cell
from server.web.present import class_label, display_name, local_time, maker_label, summary_line

COLUMNS = ("Site", "IP", "MAC", "Maker", "Brand on the label", "Maker · label", "Model", "Serial", "Firmware",
           "Class", "Sponsor hardware", "Confidence", "CVEs", "KEV-listed CVE", "Status", "First seen", "Last seen",
           "Summary", "Device id")


def _when(value: Any, zone: str) -> str:
    when = local_time(value, zone)
    return f"{when:%Y-%m-%d %H:%M}" if when else ""


def device_row(d: dict[str, Any], zone: str) -> list[Any]:
    """One device as spreadsheet values (before `sheet_cell`), in COLUMNS order."""
    return [d["site"], d["ip"], d.get("mac"), display_name(d.get("vendor")), display_name(d.get("brand")),
            maker_label(d.get("vendor"), d.get("brand"), d.get("relation")), d.get("model"), d.get("serial"),
            d.get("firmware"), class_label(d.get("device_class")), "yes" if d.get("flagged") else "no",
            round(float(d.get("confidence") or 0.0), 3), ", ".join(d.get("cves") or []),
            "yes" if d.get("kev") else "no", d.get("status"), _when(d.get("first_seen"), zone),
            _when(d.get("last_seen"), zone), summary_line(d), d["id"]]


def header(zone: str) -> list[str]:
    return [f"{c} ({zone})" if c in ("First seen", "Last seen") else c for c in COLUMNS]


def as_csv(rows: list[dict[str, Any]], zone: str) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header(zone))
    for d in rows:
        writer.writerow([sheet_cell(v) for v in device_row(d, zone)])
    return buf.getvalue()


def as_xlsx(rows: list[dict[str, Any]], zone: str, title: str) -> bytes:
    """A one-sheet workbook; strings are stored as strings (openpyxl would store "=…" as a formula otherwise)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Devices")
    ws.freeze_panes = "A3"

    def append(values: list[Any]) -> None:
        cells = []
        for value in values:
            cell = WriteOnlyCell(ws, value=sheet_cell(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"
            cells.append(cell)
        ws.append(cells)

    append([title])
    append(header(zone))
    for d in rows:
        append(device_row(d, zone))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
