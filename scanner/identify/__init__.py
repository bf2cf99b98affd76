"""Identification engine (pure): text and structured fields → verdict with evidence."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from scanner.identify.engine import FLAG_THRESHOLD, Evidence, Identifier, Verdict
from scanner.knowledge import load

__all__ = ["FLAG_THRESHOLD", "Evidence", "Identifier", "Verdict", "default_identifier", "identify", "sample_titles"]


@lru_cache(maxsize=1)
def default_identifier() -> Identifier:
    return Identifier(load())


def identify(text: str, **fields: str | None) -> Verdict:
    """Judge one text with the bundled knowledge base (fields: brand, model, mpn)."""
    return default_identifier().identify(text, **fields)


def sample_titles() -> list[str]:
    """The bundled sample of real product and tender titles (scanner/samples/titles.txt)."""
    text = (resources.files("scanner") / "samples" / "titles.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
