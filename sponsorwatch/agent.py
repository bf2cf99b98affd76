"""`sponsorwatch agent --config agent.toml`: keep watching — scheduled scans and imports, uploads with a local
spool, one instance at a time, clean stop on SIGTERM (see docs/agent.md)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
import time
from typing import Any

from scanner.agent import Agent, AgentError, InstanceLock, describe, load_config
from scanner.untrusted import terminal_text


def _log(message: str) -> None:
    print(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} sponsorwatch agent: {terminal_text(message)}", file=sys.stderr,
          flush=True)


def cmd_agent(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
        lock = InstanceLock(config.state_dir / "agent.lock")
        lock.acquire()
    except (AgentError, OSError) as exc:
        print(f"sponsorwatch agent: {terminal_text(exc)}", file=sys.stderr)
        return 2
    try:
        agent = Agent(config, _log)

        async def main() -> None:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                with contextlib.suppress(NotImplementedError):  # Windows: Ctrl-C only
                    loop.add_signal_handler(sig, agent.stop.set)
            _log(f"started ({describe(config)})")
            await (agent.run_once() if args.once else agent.run_forever())

        asyncio.run(main())
        _log("stopped")
        return 0
    finally:
        lock.release()


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("agent", help="keep watching: scheduled scans and imports, uploaded (spooled if the server "
                                     "is down)", epilog="exit status: 0 stopped cleanly, 2 bad config or another "
                                                        "agent already running")
    p.add_argument("--config", required=True, help="agent.toml (see docs/agent.md)")
    p.add_argument("--once", action="store_true", help="run every job once, send what waits, exit (for cron)")
    p.set_defaults(func=cmd_agent)
