"""`sponsorwatch lab up`: simulated cameras and recorders on loopback, to try the scanner without any."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from scanner.lab import DEFAULT_FLEET, Lab, LabError, load_profiles
from scanner.lab.profiles import read_fleet, scale_fleet
from scanner.untrusted import terminal_text


def render_lab(lab: Lab, console: Console) -> None:
    table = Table(title=f"sponsorwatch lab: {len(lab.devices)} simulated devices (Ctrl-C stops)")
    for col in ("ip", "profile", "model", "serial", "mac", "ports"):
        table.add_column(col)
    for d in lab.describe():
        # What a simulated device says about itself is shown as text (hostile profiles carry markup too).
        table.add_row(*(Text(terminal_text(d[k])) for k in ("ip", "profile", "model", "serial", "mac")),
                      ",".join(str(v) for v in d["ports"].values()))
    console.print(table)
    active = ", ".join(lab.multicast_active) or "none (unicast only: enable multicast on lo or use a namespace)"
    console.print(f"multicast discovery on loopback: {active}", highlight=False)


def cmd_lab_up(args: argparse.Namespace) -> int:
    """Start a fleet of simulated devices on loopback and keep it running until interrupted."""
    try:
        profiles = load_profiles()
        entries = read_fleet(Path(args.fleet), profiles) if args.fleet else list(DEFAULT_FLEET)
        if args.devices:
            entries = scale_fleet(entries, args.devices)
        lab = Lab(entries, base=args.base, multicast=not args.no_multicast, mdns=args.mdns, profiles=profiles)
    except LabError as exc:
        print(f"sponsorwatch lab: {exc}", file=sys.stderr)
        return 2

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await lab.start()
        try:
            if args.json:
                print(json.dumps({"devices": lab.describe(), "multicast": lab.multicast_active}), flush=True)
            else:
                render_lab(lab, Console())
                sys.stdout.flush()
            await stop.wait()
        finally:
            await lab.stop()

    try:
        asyncio.run(run())
    except LabError as exc:
        print(f"sponsorwatch lab: {exc}", file=sys.stderr)
        return 1
    return 0


def add_parsers(sub: Any) -> None:
    lab = sub.add_parser("lab", help="simulated cameras and recorders on loopback, to try the scanner without any")
    lab_sub = lab.add_subparsers(dest="lab_command", required=True)
    up = lab_sub.add_parser("up", help="start a fleet and print what runs where; runs until interrupted")
    up.add_argument("--devices", type=int, help="number of devices (the fleet's mix repeated)")
    up.add_argument("--fleet", help="fleet file: [[device]] tables with profile and count")
    up.add_argument("--base", default="127.0.0.10", help="first loopback address (default 127.0.0.10)")
    up.add_argument("--json", action="store_true", help="print the fleet as one JSON document")
    up.add_argument("--no-multicast", action="store_true", help="do not listen on the loopback multicast groups")
    up.add_argument("--mdns", action="store_true", help="also announce Hikvision devices over mDNS on loopback")
    up.set_defaults(func=cmd_lab_up)
