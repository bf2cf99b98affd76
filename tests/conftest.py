"""Shared fixtures: the bundled knowledge base and engine, the labelled title corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.identify import Identifier
from scanner.knowledge import KnowledgeBase, load

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load()


@pytest.fixture(scope="session")
def engine(kb: KnowledgeBase) -> Identifier:
    return Identifier(kb)


def corpus() -> list[tuple[str, str, str]]:
    rows = []
    for line in (DATA / "titles.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        lang, expected, title = line.split("\t")
        rows.append((lang, expected, title))
    return rows
