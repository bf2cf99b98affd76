"""`sponsorwatch plan`: the removal plan for the inventory, as HTML, CSV, JSON or XLSX."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from scanner.plan import FORMATS, PlanConfigError, load_config, make_plan, render
from scanner.storage import Inventory


def cmd_plan(args: argparse.Namespace) -> int:
    try:
        cfg = load_config(args.costs)
    except PlanConfigError as exc:
        print(f"sponsorwatch plan: {exc}", file=sys.stderr)
        return 2
    fmt = args.format or (args.output.rsplit(".", 1)[-1].lower() if args.output and "." in args.output else "html")
    if fmt not in FORMATS:
        print(f"sponsorwatch plan: unknown format {fmt!r}; use one of {', '.join(FORMATS)}", file=sys.stderr)
        return 2
    sites = args.site or None
    plan = make_plan(Inventory(args.db).plan_inputs(sites), cfg, sites)
    data = render(plan, fmt)
    if args.output:
        with open(args.output, "wb") as fh:
            fh.write(data)
        print(f"removal plan: {len(plan.devices)} devices in {len(plan.phases)} phases, estimated "
              f"{plan.total:,.0f} {plan.currency} -> {args.output}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
    return 0


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("plan", help="phased, costed removal plan for the flagged devices in the inventory")
    p.add_argument("--site", action="append", default=[], help="only this site (repeatable)")
    p.add_argument("--costs", help="plan file (TOML): currency, hardware, labour, sites, budget_per_phase, target_date")
    p.add_argument("-o", "--output", help="plan.html, plan.csv, plan.json or plan.xlsx (format from the extension)")
    p.add_argument("--format", choices=FORMATS, help="override the format")
    p.add_argument("--db", help="database URL (default: $DATABASE_URL, else instance/sponsorwatch.db)")
    p.set_defaults(func=cmd_plan)
