"""Consumer-brand verdicts on real shop titles nobody here wrote: per-language precision and recall.

tests/data/real_brand_titles.tsv holds product titles copied verbatim from public shop data (Ukrainian and Russian
supermarket scrapes, US grocery samples), each with its source, labelled with the NACP-listed company whose
product it is today (or -). Rows whose label is doubtful ("doubtful: why" in the note) are kept and reported but
not scored. The camera corpus (tests/test_real_corpus.py) keeps its own figures: brand rules must not move them.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from scanner.identify import Identifier
from scanner.knowledge import load
from tests.corpus_tsv import Row, precision_recall, read_rows, score

DATA = Path(__file__).resolve().parent / "data" / "real_brand_titles.tsv"
PRECISION_MIN = 0.98
RECALL_MIN = 0.95
LANGS = ("en", "uk", "ru")
# A language is scored when the corpus holds at least this many scored rows of it and this many of them are a
# listed company's products; below that a single title would swing the figure by several points.
MIN_ROWS = 150
MIN_POSITIVES = 25
SOURCE = re.compile(r"^(?:https://\S+|[\w.-]+/[\w.-]+@[0-9a-f]{7,40}:\S.*)$")


def rows() -> list[Row]:
    return read_rows(DATA)


def scored_langs(data: list[Row]) -> list[str]:
    n = Counter(r.lang for r in data if not r.doubtful)
    pos = Counter(r.lang for r in data if not r.doubtful and r.expected != "-")
    return [lang for lang in LANGS if n[lang] >= MIN_ROWS and pos[lang] >= MIN_POSITIVES]


def test_the_corpus_is_large_sourced_and_labelled_with_listed_companies() -> None:
    data = rows()
    kb = load()
    listed = {e.entity for d in kb.designations.values() for e in d.entries}
    assert len(data) >= 1100
    for r in data:
        assert r.lang in LANGS, r
        assert r.expected == "-" or r.expected in listed, r
        assert SOURCE.match(r.source), f"line {r.line}: source {r.source!r} is not a URL or repo@commit:path"
        assert r.title == r.title.strip() and r.title, r
    titles = [r.title for r in data]
    assert len(titles) == len(set(titles)), "duplicate titles"
    assert set(scored_langs(data)) == set(LANGS), "every language must have enough rows to be scored"
    positives = sum(r.expected != "-" for r in data)
    assert positives >= 470, positives
    # Hard negatives: titles that carry a listed company's brand spelling but are not its product (a sold brand,
    # an ordinary word, another maker's goods).
    def words(text: str) -> str:
        return " " + " ".join(re.findall(r"\w+", text.casefold())) + " "

    spellings = {words(s) for b in kb.brands for s in b.spellings}
    traps = [r for r in data if r.expected == "-" and any(sp in words(r.title) for sp in spellings)]
    assert len(traps) >= 75, len(traps)


@pytest.mark.parametrize("lang", scored_langs(rows()))
def test_precision_and_recall_on_real_brand_titles(engine: Identifier, lang: str) -> None:
    stats, misses = score(engine, rows())
    for key in sorted(k for k in stats if k == "all" or k.startswith(lang)):
        precision, recall = precision_recall(stats[key])
        print(f"{key:24} precision {precision:.3f} recall {recall:.3f} {dict(stats[key])}")
    print("doubtful rows (not scored):", dict(stats["doubtful"]))
    print("\n".join(m for m in misses if f"[{lang} " in m))
    precision, recall = precision_recall(stats[lang])
    assert precision >= PRECISION_MIN, (lang, precision, [m for m in misses if f"[{lang} " in m])
    assert recall >= RECALL_MIN, (lang, recall, [m for m in misses if f"[{lang} " in m])
