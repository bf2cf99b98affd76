"""The `sponsorwatch` command: sub-commands from their modules, and one mapping of errors to exit codes."""

from __future__ import annotations

import argparse
import sys

from scanner import __version__
from scanner.knowledge import KnowledgeError
from sponsorwatch import kb, lab, lookup, plan, scan, server

COMMANDS = (lookup, scan, lab, plan, kb, server)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sponsorwatch",
        description="Find Hikvision and Dahua hardware (and other companies listed as war sponsors) in product "
                    "titles, tenders and on your network; plan its removal.",
    )
    parser.add_argument("--version", action="version", version=f"sponsorwatch {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in COMMANDS:
        module.add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KnowledgeError as exc:
        print(f"sponsorwatch: knowledge base unreadable: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    except OSError as exc:
        print(f"sponsorwatch: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
