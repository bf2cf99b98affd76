"""`sponsorwatch scan` and `sponsorwatch demo`: run the scanner, save each device as it is found, render."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import ipaddress
import json
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import asdict
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from scanner.discovery.authprobes import load_credentials
from scanner.discovery.ports import CAMERA_PORTS
from scanner.discovery.scan import ScanOptions, ScanStats, scan
from scanner.discovery.targets import TargetError, build_targets, read_targets_file
from scanner.identify.device import DeviceVerdict
from server.storage import Inventory

CSV_FIELDS = ("ip", "mac", "vendor", "brand", "relation", "model", "serial", "firmware", "device_class", "flagged",
              "confidence", "cves", "risks", "explanation")


def local_interface_for(networks: list[ipaddress.IPv4Network]) -> str | None:
    """The address of the local interface whose subnet holds every target (a local segment), if any."""
    if all(n.subnet_of(ipaddress.IPv4Network("127.0.0.0/8")) for n in networks):
        return "127.0.0.1"
    if shutil.which("ip") is None:
        return None
    try:
        out = subprocess.run(["ip", "-j", "-4", "addr", "show"], capture_output=True, text=True, timeout=5, check=True)
        links = json.loads(out.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    for link in links:
        for addr in link.get("addr_info", []):
            iface = ipaddress.IPv4Interface(f"{addr['local']}/{addr['prefixlen']}")
            if all(n.subnet_of(iface.network) for n in networks):
                return str(iface.ip)
    return None


def _options(args: argparse.Namespace, targets_nets: list[ipaddress.IPv4Network]) -> ScanOptions:
    multicast_if = None
    if not args.no_multicast:
        multicast_if = args.multicast_if or local_interface_for(targets_nets)
    return ScanOptions(
        ports=tuple(int(p) for p in args.ports.split(",")) if args.ports else CAMERA_PORTS,
        rate=args.rate, concurrency=args.concurrency, max_duration_s=args.max_duration,
        udp_window_s=args.udp_window, multicast_if=multicast_if, mdns=args.mdns and multicast_if is not None,
        engine=args.engine, credentials=load_credentials(args.credentials), rpc2_login=args.rpc2_login,
    )


def _public_options(options: ScanOptions) -> dict[str, Any]:
    """The options as saved and printed: credentials never appear, only whether some were given."""
    data = asdict(options)
    data["credentials"] = "<given>" if options.credentials is not None else None
    return data


def render_table(devices: list[dict[str, Any]], console: Console, title: str) -> None:
    table = Table(title=title, expand=True)
    for col, kw in (("ip", {"no_wrap": True}), ("verdict", {"no_wrap": True}), ("maker / brand", {}),
                    ("model", {}), ("serial", {"overflow": "fold"}), ("firmware", {}), ("class", {}),
                    ("CVEs", {})):
        table.add_column(col, **kw)
    for d in sorted(devices, key=lambda d: tuple(int(x) for x in d["ip"].split("."))):
        verdict = "[bold red]SPONSOR[/]" if d["flagged"] else ("[yellow]weak[/]" if d["vendor"] else "[green]-[/]")
        who = d["vendor"] or ""
        if d["brand"] and d["brand"] != d["vendor"]:
            who = f"{who} / {d['brand']} ({d['relation']})" if who else str(d["brand"])
        cves = ", ".join(c["id"] + ("?" if c["confidence"] == "low" else "") + (" KEV" if c["kev"] else "")
                         for c in d["cves"])
        table.add_row(d["ip"], verdict, who, d["model"] or "", d["serial"] or "", d["firmware"] or "",
                      d["device_class"] or "", cves)
    console.print(table)


def render(devices: list[dict[str, Any]], fmt: str, scan_doc: dict[str, Any]) -> str:
    if fmt == "json":
        return json.dumps({"scan": scan_doc, "devices": devices}, indent=2, ensure_ascii=False) + "\n"
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS, extrasaction="ignore")
    writer.writeheader()
    for d in devices:
        row = dict(d)
        row["cves"] = " ".join(c["id"] for c in d["cves"])
        row["risks"] = " | ".join(d["risks"])
        writer.writerow(row)
    return buf.getvalue()


async def run_scan(args: argparse.Namespace, console: Console) -> int:
    inventory = Inventory(args.db)
    targets_text = list(args.targets)
    if args.targets_file:
        targets_text += read_targets_file(args.targets_file)
    skip: frozenset[str] = frozenset()
    if args.resume:
        previous = inventory.reopen_scan(args.resume)
        targets_text = targets_text or previous["targets"]
        scan_id = args.resume
        skip = inventory.done_ips(scan_id)
    targets = build_targets(targets_text, exclude=args.exclude, scope=args.scope, confirm_large=args.yes)
    options = _options(args, targets.networks)
    if not args.resume:
        scan_id = inventory.start_scan(targets_text, _public_options(options))
    status = "interrupted"
    stats = ScanStats()
    quiet = args.format != "table" and not args.output
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed} devices"),
               TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True, disable=quiet or not console.is_terminal) as bar:
        task = bar.add_task(f"scanning {len(targets)} addresses", total=None)

        def saved(verdict: DeviceVerdict) -> None:
            inventory.save_device(scan_id, verdict.to_dict())
            bar.advance(task)

        try:
            _, stats = await scan(targets, options, on_device=saved, skip=skip)
            status = "timed-out" if stats.timed_out else "finished"
        finally:
            summary = {k: v for k, v in asdict(stats).items()}
            inventory.finish_scan(scan_id, status, summary)
    devices = inventory.devices(scan_id)
    doc = {"id": scan_id, "status": status, "targets": targets_text, "stats": asdict(stats),
           "options": _public_options(options)}
    if args.format == "table":
        render_table(devices, console, f"scan {scan_id[:8]}: {len(devices)} devices, "
                                        f"{sum(d['flagged'] for d in devices)} sponsor devices")
        console.print(f"{stats.probes_sent} probes, {stats.engine} port scan, "
                      f"{(stats.finished or time.time()) - stats.started:.1f} s; saved in {inventory.url} as {scan_id}")
    if args.output or args.format != "table":
        text = render(devices, "csv" if args.format == "csv" else "json", doc)
        if args.output:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(text)
        else:
            sys.stdout.write(text)
    if args.site:
        from server.storage import repo

        repo.ingest(inventory.engine, args.site, {"id": scan_id, "status": status, "targets": targets_text,
                                                  "stats": asdict(stats)}, devices)
        console.print(f"devices recorded for site {args.site!r} in the dashboard inventory")
    if args.upload:
        await _upload(args, scan_id, doc, devices, console)
    return 0 if status == "finished" else 3


async def _upload(args: argparse.Namespace, scan_id: str, doc: dict[str, Any], devices: list[dict[str, Any]],
            console: Console) -> None:
    import os
    import socket

    from server.admin_cli import upload

    token = args.token or os.environ.get("SPONSORWATCH_TOKEN")
    if not token:
        raise ValueError("--upload needs --token or $SPONSORWATCH_TOKEN")
    site = args.site or socket.gethostname()
    try:
        result = await asyncio.to_thread(upload, args.upload, token, site, doc, devices)
    except (ConnectionError, RuntimeError) as exc:
        console.print(f"[yellow]{exc}[/] — local copy: scan {scan_id} in the inventory database")
        return
    console.print(f"uploaded {result['devices']} devices to {args.upload} as site {site!r}")


def cmd_scan(args: argparse.Namespace) -> int:
    console = Console(stderr=args.format != "table")
    loop = asyncio.new_event_loop()
    main = loop.create_task(run_scan(args, console))
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, main.cancel)
    try:
        return loop.run_until_complete(main)
    except asyncio.CancelledError:
        console.print("scan interrupted: what was found is saved; resume with --resume <scan id>")
        return 130
    except (TargetError, ValueError, KeyError, OSError) as exc:
        print(f"sponsorwatch scan: {exc}", file=sys.stderr)
        return 2
    finally:
        loop.close()


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job on the embedded default: start the lab, scan it, print the inventory."""
    from scanner.lab import DEFAULT_FLEET, Lab, LabError, LabThread

    try:
        lab = Lab(DEFAULT_FLEET, base="127.0.0.10", multicast=True, mdns=True)
        runner = LabThread(lab).start()
    except LabError as exc:
        print(f"sponsorwatch demo: {exc}", file=sys.stderr)
        return 2
    try:
        Console().print(f"lab: {len(lab.devices)} simulated devices on 127.0.0.10-{lab.devices[-1].ip}; "
                        f"multicast on loopback: {', '.join(lab.multicast_active) or 'unavailable'}")
        argv = ["127.0.0.0/24", "--scope", "127.0.0.0/8", "--mdns", "--site", "demo-lab"]
        argv += ["--db", args.db] if args.db else []
        scan_args = build_scan_parser(argparse.ArgumentParser()).parse_args(argv)
        code = cmd_scan(scan_args)
        if code == 0:
            from scanner.plan import PlanConfig
            from server.plans import make_plan, render

            plan = make_plan(Inventory(args.db).engine, PlanConfig(), ["demo-lab"])
            out = "instance/plan.html"
            with open(out, "wb") as fh:
                fh.write(render(plan, "html"))
            Console().print(f"removal plan: {len(plan.devices)} devices in {len(plan.phases)} phases, estimated "
                            f"{plan.total:,.0f} {plan.currency} (default costs) -> {out}; "
                            "also at /plan in the dashboard")
        return code
    finally:
        runner.stop()


def build_scan_parser(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("targets", nargs="*", help="IPs, CIDRs, ranges (10.0.0.1-50) or hostnames")
    p.add_argument("--targets-file", help="one target per line")
    p.add_argument("--exclude", action="append", default=[], help="addresses or networks to leave alone")
    p.add_argument("--scope", help="allow-list of networks (default: $SPONSORWATCH_SCOPE, else the targets)")
    p.add_argument("--yes", action="store_true", help="confirm a target larger than a /16")
    p.add_argument("--ports", help=f"TCP ports (default {','.join(map(str, CAMERA_PORTS))})")
    p.add_argument("--rate", type=float, default=2000.0, help="probes per second (default 2000)")
    p.add_argument("--concurrency", type=int, default=64, help="hosts probed at once (default 64)")
    p.add_argument("--max-duration", type=float, default=900.0, help="bound on the whole scan, seconds")
    p.add_argument("--udp-window", type=float, default=2.0, help="seconds to listen for discovery replies")
    p.add_argument("--multicast-if", help="interface address for multicast discovery (default: auto)")
    p.add_argument("--no-multicast", action="store_true", help="unicast discovery only")
    p.add_argument("--mdns", action="store_true", help="browse mDNS camera services on the local segment")
    p.add_argument("--engine", choices=("auto", "nmap", "asyncio"), default="auto", help="port scan engine")
    p.add_argument("--credentials", help="file with USER:PASSWORD (or $SPONSORWATCH_CREDENTIALS); never echoed")
    p.add_argument("--rpc2-login", action="store_true", help="allow Dahua's RPC2_Login first stage (a login attempt)")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    p.add_argument("-o", "--output", help="write the json/csv document here")
    p.add_argument("--resume", metavar="SCAN_ID", help="continue an interrupted scan, skipping finished hosts")
    p.add_argument("--db", help="database URL (default: $DATABASE_URL, else instance/sponsorwatch.db)")
    p.add_argument("--upload", metavar="URL", help="send the finished scan to a sponsorwatch server")
    p.add_argument("--token", help="agent token for --upload (or $SPONSORWATCH_TOKEN)")
    p.add_argument("--site", default=None, help="site name: record the devices in the local dashboard inventory and "
                                                "name the upload (default for --upload: this host's name)")
    return p


def add_parsers(sub: Any) -> None:
    sp = sub.add_parser("scan", help="find cameras, recorders and intercoms; flag Hikvision/Dahua hardware")
    build_scan_parser(sp).set_defaults(func=cmd_scan)
    demo = sub.add_parser("demo", help="start the device lab, scan it and print the inventory")
    demo.add_argument("--db", help="database URL (default: instance/sponsorwatch.db)")
    demo.set_defaults(func=cmd_demo)
