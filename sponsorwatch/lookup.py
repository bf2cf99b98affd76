"""`sponsorwatch lookup`: judge product or tender titles — listed maker or not, and why."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from scanner.identify import Verdict, identify, sample_titles
from scanner.untrusted import terminal_text

MAX_LOOKUP_TEXT = 20_000
MENTIONS = ("compatible", "not-this-maker", "service", "other-maker")  # a name, not the maker's product


def _texts(args: argparse.Namespace, stdin: TextIO) -> Iterator[str]:
    yield from args.text
    if args.sample:
        yield from sample_titles()
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
    if v.vendor and v.relation in MENTIONS:
        return "mention"
    if v.vendor:
        return "weak"
    return "-"


def _render_lines(verdicts: Iterable[Verdict], out: TextIO) -> None:
    for v in verdicts:
        who = f"{v.vendor}/{v.brand}" if v.vendor and v.brand != v.vendor else (v.vendor or "-")
        out.write(f"{_label(v):7} {terminal_text(who):22} {v.confidence:4.2f}  {terminal_text(v.text)}\n"
                  f"        why: {terminal_text(v.explanation)}\n")


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
        # Titles come from shops and files, and the reason quotes them: shown as text, never as markup.
        table.add_row(f"[{style}]{label}[/]", Text(terminal_text(who)), f"{v.confidence:.2f}",
                      Text(terminal_text(v.text)), Text(terminal_text(reason)))
    console.print(table)
    console.print(f"{counts['FLAG']} flagged, {counts['mention']} name a listed maker only as compatible, "
                  f"a service, another brand or 'not', {counts['weak']} weak, {counts['-']} clean.")
    for vendor, designations in listed.items():
        console.print(f"[bold]{escape(terminal_text(vendor))}[/]: {escape(terminal_text(designations))}")


def cmd_lookup(args: argparse.Namespace) -> int:
    texts = list(_texts(args, sys.stdin))
    if not texts:
        print("sponsorwatch lookup: give TEXT arguments, --file F (one text per line) or --sample",
              file=sys.stderr)
        return 2
    flagged = False

    def judged() -> Iterator[Verdict]:
        nonlocal flagged
        for t in texts:
            v = identify(t, brand=args.brand, category=args.category)
            flagged = flagged or v.flagged
            yield v

    verdicts = judged()
    if args.json:
        for v in verdicts:
            sys.stdout.write(json.dumps(v.to_dict(), ensure_ascii=False) + "\n")
    elif args.table or (args.sample and not args.text and not args.file):
        _render_table(verdicts, Console())
    else:
        _render_lines(verdicts, sys.stdout)
    return 1 if flagged else 0  # the exit codes of sponsorwatch/main.py: 1 = something flagged


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("lookup", help="judge product or tender titles: listed maker or not, and why",
                       epilog="exit status: 0 nothing flagged, 1 something flagged, 2 error")
    p.add_argument("text", nargs="*", help="titles to judge")
    p.add_argument("--file", "-f", help="read one text per line from FILE ('-' for standard input)")
    p.add_argument("--sample", action="store_true", help="judge the bundled sample of real titles")
    p.add_argument("--brand", help="the page's brand field, for every text (e.g. from JSON-LD)")
    p.add_argument("--category", help="the page's category or breadcrumbs, for every text (evidence for consumer "
                                      "brands: 'Побутова хімія > Пральні порошки')")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--table", action="store_true", help="render a table")
    p.set_defaults(func=cmd_lookup)
