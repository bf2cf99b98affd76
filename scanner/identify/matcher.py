"""Compiled matchers built once from the knowledge base: aliases, model families, context cues."""

from __future__ import annotations

import re
import re._constants as sre_c  # type: ignore[import-not-found]
import re._parser as sre_parse  # type: ignore[import-not-found]
from dataclasses import dataclass
from typing import Any, NamedTuple

from rapidfuzz.distance import Levenshtein

from scanner.identify.normalize import alias_key, fold
from scanner.knowledge.model import Alias, Family, KnowledgeBase

FUZZY_MIN_LEN = 7  # shorter aliases (Dahua, Imou, Lorex) are matched exactly only


MEMO_LIMIT = 100_000  # words remembered by the typo matcher before it starts afresh


def _limit(key: str) -> int:
    """Edits tolerated for an alias of this length: one, two past ten letters."""
    return 1 if len(key) <= 10 else 2
_WORD = re.compile(r"\w+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")
# Hyphen after a literal prefix of two or more capitals ("DS-2CD"): people also write "DS 2CD" or "DS2CD".
_LOOSE_HYPHEN = re.compile(r"(?<=[A-Z]{2})-(?=[0-9A-Z])")


class Token(NamedTuple):
    """A word of the folded text (a named tuple: titles have many, and they are made for every title)."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Cues:
    """Which kinds of cue words a text contains at all (the rest need not be looked for)."""

    leading: bool
    trailing: bool
    equivalent: bool
    service: bool


@dataclass(frozen=True)
class AliasHit:
    alias: Alias
    first: int  # index of the first token
    last: int  # index of the last token (inclusive)
    start: int
    end: int
    fuzzy: bool = False


@dataclass(frozen=True)
class ModelHit:
    family: Family
    start: int
    end: int


def _first(items: Any) -> tuple[set[int] | None, bool]:
    """Characters a parsed regex sequence can start with (None: any) and whether it can match empty."""
    chars: set[int] = set()
    for op, arg in items:
        if op is sre_c.LITERAL:
            return chars | {arg}, False
        if op is sre_c.IN:
            for sub_op, sub_arg in arg:
                if sub_op is sre_c.LITERAL:
                    chars.add(sub_arg)
                elif sub_op is sre_c.RANGE:
                    chars.update(range(sub_arg[0], sub_arg[1] + 1))
                else:
                    return None, False
            return chars, False
        if op is sre_c.SUBPATTERN:
            sub, nullable = _first(arg[-1])
        elif op is sre_c.BRANCH:
            sub, nullable = set(), False
            for seq in arg[1]:
                got, empty = _first(seq)
                if got is None:
                    return None, False
                sub |= got
                nullable = nullable or empty
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
            sub, nullable = _first(arg[2])
            nullable = nullable or arg[0] == 0
        elif op in (sre_c.ASSERT, sre_c.ASSERT_NOT, sre_c.AT):
            continue
        else:
            return None, False
        if sub is None:
            return None, False
        chars |= sub
        if not nullable:
            return chars, False
    return chars, True


def first_chars(pattern: str) -> str | None:
    """A character class of every character the pattern can start with, or None if it cannot tell.

    A leading look-ahead with this class lets the regex engine skip most positions at once: a 4x speed-up
    of the combined model-family regex on real titles (bench/lookup_bench.py).
    """
    chars, nullable = _first(sre_parse.parse(pattern))
    if chars is None or nullable:
        return None
    both = {c for ch in map(chr, chars) for c in (ch.lower(), ch.upper())}
    return "[" + "".join(re.escape(c) for c in sorted(both)) + "]"


_new_tuple = tuple.__new__


def tokenize(text: str) -> list[Token]:
    # tuple.__new__ directly: a third faster than calling the named tuple, on the engine's hottest line.
    return [_new_tuple(Token, (m.group(), *m.span())) for m in _WORD.finditer(text)]


def _deletions(word: str, depth: int) -> set[str]:
    """The word with up to `depth` characters deleted (symmetric-delete index for typo tolerance)."""
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


def _phrases(items: tuple[str, ...]) -> dict[str, list[tuple[str, ...]]]:
    """Cue phrases as word tuples, indexed by their last word (the lookup goes backwards from a name)."""
    index: dict[str, list[tuple[str, ...]]] = {}
    for item in items:
        words = tuple(_WORD.findall(fold(item)))
        if words:
            index.setdefault(words[-1], []).append(words)
    return index


class Matcher:
    """Finds alias and model-number mentions in folded text; all the knowledge compiled once."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.by_key: dict[str, Alias] = {}
        self.structured_by_key: dict[str, Alias] = {}
        self.cjk: list[tuple[str, Alias]] = []
        self.starts: dict[str, int] = {}  # first token of a multi-word alias -> most tokens it spans
        self.fuzzy: dict[str, list[tuple[str, Alias]]] = {}  # deletion variant -> (alias key, alias)
        self._memo: dict[str, Alias | None] = {}
        for ent in kb.entities.values():
            for alias in ent.aliases:
                key = alias_key(alias.text)
                self.structured_by_key[key] = alias
                if alias.structured_only:
                    continue
                words = _WORD.findall(fold(alias.text))
                if _CJK.search(alias.text):
                    self.cjk.append((fold(alias.text), alias))
                    continue
                self.by_key[key] = alias
                if len(words) > 1:
                    self.starts[words[0]] = max(self.starts.get(words[0], 1), len(words))
                if len(words) == 1 and len(key) >= FUZZY_MIN_LEN and alias.kind != "legal":
                    for variant in _deletions(key, _limit(key)):
                        self.fuzzy.setdefault(variant, []).append((key, alias))
        for tm in kb.trademarks:
            # A maker's technology name is read like an alias of kind "trademark" (never with typo tolerance).
            alias = Alias(text=tm.term, lang="any", entity=tm.entity, kind="trademark", sources=tm.sources,
                          confidence=tm.confidence)
            self.by_key.setdefault(alias_key(tm.term), alias)
            words = _WORD.findall(fold(tm.term))
            if len(words) > 1:
                self.starts[words[0]] = max(self.starts.get(words[0], 1), len(words))
        self.max_words = max([1, *self.starts.values()])
        # The first word of every alias and trademark: a title with none of these needs no alias scan.
        self.first_words = {_WORD.findall(fold(a.text))[0] for a in self.by_key.values() if _WORD.search(a.text)}
        self.first_words |= {key for key in self.by_key}  # joined keys ("hikvision" for "HIK VISION")

        self.families = list(kb.families)
        parts = []
        for i, fam in enumerate(self.families):
            parts.append(f"(?P<f{i}>{_LOOSE_HYPHEN.sub('[- ]?', fam.pattern)})")
        body = "(?:" + "|".join(parts) + ")"
        lead = first_chars(body)
        self.model_rx = re.compile(
            ("" if lead is None else f"(?={lead})") + r"(?<![0-9A-Za-z])" + body + r"(?![0-9A-Za-z])",
            re.IGNORECASE,
        )
        self.family_rx = {
            fam.id: re.compile(_LOOSE_HYPHEN.sub("[- ]?", fam.pattern), re.IGNORECASE) for fam in self.families
        }

        ctx = kb.context
        self.compatible = _phrases(ctx.compatible)
        self.negation = _phrases(ctx.negation)
        self.trailing = {w for p in ctx.trailing_compatible for w in _WORD.findall(fold(p))}
        self.equivalent = _phrases(ctx.equivalent)
        self.surveillance_rx = re.compile(
            r"(?<!\w)(?:" + "|".join(re.escape(fold(w)) for w in ctx.surveillance) + ")", re.IGNORECASE
        )
        self.max_gap = ctx.max_gap_tokens
        self.eq_window = ctx.equivalent_window_tokens
        self.service = _phrases(ctx.service)
        self.leading_last = set(self.compatible) | set(self.negation)  # last words of the leading cues
        self.service_window = ctx.service_window_tokens
        self.other_makers: dict[str, list[tuple[str, ...]]] = {}
        for name in ctx.other_makers:
            name_words: tuple[str, ...] = tuple(_WORD.findall(fold(name)))
            if name_words:
                self.other_makers.setdefault(name_words[0], []).append(name_words)

    # ---------------------------------------------------------------- aliases
    def aliases(self, tokens: list[Token], text: str) -> list[AliasHit]:
        hits: list[AliasHit] = []
        n = len(tokens)
        # Only words that start an alias, or long words that may misspell one, can begin a hit.
        candidates = [k for k, t in enumerate(tokens) if t.text in self.first_words
                      or (len(t.text) >= FUZZY_MIN_LEN - 1 and self._near_miss(t.text) is not None)]
        next_free = 0
        for i in candidates:
            if i < next_free:
                continue
            tok = tokens[i].text
            span = self.starts.get(tok, 1)
            found: AliasHit | None = None
            for width in range(min(span, n - i), 0, -1):
                key = tok if width == 1 else "".join(t.text for t in tokens[i:i + width])
                alias = self.by_key.get(key)
                if alias is not None:
                    last = i + width - 1
                    found = AliasHit(alias, i, last, tokens[i].start, tokens[last].end)
                    break
            if found is None and len(tok) >= FUZZY_MIN_LEN - 1:
                found = self._fuzzy(tok, i, tokens[i])
            if found is not None:
                hits.append(found)
                next_free = found.last + 1
        if self.cjk and _CJK.search(text):
            for folded_alias, alias in self.cjk:
                pos = text.find(folded_alias)
                if pos >= 0:
                    idx = next((k for k, t in enumerate(tokens) if t.end > pos), max(n - 1, 0))
                    hits.append(AliasHit(alias, idx, idx, pos, pos + len(folded_alias)))
        return hits

    def _near_miss(self, tok: str) -> Alias | None:
        """The long alias this word misspells (one edit, two past ten letters), via the deletion index. Titles
        share most of their words, so answers are remembered (bounded: the memo is dropped when full)."""
        if tok in self._memo:
            return self._memo[tok]
        found = None
        if tok.isalpha():  # a word with digits is a model number or a size, never a misspelt brand
            seen: set[str] = set()
            for variant in _deletions(tok, 2 if len(tok) > 10 else 1):
                for key, alias in self.fuzzy.get(variant, ()):
                    if key in seen or key == tok or key[0] != tok[0] or abs(len(key) - len(tok)) > 1:
                        continue
                    seen.add(key)
                    limit = _limit(key)
                    if Levenshtein.distance(tok, key, score_cutoff=limit) <= limit:
                        found = alias
                        break
                if found is not None:
                    break
        if len(self._memo) >= MEMO_LIMIT:
            self._memo.clear()
        self._memo[tok] = found
        return found

    def _fuzzy(self, tok: str, index: int, token: Token) -> AliasHit | None:
        alias = self._near_miss(tok)
        return None if alias is None else AliasHit(alias, index, index, token.start, token.end, fuzzy=True)

    @staticmethod
    def words(text: str) -> set[str]:
        return set(_WORD.findall(text))

    def may_match(self, words: set[str], text: str) -> bool:
        """A cheap test first: could anything in this text be an alias, a trademark or a near miss of one?
        (Model numbers are searched separately.) Most titles of other makers' goods stop here."""
        if not words.isdisjoint(self.first_words):
            return True
        for word in words:
            if len(word) >= FUZZY_MIN_LEN - 1 and self._near_miss(word) is not None:
                return True
        return bool(self.cjk) and _CJK.search(text) is not None

    def cues_present(self, words: set[str]) -> Cues:
        return Cues(leading=not words.isdisjoint(self.leading_last), trailing=not words.isdisjoint(self.trailing),
                    equivalent=not words.isdisjoint(self.equivalent), service=not words.isdisjoint(self.service))

    def structured_alias(self, value: str) -> Alias | None:
        return self.structured_by_key.get(alias_key(value))

    # ---------------------------------------------------------------- models
    def models(self, text: str) -> list[ModelHit]:
        hits = []
        for m in self.model_rx.finditer(text):
            group = m.lastgroup
            if group is not None:
                hits.append(ModelHit(self.families[int(group[1:])], m.start(), m.end()))
        return hits

    # ---------------------------------------------------------------- context
    def _phrase_ending_at(self, tokens: list[Token], end: int, phrases: dict[str, list[tuple[str, ...]]]) -> bool:
        """Does some phrase end exactly at token index `end` (inclusive)?"""
        for phrase in phrases.get(tokens[end].text, ()):
            first = end - len(phrase) + 1
            if first >= 0 and all(tokens[first + k].text == w for k, w in enumerate(phrase)):
                return True
        return False

    def leading_cue(self, tokens: list[Token], first: int, text: str) -> str | None:
        """'compatible' or 'negation' if such a cue stands just before token `first` in the same clause. With
        words between the cue and the name, the last of them must name a device ("для камер Hikvision"):
        in "контролер для однієї двері Hikvision" the "для" is about the door, not the maker."""
        for gap in range(0, self.max_gap + 1):
            end = first - 1 - gap
            if end < 0:
                return None
            between = text[tokens[end].end:tokens[first].start]
            if any(c in between for c in ".;|!?\n"):
                return None
            if gap and not self.surveillance_rx.match(tokens[first - 1].text):
                continue
            if self._phrase_ending_at(tokens, end, self.negation):
                return "negation"
            if self._phrase_ending_at(tokens, end, self.compatible):
                return "compatible"
        return None

    def trailing_cue(self, tokens: list[Token], last: int) -> bool:
        return last + 1 < len(tokens) and tokens[last + 1].text in self.trailing

    def equivalent_after(self, tokens: list[Token], last: int, text: str) -> bool:
        stop = min(len(tokens), last + 1 + self.eq_window)
        for end in range(last + 1, stop):
            between = text[tokens[last].end:tokens[end].start]
            if any(c in between for c in ";\n"):
                return False
            if self._phrase_ending_at(tokens, end, self.equivalent):
                return True
        return False

    def service_cue(self, tokens: list[Token]) -> int | None:
        """Whether a service word stands among the first words of a title ("Монтаж камер Hikvision", "Hikvision
        CCTV dealer in …"): -1 if so, so that it applies to every name in the title; None otherwise."""
        for end in range(min(len(tokens), self.service_window)):
            if self._phrase_ending_at(tokens, end, self.service):
                return -1
        return None

    def other_maker(self, tokens: list[Token], within: int) -> int | None:
        """The index of the first token of another camera maker's name among the first `within` tokens."""
        for i in range(min(len(tokens), within)):
            for words in self.other_makers.get(tokens[i].text, ()):
                if all(i + k < len(tokens) and tokens[i + k].text == w for k, w in enumerate(words)):
                    return i
        return None

    def about_surveillance(self, text: str) -> bool:
        return self.surveillance_rx.search(text) is not None
