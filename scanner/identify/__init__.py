"""Identification engine (pure): text and structured fields → verdict with evidence."""

from __future__ import annotations

from functools import lru_cache

from scanner.identify.engine import FLAG_THRESHOLD, Evidence, Identifier, Verdict
from scanner.knowledge import load

__all__ = ["FLAG_THRESHOLD", "Evidence", "Identifier", "Verdict", "default_identifier", "identify"]


@lru_cache(maxsize=1)
def default_identifier() -> Identifier:
    return Identifier(load())


def identify(text: str, **fields: str | None) -> Verdict:
    """Judge one text with the bundled knowledge base (fields: brand, model, mpn, gtin, seller)."""
    return default_identifier().identify(text, **fields)
