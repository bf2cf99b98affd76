"""Fixtures: a local Prozorro (tests/tenders/replay.py) on loopback, tenders built from the docs' shapes, and a
client pointed at it with short backoffs (the waits themselves are real)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scanner.tenders import ClientOptions
from tests.tenders.replay import Replay, serve
from tests.tenders.scenarios import Builder


@pytest.fixture()
def replay() -> Iterator[Replay]:
    r = Replay()
    with serve(r):
        yield r


@pytest.fixture()
def builder(replay: Replay) -> Builder:
    return Builder(replay)


def options(replay: Replay, **kw: object) -> ClientOptions:
    """A client of the replay: its API and portal, retries 4 times with 50 ms backoff, no rate limit."""
    base = dict(api=f"{replay.base}/api/2.5", portal=replay.base, document_hosts=(), tries=4, backoff_s=0.05,
                max_backoff_s=0.2, rate_per_s=0.0, timeout_s=5.0)
    base.update(kw)
    return ClientOptions(**base)  # type: ignore[arg-type]
