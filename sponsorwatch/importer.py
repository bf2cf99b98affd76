"""`sponsorwatch import`: judge the devices in files admins already hold (nmap XML, DHCP leases, ARP and
switch tables, CSV exports) with the scanner's own fusion; record them for a site and upload them."""

from __future__ import annotations

import argparse
import json
import socket
import sys
from typing import Any

from rich.console import Console

from scanner.imports.detect import FORMATS
from scanner.imports.pipeline import ImportResult, record, run_import
from scanner.imports.records import ImportFailure
from scanner.imports.tables import parse_mapping
from scanner.storage import Inventory
from scanner.untrusted import terminal_text
from scanner.upload import UploadError, upload
from sponsorwatch.scan import render_table, said, upload_token

SHOWN_BAD_LINES = 20


def _report_bad(result: ImportResult) -> None:
    for f in result.files:
        for bad in f.bad[:SHOWN_BAD_LINES]:
            text = f" | {terminal_text(bad.text)}" if bad.text else ""
            print(f"sponsorwatch import: {terminal_text(f.path)} line {bad.line}: {terminal_text(bad.reason)}{text}",
                  file=sys.stderr)
        if len(f.bad) > SHOWN_BAD_LINES:
            print(f"sponsorwatch import: {terminal_text(f.path)}: {len(f.bad) - SHOWN_BAD_LINES} more bad lines "
                  "(all are listed with --output)", file=sys.stderr)


def _document(result: ImportResult) -> dict[str, Any]:
    return {"scan": result.document(), "devices": result.devices,
            "bad_lines": [{"file": f.path, "line": b.line, "reason": b.reason, "text": b.text}
                          for f in result.files for b in f.bad]}


def cmd_import(args: argparse.Namespace) -> int:
    console = Console(stderr=args.output == "-")
    try:
        token = upload_token(args)
        mapping = parse_mapping(args.map) if args.map else None
        result = run_import(args.files, args.format, mapping)
        site = args.site or socket.gethostname()
        stored = record(Inventory(args.db), result, site) if result.devices else None
    except (ImportFailure, ValueError, OSError) as exc:
        print(f"sponsorwatch import: {terminal_text(exc)} (nothing was recorded)", file=sys.stderr)
        return 2
    _report_bad(result)
    if args.output:
        text = json.dumps(_document(result), indent=2, ensure_ascii=False) + "\n"
        if args.output == "-":
            sys.stdout.write(text)
        else:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(text)
    flagged = sum(1 for d in result.devices if d["flagged"])
    if args.output != "-":
        render_table(result.devices, console, f"import: {len(result.devices)} devices, {flagged} sponsor devices")
    for f in result.files:
        console.print(f"{said(f.path)}: {f.format}, {f.records} records, {len(f.bad)} bad lines, {f.skipped} skipped")
    if stored is not None:
        console.print(f"recorded for site {said(repr(site))} as scan {said(result.scan_id)}")
    if args.upload and token and result.devices:
        try:
            sent = upload(args.upload, token, site, result.document(), result.devices)
        except (ConnectionError, UploadError) as exc:
            console.print(f"[yellow]{said(exc)}[/] — the import stays in the local inventory")
        else:
            console.print(f"uploaded {said(sent.get('devices', '?'))} devices to {said(args.upload)} as site "
                          f"{said(repr(site))}")
    return 1 if flagged else 0


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("import", help="judge devices from nmap XML, DHCP leases, ARP/MAC tables or CSV files",
                       epilog="exit status: 0 no sponsor device, 1 sponsor devices found, 2 error (nothing "
                              "recorded). Bad lines are reported with their line numbers; the good ones are "
                              "imported.")
    p.add_argument("files", nargs="+", metavar="FILE", help="files to import (merged: one device per MAC)")
    p.add_argument("--format", choices=("auto", *FORMATS), default="auto", help="file format (default: detect)")
    p.add_argument("--map", metavar="SPEC", help='CSV columns, e.g. ip=IP,mac="MAC Address",name=Hostname '
                                                 "(fields: ip, mac, name, model, serial, firmware, vendor, "
                                                 "vendor_class)")
    p.add_argument("--site", help="site the devices belong to (default: this host's name)")
    p.add_argument("--db", help="database URL (default: $DATABASE_URL, else instance/sponsorwatch.db)")
    p.add_argument("-o", "--output", help="also write the devices and bad lines as JSON here ('-': stdout)")
    p.add_argument("--upload", metavar="URL", help="send the import to a sponsorwatch server")
    token = p.add_mutually_exclusive_group()
    token.add_argument("--token-file", metavar="FILE", help="file whose first line is the agent token for --upload")
    token.add_argument("--token", help="agent token for --upload (visible in ps: prefer $SPONSORWATCH_TOKEN)")
    p.set_defaults(func=cmd_import)
