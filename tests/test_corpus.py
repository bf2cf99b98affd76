"""The labelled corpus: precision ≥ 0.99 and recall ≥ 0.97 overall and per language."""

from __future__ import annotations

from collections import defaultdict

from scanner.identify import Identifier
from tests.conftest import corpus

PRECISION_MIN = 0.99
RECALL_MIN = 0.97


def test_corpus_is_large_and_covers_three_languages() -> None:
    rows = corpus()
    assert len(rows) >= 400
    langs = {lang for lang, _, _ in rows}
    assert langs == {"en", "uk", "ru"}
    for lang in langs:
        labels = [exp for la, exp, _ in rows if la == lang]
        assert labels.count("-") >= 40 and len(labels) - labels.count("-") >= 40


def test_precision_and_recall_per_language(engine: Identifier) -> None:
    stats: dict[str, dict[str, int]] = defaultdict(lambda: {"tp": 0, "fp": 0, "fn": 0, "tn": 0})
    mistakes = []
    for lang, expected, title in corpus():
        verdict = engine.identify(title)
        positive = expected != "-"
        if verdict.flagged and positive and verdict.vendor == expected:
            outcome = "tp"
        elif verdict.flagged:
            outcome = "fp"
        elif positive:
            outcome = "fn"
        else:
            outcome = "tn"
        for key in (lang, "all"):
            stats[key][outcome] += 1
        if outcome in ("fp", "fn"):
            mistakes.append(f"{outcome} [{lang}] {title!r} -> {verdict.vendor} {verdict.relation} "
                            f"{verdict.confidence:.2f}")
    report = []
    for key, s in sorted(stats.items()):
        precision = s["tp"] / max(s["tp"] + s["fp"], 1)
        recall = s["tp"] / max(s["tp"] + s["fn"], 1)
        report.append((key, precision, recall, s))
        print(f"{key:4} precision {precision:.3f} recall {recall:.3f} {dict(s)}")
    for line in mistakes:
        print(line)
    for key, precision, recall, _ in report:
        assert precision >= PRECISION_MIN, (key, precision, mistakes)
        assert recall >= RECALL_MIN, (key, recall, mistakes)
