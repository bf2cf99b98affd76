"""The `sponsorwatch` command: sub-commands from their modules, and one mapping of errors to exit codes.

Exit codes, the same for every command that judges something (lookup, scan, import), so that scripts can act:
  0  done, nothing flagged
  1  done, something flagged (a listed maker's product or device)
  2  error: bad arguments or input, unreadable knowledge base, I/O failure
  3  a scan or import stopped early (its time bound); what it found is saved
  130 interrupted (Ctrl-C / SIGTERM); what was found is saved
Commands that only produce something (demo, plan, kb, serve, …) exit 0 on success and 2 on error.
"""

from __future__ import annotations

import argparse
import sys
import traceback

from scanner import __version__
from scanner.knowledge import KnowledgeError
from sponsorwatch import agent, importer, kb, lab, lookup, plan, scan, server, tenders

COMMANDS = (lookup, scan, importer, agent, lab, plan, kb, server, tenders)
OK, FLAGGED, ERROR, INCOMPLETE, INTERRUPTED = 0, 1, 2, 3, 130


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
        return ERROR
    except BrokenPipeError:
        return 0
    except OSError as exc:
        print(f"sponsorwatch: {exc}", file=sys.stderr)
        return ERROR
    except KeyboardInterrupt:
        return INTERRUPTED
    except Exception:  # a crash must not read as exit status 1 ("something flagged") to a script
        traceback.print_exc()
        print("sponsorwatch: internal error (the traceback above); please report it", file=sys.stderr)
        return ERROR


if __name__ == "__main__":
    sys.exit(main())
