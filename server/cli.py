"""The `sponsorwatch` command: a thin face over the scanner library (parse options, call, render)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from importlib import resources
from typing import TextIO

from rich.console import Console
from rich.table import Table

from scanner.identify import Verdict, identify
from scanner.knowledge import KnowledgeError

MAX_LOOKUP_TEXT = 20_000


def _sample_titles() -> list[str]:
    text = (resources.files("scanner") / "samples" / "titles.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _texts(args: argparse.Namespace, stdin: TextIO) -> Iterator[str]:
    yield from args.text
    if args.sample:
        yield from _sample_titles()
    if args.file:
        handle = stdin if args.file == "-" else open(args.file, encoding="utf-8", errors="replace")  # noqa: SIM115
        try:
            for line in handle:
                if line.strip():
                    yield line.rstrip("\n")[:MAX_LOOKUP_TEXT]
        finally:
            if handle is not stdin:
                handle.close()


def _label(v: Verdict) -> str:
    if v.flagged:
        return "FLAG"
    if v.vendor and v.relation in ("compatible", "equivalent", "not-this-maker"):
        return "mention"
    if v.vendor:
        return "weak"
    return "-"


def _render_lines(verdicts: Iterable[Verdict], out: TextIO) -> None:
    for v in verdicts:
        who = f"{v.vendor}/{v.brand}" if v.vendor and v.brand != v.vendor else (v.vendor or "-")
        out.write(f"{_label(v):7} {who:22} {v.confidence:4.2f}  {v.text}\n        why: {v.explanation}\n")


def _render_table(verdicts: Iterable[Verdict], console: Console) -> None:
    table = Table(title="sponsorwatch lookup", expand=True)
    table.add_column("verdict", no_wrap=True)
    table.add_column("maker / brand", no_wrap=True)
    table.add_column("conf", justify="right", no_wrap=True)
    table.add_column("title", ratio=3)
    table.add_column("why", ratio=3)
    counts = {"FLAG": 0, "mention": 0, "weak": 0, "-": 0}
    listed: dict[str, str] = {}
    for v in verdicts:
        label = _label(v)
        counts[label] += 1
        style = {"FLAG": "bold red", "mention": "yellow", "weak": "yellow", "-": "green"}[label]
        who = v.vendor or ""
        if v.brand and v.brand != v.vendor:
            who += f" / {v.brand}"
        # The reason goes in the row; the designations, the same for every product of a maker, go below once.
        reason, _, rest = v.explanation.partition("; ")
        if v.flagged and v.vendor and v.vendor not in listed:
            listed[v.vendor] = rest
        table.add_row(f"[{style}]{label}[/]", who, f"{v.confidence:.2f}", v.text, reason)
    console.print(table)
    console.print(f"{counts['FLAG']} flagged, {counts['mention']} name a listed maker only as compatible, "
                  f"reference or 'not', {counts['weak']} weak, {counts['-']} clean.")
    for vendor, designations in listed.items():
        console.print(f"[bold]{vendor}[/]: {designations}")


def cmd_lookup(args: argparse.Namespace) -> int:
    texts = list(_texts(args, sys.stdin))
    if not texts:
        print("sponsorwatch lookup: give TEXT arguments, --file F (one text per line) or --sample",
              file=sys.stderr)
        return 2
    verdicts = (identify(t) for t in texts)
    if args.json:
        for v in verdicts:
            sys.stdout.write(json.dumps(v.to_dict(), ensure_ascii=False) + "\n")
    elif args.table or (args.sample and not args.text and not args.file):
        _render_table(verdicts, Console())
    else:
        _render_lines(verdicts, sys.stdout)
    return 0


def cmd_lab_up(args: argparse.Namespace) -> int:
    """Start a fleet of simulated devices on loopback and keep it running until interrupted."""
    import asyncio
    import signal
    from pathlib import Path

    from scanner.lab import DEFAULT_FLEET, Lab, LabError, load_profiles
    from scanner.lab.profiles import read_fleet, scale_fleet

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
                _render_lab(lab)
            await stop.wait()
        finally:
            await lab.stop()

    try:
        asyncio.run(run())
    except LabError as exc:
        print(f"sponsorwatch lab: {exc}", file=sys.stderr)
        return 1
    return 0


def _render_lab(lab: object) -> None:
    from scanner.lab import Lab

    assert isinstance(lab, Lab)
    table = Table(title=f"sponsorwatch lab: {len(lab.devices)} simulated devices (Ctrl-C stops)")
    for col in ("ip", "profile", "model", "serial", "mac", "ports"):
        table.add_column(col)
    for d in lab.describe():
        table.add_row(d["ip"], d["profile"], d["model"], d["serial"], d["mac"],
                      ",".join(str(v) for v in d["ports"].values()))
    console = Console()
    console.print(table)
    active = ", ".join(lab.multicast_active) or "none (unicast only: enable multicast on lo or use a namespace)"
    console.print(f"multicast discovery on loopback: {active}", highlight=False)
    sys.stdout.flush()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sponsorwatch",
        description="Find Hikvision and Dahua hardware (and other companies listed as war sponsors) "
                    "in product titles, tenders and, later, on your network.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    lookup = sub.add_parser("lookup", help="judge product or tender titles: listed maker or not, and why")
    lookup.add_argument("text", nargs="*", help="titles to judge")
    lookup.add_argument("--file", "-f", help="read one text per line from FILE ('-' for standard input)")
    lookup.add_argument("--sample", action="store_true", help="judge the bundled sample of real titles")
    lookup.add_argument("--json", action="store_true", help="one JSON object per line")
    lookup.add_argument("--table", action="store_true", help="render a table")
    lookup.set_defaults(func=cmd_lookup)

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

    from server import admin_cli, plan_cli, scan_cli

    scan_cli.add_parsers(sub)
    admin_cli.add_parsers(sub)
    plan_cli.add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KnowledgeError as exc:
        print(f"sponsorwatch: knowledge base unreadable: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"sponsorwatch: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
