"""`sponsorwatch tenders watch` against the local Prozorro: a feed of several pages filtered by CPV and buyer, the
checkpoint in the inventory, a watch killed midway and resumed (nothing judged twice, nothing skipped), and a
changed tender judged again in its new version only."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from scanner.storage import Inventory
from scanner.tenders import AuditOptions, ProzorroClient, TenderAuditor, TenderWatch, WatchOptions
from tests.tenders.conftest import options
from tests.tenders.replay import Fault, Replay
from tests.tenders.scenarios import OTHER_BUYER, Builder, item

ROOT = Path(__file__).resolve().parents[2]
SINCE = "2023-11-14"  # before the builder's first public_modified (1,700,000,000 = 2023-11-14T22:13Z)


def feed_of(builder: Builder, n: int) -> tuple[set[str], set[str]]:
    """n tenders: every third about school canteens (another CPV), every fifth another buyer's; a sponsor item in
    every other one. Returns (ids the watch must judge, ids of flagged ones)."""
    relevant, flagged = set(), set()
    for i in range(n):
        canteen = i % 3 == 2
        sponsor = i % 2 == 0
        text = "Відеокамера Hikvision DS-2CD1043G2-I" if sponsor else "Камера відеоспостереження IP 4 Мп"
        it = item("Послуги шкільних їдалень", "55523100-3", "Послуги з харчування у школах") if canteen else item(text)
        t = builder.tender(f"Закупівля {i}", [it], buyer=OTHER_BUYER if i % 5 == 4 else "21725150")
        if not canteen:
            relevant.add(t["id"])
            if sponsor:
                flagged.add(t["id"])
    return relevant, flagged


def judged(db: str) -> dict[str, int]:
    rows, _ = Inventory(db).list_tenders(limit=1000)
    return {r["id"]: r["judged"] for r in rows}


def test_the_feed_filtered_by_cpv_and_buyer(replay: Replay, builder: Builder, tmp_path: Path) -> None:
    relevant, flagged = feed_of(builder, 25)
    others = {tid for tid, t in replay.tenders.items() if t["procuringEntity"]["identifier"]["id"] == OTHER_BUYER}
    db = f"sqlite:///{tmp_path / 'w.db'}"
    inv = Inventory(db)
    with ProzorroClient(options(replay)) as client:
        watch = TenderWatch(inv, TenderAuditor(client, AuditOptions(documents=False)),
                            WatchOptions(buyer="21725150", since=dt.date(2023, 11, 14), once=True, page_limit=4))
        stats = watch.run()
    assert set(judged(db)) == relevant - others
    assert stats.pages == 7 and stats.seen == 25 and stats.other_buyer == len(others)
    assert stats.flagged == len(flagged - others)
    # the feed's opt_fields named the buyer: other buyers' tenders were never fetched
    fetched = {p.split("/")[-1] for _, _, p in replay.requests("/api/2.5/tenders/")}
    assert not fetched & others
    rows, total = inv.list_tenders(flagged=True, cpv="3223")
    assert total == len(flagged - others) and all(r["vendors"] == ["hikvision"] for r in rows)


def _watch(replay: Replay, db: str, *extra: str) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "sponsorwatch", "tenders", "watch", "--api", f"{replay.base}/api/2.5", "--portal",
           replay.base, "--since", SINCE, "--once", "--page-size", "4", "--rate", "0", "--db", db, "--format", "json",
           *extra]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_a_watch_killed_midway_resumes_without_judging_twice(replay: Replay, builder: Builder,
                                                               tmp_path: Path) -> None:
    relevant, flagged = feed_of(builder, 30)
    db = f"sqlite:///{tmp_path / 'w.db'}"
    Inventory(db)  # migrated before the watch starts, so the test can count while it runs
    replay.delays["/api/2.5/tenders/"] = 0.15  # slow details: the kill lands in the middle of a page
    proc = _watch(replay, db)
    deadline = time.monotonic() + 60
    while len(judged(db)) < 7 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    first = judged(db)
    assert 7 <= len(first) < len(relevant), "the watch was not killed midway"
    replay.delays.clear()
    out, _ = _watch(replay, db).communicate(timeout=120)
    second = judged(db)
    assert set(second) == relevant  # nothing skipped
    assert set(second.values()) == {1}  # nothing judged twice
    lines: list[dict[str, Any]] = [json.loads(x) for x in out.splitlines()]
    assert {x["id"] for x in lines} == relevant - set(first)  # the resumed run judged exactly the rest
    assert {x["id"] for x in lines if x["flagged"]} | {i for i in first if i in flagged} == flagged

    # a changed tender: its new version is judged once more, nothing else is
    changed = replay.tenders[sorted(relevant)[0]]
    builder.touch(changed, title="Закупівля камер (зміни)")
    out, _ = _watch(replay, db).communicate(timeout=120)
    assert [json.loads(x)["id"] for x in out.splitlines()] == [changed["id"]]
    third = judged(db)
    assert third[changed["id"]] == 2 and sum(third.values()) == len(relevant) + 1
    checkpoint = Inventory(db).tender_detail(changed["id"])
    assert checkpoint is not None and checkpoint["title"] == "Закупівля камер (зміни)"


def test_an_unreachable_feed_keeps_the_checkpoint(replay: Replay, builder: Builder, tmp_path: Path) -> None:
    feed_of(builder, 6)
    db = f"sqlite:///{tmp_path / 'w.db'}"
    replay.fault("/api/2.5/tenders", *[Fault(status=503)] * 10)
    proc = _watch(replay, db, "--timeout", "2")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 3 and "checkpoint is kept" in err
    replay.faults.clear()
    proc = _watch(replay, db)
    proc.communicate(timeout=120)
    assert proc.returncode == 1 and len(judged(db)) == 4
