"""`sponsorwatch tenders check|watch`: Prozorro tenders checked for sponsor products — items, lots, awards,
contracts and the tech-spec documents — one by one, or by following the public feed.

Exit codes as in main.py: 0 nothing flagged, 1 a tender with sponsor products, 2 bad arguments, 3 incomplete (a
tender or the feed could not be read; a watch keeps its checkpoint), 130 interrupted (a watch resumes)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import signal
import sys
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from scanner.storage import Inventory
from scanner.tenders import (
    DEFAULT_API,
    DEFAULT_DOCUMENT_HOSTS,
    DEFAULT_PORTAL,
    SURVEILLANCE_CPV,
    AuditOptions,
    ClientOptions,
    ProzorroClient,
    TenderAuditor,
    TenderError,
    TenderResult,
    TenderWatch,
    WatchOptions,
)
from scanner.tenders.cpv import cpv_prefix
from scanner.tenders.render import FORMATS, as_csv, as_html, as_json
from scanner.untrusted import terminal_text


def shown(value: Any) -> Text:
    return Text(terminal_text(value))


def _client_options(args: argparse.Namespace) -> ClientOptions:
    return ClientOptions(api=args.api, portal=args.portal,
                         document_hosts=tuple(args.document_host or DEFAULT_DOCUMENT_HOSTS),
                         rate_per_s=args.rate, timeout_s=args.timeout,
                         max_document_bytes=int(args.max_document_mb * 1024 * 1024))


def render_table(result: dict[str, Any], console: Console) -> None:
    value = result.get("value") or {}
    amount = f"{value['amount']:,.2f} {value.get('currency') or ''}" if value.get("amount") is not None else ""
    verdict = "[bold red]SPONSOR[/] " + ", ".join(result["vendors"]) if result["flagged"] else "[green]clean[/]"
    head = Text.from_markup(verdict + "  ")
    head.append(terminal_text(f"{result.get('tenderID') or result['id']}  {result.get('title')}"))
    console.print(head)
    buyer = result.get("buyer") or {}
    console.print(shown(f"  buyer {buyer.get('name')} ({buyer.get('edrpou')}) · status {result.get('status')} · "
                        f"{amount} · {result.get('url') or ''}"), style="dim")
    if result["findings"]:
        table = Table(expand=True, show_edge=False)
        for col, kw in (("where", {"no_wrap": True}), ("ref", {}), ("maker / brand", {}), ("relation", {}),
                        ("conf", {"justify": "right"}), ("model", {}), ("excerpt", {"ratio": 3})):
            table.add_column(col, **kw)
        for f in result["findings"]:
            who = f["vendor"] + (f" / {f['brand']}" if f.get("brand") and f["brand"] != f["vendor"] else "")
            ref = f["ref"] + (f", {f['position']}" if f.get("position") else "")
            style = "red" if f["flagged"] else "yellow"
            table.add_row(shown(f["where"]), shown(ref), Text(terminal_text(who), style=style), shown(f["relation"]),
                          f"{f['confidence']:.2f}", shown(f.get("model") or ""), shown(f["excerpt"]))
        console.print(table)
    for note in result.get("notes") or []:
        console.print(shown(f"  note: {note}"), style="yellow")
    for d in result.get("documents") or []:
        if d["status"] == "read":
            line = f"  document {d['title']}: read ({d['kind']}, {d['segments']} parts, {d['findings']} findings)"
        else:
            line = f"  document {d['title']}: {d['status']}" + (f" ({d['reason']})" if d.get("reason") else "") + \
                   (f": {d['message']}" if d.get("message") else "")
        for note in d.get("notes") or []:
            line += f"; {note}"
        console.print(shown(line), style="dim" if d["status"] in ("read", "skipped") else "yellow")


def cmd_check(args: argparse.Namespace) -> int:
    console = Console(stderr=args.format != "table" and not args.output)
    results: list[dict[str, Any]] = []
    errors: list[dict[str, str]] = []
    try:
        options = _client_options(args)
    except ValueError as exc:
        print(f"sponsorwatch tenders check: {terminal_text(exc)}", file=sys.stderr)
        return 2
    with ProzorroClient(options) as client:
        auditor = TenderAuditor(client, AuditOptions(documents=not args.no_documents))
        for ref in args.ids:
            try:
                results.append(auditor.check(ref).to_dict())
            except ValueError as exc:
                print(f"sponsorwatch tenders check: {terminal_text(exc)}", file=sys.stderr)
                return 2
            except TenderError as exc:
                errors.append({"ref": ref, "error": str(exc)})
                print(f"sponsorwatch tenders check: {terminal_text(ref)}: {terminal_text(exc)}", file=sys.stderr)
    if args.db:
        inventory = Inventory(args.db)
        for result in results:
            inventory.save_tender(result, "check")
    fmt = args.format
    if fmt == "table" and not args.output:
        for result in results:
            render_table(result, console)
    else:
        text = {"json": as_json, "csv": lambda r, e: as_csv(r), "html": as_html,
                "table": as_json}[fmt](results, errors)
        if args.output:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(text)
            flagged = sum(r["flagged"] for r in results)
            print(f"{len(results)} tenders checked, {flagged} with sponsor products -> {args.output}", file=sys.stderr)
        else:
            sys.stdout.write(text)
    if errors:
        return 3  # incomplete: the tenders that could be had are reported
    return 1 if any(r["flagged"] for r in results) else 0


def _since(text: str | None) -> dt.date | str | None:
    if text is None or text == "now":
        return text
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--since takes YYYY-MM-DD or 'now', not {text!r}") from None


def cmd_watch(args: argparse.Namespace) -> int:
    console = Console(stderr=args.format == "json")
    try:
        cpv = tuple(args.cpv) if args.cpv else tuple(SURVEILLANCE_CPV)
        for code in cpv:
            cpv_prefix(code)
        since = _since(args.since)
        options = _client_options(args)
    except (ValueError, argparse.ArgumentTypeError) as exc:
        print(f"sponsorwatch tenders watch: {terminal_text(exc)}", file=sys.stderr)
        return 2
    inventory = Inventory(args.db)
    with ProzorroClient(options) as client:
        auditor = TenderAuditor(client, AuditOptions(documents=not args.no_documents))
        watch = TenderWatch(inventory, auditor, WatchOptions(cpv=cpv, buyer=args.buyer, since=since, once=args.once,
                                                             interval_s=args.interval, page_limit=args.page_size))
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: watch.stop.set())

        def show(result: TenderResult) -> None:
            data = result.to_dict()
            if args.format == "json":
                sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
                sys.stdout.flush()
            elif data["flagged"] or args.all:
                render_table(data, console)

        try:
            stats = watch.run(on_result=show)
        except TenderError as exc:
            print(f"sponsorwatch tenders watch: {terminal_text(exc)}; the checkpoint is kept, run again to resume",
                  file=sys.stderr)
            return 3
    console.print(shown(f"{stats.judged} tenders judged ({stats.flagged} with sponsor products), {stats.seen} seen in "
                        f"{stats.pages} pages; {stats.unchanged} already judged, {stats.other_cpv} other CPV, "
                        f"{stats.other_buyer} other buyers; saved in {inventory.display_url}"))
    if watch.stop.is_set():
        console.print("watch stopped; the next run resumes from its checkpoint")
        return 130
    return 1 if stats.flagged else 0


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--api", default=DEFAULT_API, help=f"openprocurement API base URL (default {DEFAULT_API})")
    p.add_argument("--portal", default=DEFAULT_PORTAL,
                   help=f"portal that resolves UA-… tender ids to API ids (default {DEFAULT_PORTAL})")
    p.add_argument("--document-host", action="append", metavar="HOST",
                   help="a host documents may be fetched from, besides the API's (repeatable; default "
                        f"{', '.join(DEFAULT_DOCUMENT_HOSTS)})")
    p.add_argument("--no-documents", action="store_true", help="judge the tender's JSON only; fetch no documents")
    p.add_argument("--rate", type=float, default=4.0, help="requests per second, at most (default 4)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for a response (default 30)")
    p.add_argument("--max-document-mb", type=float, default=25.0, help="largest document fetched, MiB (default 25)")


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("tenders", help="check Prozorro tenders (items, lots, contracts, tech-spec documents)")
    tsub = p.add_subparsers(dest="tenders_command", required=True)
    check = tsub.add_parser("check", help="check tenders by API id, UA-… tender id or prozorro.gov.ua URL")
    check.add_argument("ids", nargs="+", metavar="ID", help="32-hex API id, UA-YYYY-MM-DD-NNNNNN-x, or tender URL")
    _common(check)
    check.add_argument("--format", choices=FORMATS, default="table")
    check.add_argument("-o", "--output", help="write the json/csv/html report here")
    check.add_argument("--db", help="also save the results in this inventory (database URL)")
    check.set_defaults(func=cmd_check)
    watch = tsub.add_parser("watch", help="follow the tender feed; judge new and changed surveillance tenders")
    _common(watch)
    watch.add_argument("--cpv", action="append", metavar="CODE",
                       help="CPV code whose tenders are judged (repeatable; default: the video-surveillance and "
                            f"security codes, {', '.join(list(SURVEILLANCE_CPV)[:3])}, …)")
    watch.add_argument("--since", metavar="DATE", help="start a new watch at YYYY-MM-DD, or 'now' (default: 7 days "
                                                       "back); a watch already started resumes from its checkpoint")
    watch.add_argument("--buyer", metavar="EDRPOU", help="only this buyer's tenders")
    watch.add_argument("--once", action="store_true", help="stop at the end of the feed instead of polling")
    watch.add_argument("--interval", type=float, default=300.0, help="seconds between polls at the end (default 300)")
    watch.add_argument("--page-size", type=int, default=100, choices=range(1, 1001), metavar="N",
                       help="tenders per feed page, 1-1000 (default 100)")
    watch.add_argument("--format", choices=("table", "json"), default="table",
                       help="table: flagged tenders as they come; json: one JSON object per judged tender per line")
    watch.add_argument("--all", action="store_true", help="table: show clean tenders too")
    watch.add_argument("--db", help="database URL (default: $DATABASE_URL, else instance/sponsorwatch.db)")
    watch.set_defaults(func=cmd_watch)
