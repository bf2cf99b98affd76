"""`sponsorwatch scan` and `sponsorwatch demo`: options in, a scan session run with a progress bar, tables out."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import sys
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from scanner.discovery.authprobes import load_credentials
from scanner.discovery.ports import CAMERA_PORTS
from scanner.discovery.scan import ScanOptions
from scanner.discovery.targets import TargetError, read_targets_file
from scanner.identify.device import DeviceVerdict
from scanner.knowledge import load
from scanner.session import AUTO, ScanResult, ScanSession
from scanner.storage import Inventory
from scanner.untrusted import terminal_text
from scanner.upload import UploadError, check_url

T = TypeVar("T")
TOKEN_ENV = "SPONSORWATCH_TOKEN"


def shown(value: Any) -> Text:
    """A device's (or a user's) string as a table cell: plain text, never markup, no control characters."""
    return Text(terminal_text(value))


def said(value: Any) -> str:
    """The same for a string put into a console message: control characters dropped, markup escaped."""
    return escape(terminal_text(value))


# Columns by priority: a narrow terminal drops from the end of this list first (serials would otherwise fold over
# several lines); a CSV or JSON export always has them all.
COLUMNS: tuple[tuple[str, int], ...] = (("ip", 0), ("verdict", 0), ("maker / brand", 0), ("model", 0),
                                        ("CVEs", 0), ("class", 100), ("serial", 120), ("firmware", 140))


def _cves(d: dict[str, Any], short: bool) -> str:
    cves = d.get("cves") or []
    if short and len(cves) > 1:
        kev = sum(1 for c in cves if c["kev"])
        return f"{len(cves)}" + (f" ({kev} KEV)" if kev else "")
    return ", ".join(c["id"] + ("?" if c["confidence"] == "low" else "") + (" KEV" if c["kev"] else "")
                     for c in cves)


def _ip_key(ip: str) -> tuple[int, ...]:
    try:
        return (4, *(int(x) for x in ip.split(".")))
    except ValueError:
        return (6, *(int(x or "0", 16) for x in ip.split("%")[0].split(":")))


def _who(d: dict[str, Any], short: bool = False) -> str:
    """Maker and brand by their display names: "Hikvision", "Hikvision · LTS (oem)" ("Hikvision · LTS" when
    short); an unknown label as given."""
    entities = load().entities

    def name(key: Any) -> str:
        return entities[key].display if key in entities else str(key)

    if not d.get("vendor"):
        return name(d["brand"]) if d.get("brand") else ""
    if d.get("brand") and d["brand"] != d["vendor"]:
        return f"{name(d['vendor'])} · {name(d['brand'])}" + ("" if short else f" ({d['relation']})")
    return name(d["vendor"])


def _fit(wanted: dict[str, int], budget: int) -> dict[str, int]:
    """Widths for the columns that give way: what each wants if that fits, else a fair share (water-filling)."""
    out: dict[str, int] = {}
    left = dict(wanted)
    while left:
        share = max(budget // len(left), 4)
        small = {c: w for c, w in left.items() if w <= share}
        if not small:
            return {**out, **dict.fromkeys(left, share)}
        for c, w in small.items():
            out[c] = w
            budget -= w
            del left[c]
    return out


def render_table(devices: list[dict[str, Any]], console: Console, title: str) -> None:
    """The devices as a table that fits the terminal: at 80 columns one line per device with ip, verdict, maker,
    model and CVE count; class, serial and firmware appear as the width allows. Address, verdict and CVEs are
    never cut; the other columns get what is left, each cut with an ellipsis when it must be."""
    width = console.width
    wide = width >= 140
    cols = [name for name, min_width in COLUMNS if width >= min_width]
    rows = []
    for d in sorted(devices, key=lambda d: _ip_key(str(d["ip"]))):
        verdict = "[bold red]SPONSOR[/]" if d["flagged"] else ("[yellow]weak[/]" if d["vendor"] else "[green]-[/]")
        cells: dict[str, Text | str] = {
            "ip": shown(d["ip"]), "verdict": verdict, "maker / brand": shown(_who(d, short=width < 100)),
            "model": shown(d["model"]), "CVEs": shown(_cves(d, short=not wide)), "class": shown(d["device_class"]),
            "serial": shown(d["serial"]), "firmware": shown(d["firmware"])}
        rows.append(cells)

    def needed(col: str) -> int:
        return max([len(col)] + [7 if col == "verdict" else len(str(r[col])) for r in rows])

    keep: dict[str, int] = {c: needed(c) for c in ("ip", "verdict", "CVEs") if c in cols}
    budget = width - (3 * len(cols) + 1) - sum(keep.values())
    flex = _fit({c: needed(c) for c in cols if c not in keep}, budget)
    table = Table(title=shown(title), box=box.HEAVY_HEAD)
    for col in cols:
        w = keep.get(col) or flex[col]
        table.add_column(col, no_wrap=True, overflow="ellipsis", min_width=w, max_width=w)
    for cells in rows:
        table.add_row(*(cells[c] for c in cols))
    console.print(table)
    hidden = [name for name, _ in COLUMNS if name not in cols]
    if hidden:
        console.print(f"[dim]{', '.join(hidden)} not shown at {width} columns: widen the terminal, or use "
                      "--format csv / json[/]")


def options_from(args: argparse.Namespace) -> ScanOptions:
    return ScanOptions(
        ports=tuple(int(p) for p in args.ports.split(",")) if args.ports else CAMERA_PORTS,
        rate=args.rate, concurrency=args.concurrency, max_duration_s=args.max_duration,
        udp_window_s=args.udp_window, multicast_if=None if args.no_multicast else (args.multicast_if or AUTO),
        mdns=args.mdns, engine=args.engine, credentials=load_credentials(args.credentials),
        rpc2_login=args.rpc2_login, multicast6_if=None if args.no_multicast else "auto",
        host_discovery=not args.no_host_discovery,
    )


def run_until_interrupted(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine; SIGINT/SIGTERM cancel it (the session then saves its state as interrupted)."""
    loop = asyncio.new_event_loop()
    try:
        task = loop.create_task(make())
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        return loop.run_until_complete(task)
    finally:
        loop.close()


def run_with_progress(session: ScanSession, console: Console, quiet: bool = False) -> ScanResult:
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed} devices"),
               TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True, disable=quiet or not console.is_terminal) as bar:
        task = bar.add_task(f"scanning {len(session.target_set)} addresses", total=None)

        def advance(_: DeviceVerdict) -> None:
            bar.advance(task)

        return run_until_interrupted(lambda: session.run(on_device=advance))


def _summary(result: ScanResult, inventory: Inventory, console: Console) -> None:
    render_table(result.devices, console, f"scan {result.scan_id[:8]}: {len(result.devices)} devices, "
                                          f"{sum(d['flagged'] for d in result.devices)} sponsor devices")
    console.print(f"{result.stats.probes_sent} probes, {result.stats.engine} port scan, {result.seconds:.1f} s; "
                  f"saved in {said(inventory.display_url)} as {said(result.scan_id)}")


def upload_token(args: argparse.Namespace) -> str | None:
    """The agent token for --upload: --token-file, else --token (with a warning: other users of this machine can
    read command lines), else $SPONSORWATCH_TOKEN. Raises ValueError when --upload has none, or the file is
    unreadable or empty; warns when the file is readable by others or the URL is plain http to another host."""
    if not args.upload:
        return None
    warning = check_url(args.upload)
    if warning:
        print(f"sponsorwatch scan: {warning}", file=sys.stderr)
    if args.token_file:
        try:
            with open(args.token_file, encoding="utf-8") as fh:
                token = fh.readline().strip()
            mode = os.stat(args.token_file).st_mode
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"--token-file {args.token_file}: {exc}") from exc
        if not token:
            raise ValueError(f"--token-file {args.token_file} is empty")
        if mode & 0o077:
            print(f"sponsorwatch scan: warning: {args.token_file} can be read by other users; chmod 600 it",
                  file=sys.stderr)
        return token
    if args.token:
        print("sponsorwatch scan: warning: --token is visible to other users of this machine (ps, /proc); put the "
              f"token in ${TOKEN_ENV} or a file given with --token-file instead", file=sys.stderr)
        return str(args.token)
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise ValueError(f"--upload needs an agent token: ${TOKEN_ENV}, --token-file FILE or --token")
    return token


def cmd_scan(args: argparse.Namespace) -> int:
    console = Console(stderr=args.format != "table")
    try:
        token = upload_token(args)
        inventory = Inventory(args.db)
        targets = list(args.targets) + (read_targets_file(args.targets_file) if args.targets_file else [])
        session = ScanSession.open(inventory, targets, options_from(args), exclude=args.exclude, scope=args.scope,
                                   confirm_large=args.yes, resume=args.resume)
        result = run_with_progress(session, console, quiet=args.format != "table" and not args.output)
    except asyncio.CancelledError:
        console.print("scan interrupted: what was found is saved; resume with --resume <scan id>")
        return 130
    except (TargetError, ValueError, KeyError, OSError) as exc:
        print(f"sponsorwatch scan: {terminal_text(exc)}", file=sys.stderr)
        return 2
    # Record and upload first: nothing a device says, however it renders, may keep the scan from its site or its
    # server. Then the outputs.
    messages: list[str] = []
    if args.site:
        session.record_site(result, args.site)
        messages.append(f"devices recorded for site {said(repr(args.site))} in the dashboard inventory")
    if args.upload and token:
        site = args.site or socket.gethostname()
        try:
            sent = asyncio.run(session.upload(result, args.upload, token, site))
        except (ConnectionError, UploadError) as exc:
            messages.append(f"[yellow]{said(exc)}[/] — local copy: scan {said(result.scan_id)} in the inventory "
                            "database")
        else:
            messages.append(f"uploaded {said(sent.get('devices', '?'))} devices to {said(args.upload)} as site "
                            f"{said(repr(site))}")
    if args.output or args.format != "table":
        text = result.to_csv() if args.format == "csv" else result.to_json()
        if args.output and args.output != "-":
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(text)
        else:
            sys.stdout.write(text)
    if args.format == "table":
        _summary(result, inventory, console)
    for message in messages:
        console.print(message)
    if result.status != "finished":
        return 3
    return 1 if any(d["flagged"] for d in result.devices) else 0  # exit codes: sponsorwatch/main.py


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job on the embedded default: start the lab, scan it, print the inventory, write the plan."""
    from scanner.demo import run_demo
    from scanner.lab import LabError

    console = Console()

    def announce(lab: Any) -> None:
        console.print(f"lab: {len(lab.devices)} simulated devices on 127.0.0.10-{lab.devices[-1].ip}; "
                      f"multicast on loopback: {', '.join(lab.multicast_active) or 'unavailable'}")

    try:
        demo = run_demo(args.db, on_lab=announce, run=lambda session: run_with_progress(session, console))
    except LabError as exc:
        print(f"sponsorwatch demo: {exc}", file=sys.stderr)
        return 2
    except asyncio.CancelledError:
        console.print("demo interrupted")
        return 130
    _summary(demo.scan, demo.inventory, console)
    console.print("devices recorded for site 'demo-lab' in the dashboard inventory")
    if demo.plan is not None:
        console.print(f"removal plan: {len(demo.plan.devices)} devices in {len(demo.plan.phases)} phases, estimated "
                      f"{demo.plan.total:,.0f} {demo.plan.currency} (default costs) -> {demo.plan_path}; "
                      "also at /plan in the dashboard")
    return 0 if demo.scan.status == "finished" else 3


def add_scan_arguments(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
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
    p.add_argument("--no-host-discovery", action="store_true",
                   help="port-scan every address, not only those found alive first (as nmap -Pn)")
    p.add_argument("--engine", choices=("auto", "nmap", "asyncio"), default="auto", help="port scan engine")
    p.add_argument("--credentials", help="file with USER:PASSWORD (or $SPONSORWATCH_CREDENTIALS); never echoed")
    p.add_argument("--rpc2-login", action="store_true", help="allow Dahua's RPC2_Login first stage (a login attempt)")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    p.add_argument("-o", "--output", help="write the json/csv document here ('-': standard output)")
    p.add_argument("--resume", metavar="SCAN_ID", help="continue an interrupted scan, skipping finished hosts")
    p.add_argument("--db", help="database URL (default: $DATABASE_URL, else instance/sponsorwatch.db)")
    p.add_argument("--upload", metavar="URL", help="send the finished scan to a sponsorwatch server")
    token = p.add_mutually_exclusive_group()
    token.add_argument("--token-file", metavar="FILE", help="file whose first line is the agent token for --upload")
    token.add_argument("--token", help="agent token for --upload; visible to other users in ps: prefer "
                                       "$SPONSORWATCH_TOKEN or --token-file")
    p.add_argument("--site", default=None, help="site name: record the devices in the local dashboard inventory and "
                                                "name the upload (default for --upload: this host's name)")
    return p


def add_parsers(sub: Any) -> None:
    sp = sub.add_parser("scan", help="find cameras, recorders and intercoms; flag Hikvision/Dahua hardware",
                        epilog="exit status: 0 no sponsor device, 1 sponsor devices found, 2 error, 3 stopped at "
                               "--max-duration, 130 interrupted (what was found is saved)")
    add_scan_arguments(sp).set_defaults(func=cmd_scan)
    demo = sub.add_parser("demo", help="start the device lab, scan it, inventory it and write a removal plan")
    demo.add_argument("--db", help="database URL (default: instance/sponsorwatch.db)")
    demo.set_defaults(func=cmd_demo)
