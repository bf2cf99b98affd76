"""Unicode normalisation for matching: NFKC, casefold, dashes unified, ®/™ dropped — with a map back to the input."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Dashes and minus signs people paste into model numbers ("DS‑2CD2143G2‑I" with U+2011) become "-";
# trademark signs become spaces so that "Hikvision®" is still a whole word and offsets stay aligned.
_MAP = str.maketrans(
    {**{c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"},
     **{c: " " for c in "\u00ae\u2122\u00a9\u2120"}}
)
_WORD = re.compile(r"\w+")
# Text made only of ASCII and the basic Cyrillic block (Ukrainian and Russian titles), which NFKC does not
# change and casefolding maps into itself: one casefold is its whole fold.
_PLAIN = re.compile(r"[\x00-\x7f\u0400-\u045f\u0490\u0491]*")
_MAX_ROUNDS = 4


def fold(text: str) -> str:
    """The normal form used for all matching; idempotent (fold(fold(x)) == fold(x))."""
    if text.isascii():
        return text.lower()  # NFKC is the identity on ASCII, casefold is lower, and _MAP maps no ASCII
    if _PLAIN.fullmatch(text):
        return text.casefold()  # ASCII and precomposed Cyrillic only: NFKC leaves them, casefold stays inside
    current = text
    for _ in range(_MAX_ROUNDS):
        nxt = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", current.translate(_MAP)).casefold())
        if nxt == current:
            return current
        current = nxt
    return current


def alias_key(text: str) -> str:
    """Key under which an alias is stored: its folded words joined without separators."""
    return "".join(_WORD.findall(fold(text)))


@dataclass(frozen=True)
class Normalized:
    """Folded text plus, for each folded character, the index of the input character it came from."""

    text: str
    origin: tuple[int, ...] | None  # None: one-to-one with the input

    def span(self, start: int, end: int, source_len: int) -> tuple[int, int]:
        """Map a [start, end) span of the folded text back onto the input text."""
        if self.origin is None:
            return start, end
        if not self.origin:
            return 0, 0
        s = self.origin[min(start, len(self.origin) - 1)]
        e = self.origin[end - 1] + 1 if end > start else s
        return s, min(max(e, s), source_len)


def normalize(text: str) -> Normalized:
    folded = fold(text)
    if len(folded) == len(text):
        return Normalized(folded, None)
    origin: list[int] = []
    for i, ch in enumerate(text):
        origin.extend([i] * len(fold(ch)))
    if len(origin) != len(folded):
        # Composition across characters (e.g. a base letter plus a combining mark) changed the length:
        # fall back to a proportional map, which keeps spans inside the input and close to the truth.
        ratio = len(text) / max(len(folded), 1)
        origin = [min(int(j * ratio), len(text) - 1) for j in range(len(folded))]
    return Normalized(folded, tuple(origin))
