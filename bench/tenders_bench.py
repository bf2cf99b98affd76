"""Benchmark the tender watch over a local feed of 20,000 tenders: tenders/s and items/s with documents off and
on, and the watch's peak memory (max RSS of the `sponsorwatch tenders watch` process).

The feed is the replay server of the tests (tests/tenders/replay.py: the official docs' response shapes and the
API's own paging rules) on 127.0.0.1; each tender is the docs' completed tender (bids, criteria, awards and
contracts left out) with 3 items under surveillance CPV codes, so every tender is judged; 5 % have a sponsor item,
10 % a tech-spec document (.docx, .pdf or .xlsx written by python-docx, pypdf and openpyxl; half of them naming a
sponsor model). Run inside a network namespace (it only talks to 127.0.0.1 anyway):
  /tmp/nt.sh .venv/bin/python bench/tenders_bench.py [--tenders 20000] [--page-size 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.tenders.replay import Replay, real_document, real_tender, serve  # noqa: E402
from tests.tenders.scenarios import DOCX, XLSX, docx_bytes, pdf_bytes, xlsx_bytes  # noqa: E402

ITEMS = 3
SPONSOR_EVERY = 20  # 5 %
DOCUMENT_EVERY = 10  # 10 %


class BenchReplay(Replay):
    """The replay with tender details rendered from one template per request (20,000 full tenders held as Python
    objects would be gigabytes; the feed needs only a few fields of each)."""

    def __init__(self) -> None:
        super().__init__()
        base = real_tender()
        for key in ("bids", "criteria", "awards", "contracts", "lots", "documents", "description"):
            base.pop(key, None)
        item = base["items"][0]
        item.pop("relatedLot", None)
        item["classification"] = {"description": "Камери відеоспостереження", "scheme": "ДК021", "id": "32234000-2"}
        self.item = item
        base.update(id="@ID@", tenderID="@TID@", title="@TITLE@", dateModified="@DM@", items="@ITEMS@",
                    documents="@DOCS@", status="active.tendering")
        self.template = json.dumps({"data": base}, ensure_ascii=False)
        self.specs: dict[str, tuple[list[str], list[dict[str, Any]]]] = {}

    def add(self, n: int, texts: list[str], docs: list[dict[str, Any]]) -> None:
        tid = f"{n:032x}"
        self.tenders[tid] = {"id": tid, "tenderID": f"UA-2024-05-07-{n:06d}-a", "status": "active.tendering",
                             "dateModified": f"2024-05-07T12:00:00.{n:06d}+03:00",
                             "procuringEntity": {"name": "ЗОСШ #10 м.Вінниці", "identifier": {"id": "21725150"}}}
        self.modified[tid] = 1_700_000_000.0 + n * 0.5
        self.specs[tid] = (texts, docs)

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, bytes, str]:
        if path.startswith("/api/2.5/tenders/"):
            tid = path.rsplit("/", 1)[1]
            if tid in self.specs:
                texts, docs = self.specs[tid]
                meta = self.tenders[tid]
                items = [{**self.item, "id": f"{tid[:28]}{i:04x}", "description": t} for i, t in enumerate(texts)]
                body = (self.template.replace('"@ITEMS@"', json.dumps(items, ensure_ascii=False))
                        .replace('"@DOCS@"', json.dumps(docs, ensure_ascii=False)).replace("@ID@", tid)
                        .replace("@TID@", meta["tenderID"]).replace("@TITLE@", f"Закупівля відеокамер {tid[-6:]}")
                        .replace("@DM@", meta["dateModified"]))
                return 200, body.encode(), "application/json"
        return super().answer(path, query)


def build(replay: BenchReplay, n: int) -> tuple[int, int]:
    specs = [("ТЗ.docx", DOCX, lambda s: docx_bytes(["Технічні вимоги", s])),
             ("spec.pdf", "application/pdf", lambda s: pdf_bytes([["Technical requirements", s]])),
             ("Специфікація.xlsx", XLSX, lambda s: xlsx_bytes([["Найменування", "Модель"], ["Камера", s]]))]
    bodies = {}
    for k, (title, fmt, make) in enumerate(specs):
        for sponsor in (True, False):
            text = "IP camera Hikvision DS-2CD2143G2-I or equivalent" if sponsor else "IP camera 4 MP, IR 30 m"
            bodies[(k, sponsor)] = (title, fmt, replay.put_document(f"d{k}{int(sponsor)}", make(text), fmt))
    items = docs = 0
    for i in range(n):
        texts = ["Камера відеоспостереження IP 4 Мп", "Кабель UTP cat.5e", "Блок живлення 12 В"]
        if i % SPONSOR_EVERY == 0:
            texts[0] = "Відеокамера IP Hikvision DS-2CD2143G2-I"
        doc_list = []
        if i % DOCUMENT_EVERY == 3:
            title, fmt, url = bodies[(i // DOCUMENT_EVERY % 3, i // DOCUMENT_EVERY % 2 == 0)]
            doc = real_document()
            doc.update(id=f"{i:032x}", title=title, format=fmt, url=url, documentType="technicalSpecifications")
            doc_list.append(doc)
            docs += 1
        replay.add(i, texts, doc_list)
        items += len(texts)
    return items, docs


def run_watch(base: str, db: str, documents: bool, page_size: int) -> tuple[float, int, int, int]:
    cmd = [sys.executable, "-m", "sponsorwatch", "tenders", "watch", "--api", f"{base}/api/2.5", "--portal", base,
           "--since", "2023-11-14", "--once", "--rate", "0", "--page-size", str(page_size), "--db", db,
           "--format", "json", *([] if documents else ["--no-documents"])]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"watch failed ({proc.returncode}): {proc.stderr[-2000:]}")
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    rss_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, len(results), sum(r["flagged"] for r in results), rss_kib


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenders", type=int, default=20_000)
    parser.add_argument("--page-size", type=int, default=1000)
    args = parser.parse_args()
    replay = BenchReplay()
    with serve(replay):
        items, docs = build(replay, args.tenders)
        print(f"feed: {args.tenders:,} tenders, {items:,} items, {docs:,} with a document "
              f"({args.tenders // SPONSOR_EVERY:,} with a sponsor item); replay server on {replay.base}")
        with tempfile.TemporaryDirectory() as tmp:
            for documents in (False, True):
                db = f"sqlite:///{tmp}/bench-{int(documents)}.db"
                seconds, judged, flagged, rss = run_watch(replay.base, db, documents, args.page_size)
                print(f"documents {'on ' if documents else 'off'}: {judged:,} tenders judged ({flagged:,} flagged) in "
                      f"{seconds:.1f} s = {judged / seconds:,.0f} tenders/s, {items / seconds:,.0f} items/s; "
                      f"peak RSS of the watch so far {rss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
