"""Consumer brands of NACP-listed companies (Ariel → Procter & Gamble): a brand name counts only with evidence
that the product is that brand's — a product-type word of the brand's own kind, the page's category or
breadcrumbs, the page's brand field, or the name leading the title — never for an ordinary word alone."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from scanner.identify.matcher import Token, tokenize
from scanner.identify.normalize import alias_key, fold, normalize
from scanner.knowledge.model import CONFIDENCE_WEIGHT, Brand, KnowledgeBase

# Evidence weights: the page's brand field › a product-type word of the brand's kind in the title or in the page's
# category/breadcrumbs › the name leading the title.
EVIDENCE_WEIGHT = {"brand-field": 0.95, "product-type": 0.9, "category": 0.9, "title-start": 0.8}
START_TOKENS = 3  # "Milka Шоколад …", "Шоколад Milka …", "Пральний порошок Ariel …": the brand within the first words
MAX_TEXT_CHARS = 20_000
# A spelling of at most this many letters ("M&M", "LD") is initials that many firms share: like an ordinary-word
# name it counts only beside a word of its brand's kind.
SHORT_LETTERS = 2
# "Compatible with … original Nespresso machines", "Nespresso Original compatible": an explicit compatibility word
# counts this many words away from the name (the bare "for"/"для" must touch it: "Гель для прання Ariel" is Ariel's).
COMPATIBLE_GAP = 2
COMPATIBLE_AFTER = 3
_WORD = re.compile(r"\w+")
_ALPHA = re.compile(r"[^\W\d_]+")
_APOSTROPHES = frozenset("'’`ʼ")


@dataclass(frozen=True)
class TypeWords:
    """Folded product-type words: exact tokens and word starts (a trailing * in the data)."""

    exact: frozenset[str]
    prefixes: tuple[str, ...]

    def matches(self, token: str) -> bool:
        return token in self.exact or token.startswith(self.prefixes)

    @classmethod
    def of(cls, words: Iterable[str]) -> TypeWords:
        exact, prefixes = set(), []
        for w in words:
            key = fold(w.strip())
            if key.endswith("*"):
                prefixes.append(key[:-1])
            elif key:
                exact.add(key)
        return cls(frozenset(exact), tuple(sorted(prefixes)))


@dataclass(frozen=True)
class BrandMatch:
    """A brand found with its evidence: `kinds` (brand-field, product-type, title-start), the words quoted."""

    brand: Brand
    term: str
    span: tuple[int, int] | None
    kinds: tuple[str, ...]
    type_word: str | None
    score: float
    sold: bool

    @property
    def detail(self) -> str:
        why = []
        if "brand-field" in self.kinds and self.span is not None:
            why.append("the page's brand field names it too")
        if "product-type" in self.kinds:
            why.append(f"beside '{self.type_word}'")
        if "category" in self.kinds:
            why.append(f"in a page category naming '{self.type_word}'")
        if "title-start" in self.kinds:
            why.append("leading the title")
        return ", ".join(why)


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(fold(text)))


def spelling_forms(spelling: str) -> list[tuple[str, ...]]:
    """The folded words of a spelling, plus its possessive written without the apostrophe as shops often do
    ("Uncle Ben's" → uncle bens, "Hellmann's" → hellmanns, "M&M's" → m ms)."""
    folded = fold(spelling)
    words = tuple(_WORD.findall(folded))
    if not words:
        return []
    forms = [words]
    joined: list[str] = []
    for m in _WORD.finditer(folded):
        if m.group() == "s" and joined and m.start() > 0 and folded[m.start() - 1] in _APOSTROPHES:
            joined[-1] += "s"
        else:
            joined.append(m.group())
    if tuple(joined) != words:
        forms.append(tuple(joined))
    return forms


def _type_candidates(tokens: list[Token]) -> list[tuple[int, str]]:
    """(token index, word) to look product-type words up in: each token, and the letter runs of a token that
    glues letters to digits as shop feeds do ("вол400мл", "Шам2в1")."""
    out = [(i, t.text) for i, t in enumerate(tokens)]
    for i, t in enumerate(tokens):
        if not t.text.isalpha() and not t.text.isdigit():
            out.extend((i, run) for run in _ALPHA.findall(t.text))
    return out


class BrandMatcher:
    """Built once per knowledge base; `match` is pure and cheap on titles that name no brand (one set lookup
    per word)."""

    def __init__(self, kb: KnowledgeBase, today: str | None = None) -> None:
        self.kb = kb
        self._today = today or dt.date.today().isoformat()
        self._types = {t.id: TypeWords.of(t.words) for t in kb.product_types.values()}
        self._excludes = {t.id: TypeWords.of(t.excludes) for t in kb.product_types.values()}
        # First word of each spelling → (spelling words, brand), longest spelling first.
        self._index: dict[str, list[tuple[tuple[str, ...], Brand, bool]]] = {}  # … and whether it is initials
        self._keys: dict[str, list[Brand]] = {}
        for b in kb.brands:
            for sp in b.spellings:
                for words in spelling_forms(sp):
                    entry = (words, b, sum(map(len, words)) <= SHORT_LETTERS)
                    if entry not in self._index.setdefault(words[0], []):
                        self._index[words[0]].append(entry)
                self._keys.setdefault(alias_key(sp), []).append(b)
        for entries in self._index.values():
            entries.sort(key=lambda e: -len(e[0]))
        # Compatible cues ("for", "для", "сумісний з") by their last word: a name right after one is a mention.
        self._compatible: dict[str, list[tuple[str, ...]]] = {}
        for cue in {_words(c) for c in kb.context.compatible if _words(c)}:
            self._compatible.setdefault(cue[-1], []).append(cue)
        # Words that say "compatible" outright (compatible, сумісні, совместимые: in both cue lists, so not the
        # camera-only "free"): they make a name a mention a few words away, before or after it.
        cue_words = {w for c in kb.context.compatible for w in _words(c)}
        self._compat_words = frozenset(w for c in kb.context.trailing_compatible for w in _words(c)) & cue_words
        self._strong_cues = {last: [c for c in cues if self._compat_words.intersection(c)]
                             for last, cues in self._compatible.items()}
        self._cue_vocab = frozenset(self._compatible) | self._compat_words  # a title without these has no cue

    # ------------------------------------------------------------------ evidence
    def _type_word(self, brand: Brand, words: list[tuple[int, str]], skip: range,
                   extra: tuple[str, ...]) -> tuple[str, str] | None:
        """A word of the brand's product types: (word, 'product-type') from the title, (word, 'category') from
        the page's category or breadcrumbs."""
        for pid in brand.product_types:
            tw = self._types.get(pid)
            if tw is None:
                continue
            for i, w in words:
                if i not in skip and tw.matches(w):
                    return w, "product-type"
        for pid in brand.product_types:
            tw = self._types.get(pid)
            if tw is not None:
                for w in extra:
                    if tw.matches(w):
                        return w, "category"
        return None

    def _excluded(self, brand: Brand, words: list[tuple[int, str]], skip: range) -> bool:
        for pid in brand.product_types:
            ex = self._excludes.get(pid)
            if ex is not None and (ex.exact or ex.prefixes) and any(
                    i not in skip and ex.matches(w) for i, w in words):
                return True
        return False

    def _cue_ends_at(self, words: list[str], end: int, index: dict[str, list[tuple[str, ...]]]) -> bool:
        return end > 0 and any(len(cue) <= end and tuple(words[end - len(cue):end]) == cue
                               for cue in index.get(words[end - 1], ()))

    def _compatible_near(self, tokens: list[Token], first: int, last: int) -> bool:
        """A compatible cue touching the name before it ("для Nespresso"), an explicit compatibility phrase a
        few words before it ("compatible with original Nespresso"), or a compatibility word just after it
        ("Nespresso Compatible", "Nespresso Original сумісні"): the product is made for the brand's goods."""
        words = [t.text for t in tokens[max(0, first - 4 - COMPATIBLE_GAP):first]]
        n = len(words)
        if self._cue_ends_at(words, n, self._compatible):
            return True
        if any(self._cue_ends_at(words, n - gap, self._strong_cues) for gap in range(1, COMPATIBLE_GAP + 1)):
            return True
        return any(t.text in self._compat_words for t in tokens[last + 1:last + 1 + COMPATIBLE_AFTER])

    def _possessed(self, brand: Brand, tokens: list[Token], first: int, text: str) -> bool:
        """An ordinary-word name right after another name's possessive is part of that name ("Victoria's
        Secret", "Rain's Secret Body Mist") unless the possessive is one of the company's own names ("Wrigley's
        Extra")."""
        if first < 2 or tokens[first - 1].text != "s" or text[tokens[first - 1].start - 1] not in _APOSTROPHES:
            return False
        for j in range(max(0, first - 5), first - 1):
            for words, b, _ in self._index.get(tokens[j].text, ()):
                if b.company == brand.company and j + len(words) == first and \
                        tuple(t.text for t in tokens[j:first]) == words:
                    return False
        return True

    @property
    def compatible_words(self) -> frozenset[str]:
        return self._compat_words

    def sold(self, brand: Brand) -> bool:
        return brand.owned_to is not None and brand.owned_to <= self._today

    def _score(self, brand: Brand, kinds: list[str]) -> float:
        miss = 1.0
        for k in kinds:
            miss *= 1.0 - EVIDENCE_WEIGHT[k]
        return min(1.0 - miss, 0.99) * CONFIDENCE_WEIGHT[brand.confidence]

    def _judge(self, brand: Brand, tokens: list[Token], words: list[tuple[int, str]], first: int, last: int,
               field_brand: bool, extra: tuple[str, ...], text: str, short: bool,
               cues: bool) -> tuple[list[str], str | None] | None:
        skip = range(first, last + 1)
        if (cues and self._compatible_near(tokens, first, last)) or self._excluded(brand, words, skip):
            return None
        if brand.trap and self._possessed(brand, tokens, first, text):
            return None
        found = self._type_word(brand, words, skip, extra)
        type_word = found[0] if found else None
        kinds = []
        if field_brand:
            kinds.append("brand-field")
        if found:
            kinds.append(found[1])
        if first < START_TOKENS:
            kinds.append("title-start")
        # An ordinary word (Tide, Orbit, Always, a bird, a planet) or initials (M&M) are the brand only beside a
        # word of its kind.
        if (brand.trap or short) and not type_word:
            return None
        return (kinds, type_word) if kinds else None

    def match(self, text: str, *, brand: str | None = None, category: str | None = None) -> BrandMatch | None:
        """The best-evidenced brand in a title (plus the page's brand field and category/breadcrumbs), or None."""
        text = text[:MAX_TEXT_CHARS]
        field_brands = list(dict.fromkeys(self._keys.get(alias_key(brand), ()))) if brand else []
        norm = normalize(text)
        if not field_brands and self._index.keys().isdisjoint(_WORD.findall(norm.text)):
            return None  # no brand name in the title (most titles): nothing to weigh
        tokens = tokenize(norm.text)
        words_at = _type_candidates(tokens)
        cues = not self._cue_vocab.isdisjoint([t.text for t in tokens])
        extra = _words(category[:MAX_TEXT_CHARS]) if category else ()
        found: list[BrandMatch] = []
        seen_at: set[int] = set()
        for i, tok in enumerate(tokens):
            entries = self._index.get(tok.text)
            if not entries or i in seen_at:
                continue
            for words, b, short in entries:
                if len(words) > 1 and tuple(t.text for t in tokens[i:i + len(words)]) != words:
                    continue
                last = i + len(words) - 1
                judged = self._judge(b, tokens, words_at, i, last, b in field_brands, extra, norm.text, short,
                                     cues)
                if judged is None:
                    continue
                kinds, type_word = judged
                span = norm.span(tokens[i].start, tokens[last].end, len(text))
                term = text[span[0]:span[1]]
                found.append(BrandMatch(b, term, span, tuple(kinds), type_word, self._score(b, kinds), self.sold(b)))
                seen_at.update(range(i, last + 1))
        for b in field_brands:  # the brand field alone, for a title that does not repeat the name
            if any(m.brand is b for m in found):
                continue
            typed = self._type_word(b, words_at, range(0), extra)
            if b.trap and not typed:
                continue
            kinds = ["brand-field", *([typed[1]] if typed else [])]
            type_word = typed[0] if typed else None
            found.append(BrandMatch(b, brand or b.name, None, tuple(kinds), type_word, self._score(b, kinds),
                                    self.sold(b)))
        if not found:
            return None
        # The brand currently owned, best evidenced, surest first (Dove the soap vs Dove the chocolate: the one
        # whose product-type word is in the title wins because a trap without its word never gets here).
        return max(found, key=lambda m: (not m.sold, m.score, len(m.kinds)))


def example_problems(kb: KnowledgeBase) -> list[str]:
    """Every brand's examples must be found as that brand (and nothing else found first); its counter-examples
    must not be found as it. Run by `sponsorwatch kb check`."""
    matcher = BrandMatcher(kb)
    out = []
    for b in kb.brands:
        for ex in b.examples:
            m = matcher.match(ex)
            if m is None or m.brand.id != b.id:
                out.append(f"brand {b.id}: example {ex!r} is not found as {b.name}"
                           f"{f' (found {m.brand.id})' if m else ''}")
        for ex in b.counter_examples:
            m = matcher.match(ex)
            if m is not None and m.brand.id == b.id:
                out.append(f"brand {b.id}: counter-example {ex!r} is found as {b.name} ({m.detail})")
    return out


def _words_split(words: Iterable[str]) -> tuple[list[str], list[str]]:
    tw = TypeWords.of(words)
    return sorted(tw.exact), list(tw.prefixes)


def brand_records(kb: KnowledgeBase, designations: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Every brand with its company and that company's designations (the brand → company → listing chain), for
    the catalog and the API; `designations` maps a company id to engine-described designations."""
    out = []
    for b in kb.brands:
        out.append({
            "id": b.id, "name": b.name, "company": b.company, "company_name": kb.entities[b.company].display,
            "product_types": list(b.product_types), "spellings": list(b.spellings), "trap": b.trap,
            "confidence": b.confidence, "owned_from": b.owned_from, "owned_to": b.owned_to,
            "new_owner": b.new_owner, "note": b.note, "sources": list(b.sources),
            "designations": [{**d, "applies_via": "brand"} for d in designations.get(b.company, [])],
        })
    return out


def brand_snapshot(kb: KnowledgeBase, today: str | None = None) -> dict[str, Any]:
    """The brand rules as compact data for offline matching (the browser extension): spellings keyed by their
    folded words joined with one space, product-type words split into exact words and word starts, weights."""
    from scanner.identify.engine import FLAG_THRESHOLD  # the engine imports this module: imported when called

    matcher = BrandMatcher(kb, today)
    spellings: dict[str, list[str]] = {}
    for b in kb.brands:
        for sp in b.spellings:
            for form in spelling_forms(sp):
                key = " ".join(form)
                if b.id not in spellings.setdefault(key, []):
                    spellings[key].append(b.id)
    types = {}
    for t in kb.product_types.values():
        words, prefixes = _words_split(t.words)
        ex_words, ex_prefixes = _words_split(t.excludes)
        types[t.id] = {"words": words, "prefixes": prefixes, "excludes": ex_words, "exclude_prefixes": ex_prefixes}
    return {
        "start_tokens": START_TOKENS,
        "short_letters": SHORT_LETTERS,
        "compatible_gap": COMPATIBLE_GAP,
        "compatible_after": COMPATIBLE_AFTER,
        "compatible_words": sorted(matcher.compatible_words),
        "flag_threshold": FLAG_THRESHOLD,
        "weights": dict(EVIDENCE_WEIGHT),
        "confidence_weight": dict(CONFIDENCE_WEIGHT),
        "product_types": types,
        "spellings": spellings,
        "brands": {b.id: {"name": b.name, "company": b.company, "types": list(b.product_types), "trap": b.trap,
                          "confidence": b.confidence, "sold": matcher.sold(b), "owned_from": b.owned_from,
                          "owned_to": b.owned_to, "new_owner": b.new_owner}
                   for b in kb.brands},
    }
