"""`sponsorwatch kb check|stats|ouis|export`: validate the knowledge base, show what it holds, export the
extension's offline snapshot."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from scanner.knowledge import report


def cmd_kb(args: argparse.Namespace) -> int:
    if args.kb_command == "check":
        found, summary = report.check()
        for line in found:
            print(line, file=sys.stderr)
        if found:
            print(f"{len(found)} problem(s) in the knowledge base", file=sys.stderr)
            return 1
        print(f"knowledge base OK: {summary}")
    elif args.kb_command == "stats":
        print("\n".join(report.stats()))
    elif args.kb_command == "ouis" and args.write:
        path, count = report.regenerate_ouis(Path(args.nmap_file) if args.nmap_file else None, args.nmap_label)
        print(f"{count} vendor prefixes -> {path}", file=sys.stderr)
    elif args.kb_command == "ouis":
        rows, summary = report.ouis()
        print("\n".join(rows))
        print(f"# {summary}", file=sys.stderr)
    else:
        from scanner.identify.catalog import snapshot

        body, version = snapshot()
        if args.output in (None, "-"):
            sys.stdout.buffer.write(body + b"\n")
        else:
            with open(args.output, "wb") as fh:
                fh.write(body)
            print(f"snapshot {version} ({len(body):,} bytes) -> {args.output}", file=sys.stderr)
    return 0


def add_parsers(sub: Any) -> None:
    kb = sub.add_parser("kb", help="the knowledge base: check it, show what it holds, export the extension snapshot")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    kb_sub.add_parser("check", help="validate sources, relations, aliases, families, fingerprint rules and CVEs")
    kb_sub.add_parser("stats", help="aliases per language and entries per designation")
    ouis = kb_sub.add_parser("ouis", help="the shipped MAC prefix table (tab separated); --write regenerates it")
    ouis.add_argument("--write", action="store_true",
                      help="derive it anew from netaddr's IEEE registry and an nmap-mac-prefixes file, and write "
                           "scanner/knowledge/ouis.tsv")
    ouis.add_argument("--nmap-file", help="the nmap-mac-prefixes to read (default: the installed nmap's)")
    ouis.add_argument("--nmap-label", help="how to cite that file in the header, e.g. nmap/nmap@<commit>:"
                                           "nmap-mac-prefixes")
    export = kb_sub.add_parser("export", help="the browser extension's offline snapshot (JSON)")
    export.add_argument("-o", "--output", help="file to write (extension/data/snapshot.json in a checkout); "
                                                "default: standard output")
    kb.set_defaults(func=cmd_kb)
