"""The real-title corpora (tests/data/real_titles.tsv, real_brand_titles.tsv): one row format, one scorer.

Columns: lang, expected (the maker or company whose product it is, or -), category, title, note, source (always
last). Rows whose note says "doubtful: why" are kept and reported but not scored.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from scanner.identify import Identifier

DOUBTFUL = re.compile(r"\bdoubtful\b", re.IGNORECASE)


@dataclass(frozen=True)
class Row:
    line: int
    lang: str
    expected: str
    category: str
    title: str
    note: str
    source: str

    @property
    def doubtful(self) -> bool:
        return DOUBTFUL.search(self.note) is not None


def read_rows(path: Path) -> list[Row]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        assert len(parts) == 6, f"{path.name} line {n}: {len(parts)} columns"
        lang, expected, category, title, note, source = parts
        out.append(Row(n, lang, expected, category, title, note, source))
    return out


def score(engine: Identifier, rows: list[Row]) -> tuple[dict[str, Counter[str]], list[str]]:
    """Outcome counts per language, per language/category, per category and overall; and the misses."""
    stats: dict[str, Counter[str]] = defaultdict(Counter)
    misses = []
    for r in rows:
        v = engine.identify(r.title)
        positive = r.expected != "-"
        if v.flagged and positive and v.vendor == r.expected:
            outcome = "tp"
        elif v.flagged:
            outcome = "fp"
        else:
            outcome = "fn" if positive else "tn"
        if r.doubtful:
            stats["doubtful"][outcome] += 1
            continue
        for key in (r.lang, f"{r.lang}/{r.category}", f"all/{r.category}", "all"):
            stats[key][outcome] += 1
        if outcome in ("fp", "fn"):
            misses.append(f"{outcome} [{r.lang} {r.category}] {r.title!r} -> {v.vendor} {v.brand} {v.relation} "
                          f"{v.confidence:.2f} (line {r.line})")
    return stats, misses


def precision_recall(s: Counter[str]) -> tuple[float, float]:
    return s["tp"] / max(s["tp"] + s["fp"], 1), s["tp"] / max(s["tp"] + s["fn"], 1)
