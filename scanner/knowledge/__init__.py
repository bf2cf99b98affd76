"""The knowledge base: who makes what, how companies relate, which lists name them — all data with sources."""

from __future__ import annotations

from functools import lru_cache

from scanner.knowledge.loader import KnowledgeError, load_from
from scanner.knowledge.model import KnowledgeBase
from scanner.knowledge.oui import OuiTable, shipped_table

__all__ = ["KnowledgeBase", "KnowledgeError", "load", "oui_table"]


@lru_cache(maxsize=1)
def load() -> KnowledgeBase:
    """The bundled knowledge base (parsed once per process)."""
    return load_from()


@lru_cache(maxsize=1)
def oui_table() -> OuiTable:
    """The shipped MAC prefix table (ouis.tsv, derived from the IEEE registry and nmap's; read once)."""
    return shipped_table()
