// Consumer brands of NACP-listed companies offline (Ariel → Procter & Gamble), from the snapshot's "brands" key: the
// same rules as scanner/identify/brands.py, which the shared vectors and a run over the real brand corpus check
// (tests/test_extension_data.py, tests/extension/unit.test.mjs). A brand name counts only with evidence that the
// product is that brand's: a product-type word of its kind in the title, the page's category or breadcrumbs, the
// page's brand field, or the name leading the title; an ordinary-word name (Tide, Orbit, Always) or initials (M&M)
// only beside a word of its kind.
import { fold } from './normalize.js';

const MAX_TEXT_CHARS = 20000;
// Python's \w on folded text (letters, numbers, underscore; combining marks are not word characters there).
const WORD = /[\p{L}\p{N}_]+/gu;
const ALPHA = /[\p{L}\p{Nl}\p{No}]+/gu;  // Python's [^\W\d_]: word characters but decimal digits and underscore
const ALL_LETTERS = /^\p{L}+$/u;
const ALL_DIGITS = /^\p{Nd}+$/u;
const APOSTROPHES = new Set(["'", '’', '`', 'ʼ']);

const words = (text) => fold(text).match(WORD) || [];
// At most MAX_TEXT_CHARS characters (code points, as Python counts them).
const cut = (text) => (text.length <= MAX_TEXT_CHARS ? text : [...text].slice(0, MAX_TEXT_CHARS).join(''));

/** Folded text with, for each folded UTF-16 unit, the index of the input unit it came from (None: one to one). */
function normalizeMapped(text) {
  const folded = fold(text);
  if (folded.length === text.length) return { text: folded, origin: null };
  const origin = [];
  let i = 0;
  for (const ch of text) {
    const n = fold(ch).length;
    for (let k = 0; k < n; k += 1) origin.push(i);
    i += ch.length;
  }
  if (origin.length !== folded.length) {
    // Composition across characters changed the length: a proportional map keeps spans inside the input.
    const ratio = text.length / Math.max(folded.length, 1);
    origin.length = 0;
    for (let j = 0; j < folded.length; j += 1) origin.push(Math.min(Math.floor(j * ratio), text.length - 1));
  }
  return { text: folded, origin };
}

function span(norm, start, end, sourceLen) {
  if (!norm.origin) return [start, end];
  if (!norm.origin.length) return [0, 0];
  const s = norm.origin[Math.min(start, norm.origin.length - 1)];
  const e = end > start ? norm.origin[end - 1] + 1 : s;
  return [s, Math.min(Math.max(e, s), sourceLen)];
}

function tokenize(text) {
  const out = [];
  for (const m of text.matchAll(WORD)) out.push({ text: m[0], start: m.index, end: m.index + m[0].length });
  return out;
}

/** (token index, word) to look product-type words up in: each token, then the letter runs of tokens gluing letters
 * to digits as shop feeds do ("вол400мл", "Шам2в1"). */
function typeCandidates(tokens) {
  const out = tokens.map((t, i) => [i, t.text]);
  tokens.forEach((t, i) => {
    if (!ALL_LETTERS.test(t.text) && !ALL_DIGITS.test(t.text)) for (const run of t.text.match(ALPHA) || []) out.push([i, run]);
  });
  return out;
}

class TypeWords {
  constructor(exact, prefixes) {
    this.exact = new Set(exact || []);
    this.prefixes = prefixes || [];
    this.empty = !this.exact.size && !this.prefixes.length;
  }

  matches(word) {
    return this.exact.has(word) || this.prefixes.some((p) => word.startsWith(p));
  }
}

export class BrandMatcher {
  /** `data`: the snapshot's "brands"; `cues`: its "cues" (the compatible phrases); `today`: YYYY-MM-DD. */
  constructor(data, cues = {}, today = null) {
    this.data = data || {};
    this.today = today || new Date().toISOString().slice(0, 10);
    this.startTokens = this.data.start_tokens ?? 3;
    this.shortLetters = this.data.short_letters ?? 2;
    this.gap = this.data.compatible_gap ?? 2;
    this.after = this.data.compatible_after ?? 3;
    this.weights = this.data.weights || {};
    this.confidenceWeight = this.data.confidence_weight || {};
    this.threshold = this.data.flag_threshold ?? 0.5;
    this.brands = new Map(Object.entries(this.data.brands || {}).map(([id, b]) => [id, { id, ...b }]));
    this.types = new Map();
    this.excludes = new Map();
    for (const [id, t] of Object.entries(this.data.product_types || {})) {
      this.types.set(id, new TypeWords(t.words, t.prefixes));
      this.excludes.set(id, new TypeWords(t.excludes, t.exclude_prefixes));
    }
    // First word → [words, brand, short], longest spelling first; equal lengths keep the snapshot's brand order
    // (each spelling's list is in the knowledge base's order, as the Python index is).
    this.index = new Map();
    this.keys = new Map();  // alias key (folded words joined) → brands, for the page's brand field
    for (const [key, ids] of Object.entries(this.data.spellings || {})) {
      const ws = key.split(' ');
      const short = ws.reduce((n, w) => n + [...w].length, 0) <= this.shortLetters;
      const list = this.index.get(ws[0]) || [];
      const joined = ws.join('');
      const byKey = this.keys.get(joined) || [];
      for (const id of ids) {
        const brand = this.brands.get(id);
        if (!brand) continue;
        list.push([ws, brand, short]);
        if (!byKey.includes(brand)) byKey.push(brand);
      }
      this.index.set(ws[0], list);
      this.keys.set(joined, byKey);
    }
    for (const list of this.index.values()) list.sort((a, b) => b[0].length - a[0].length);  // stable
    // Compatible cues by their last word ("для Nespresso"); the explicit ones ("сумісні з") also a few words away.
    this.compatWords = new Set(this.data.compatible_words || []);
    this.compatible = new Map();
    this.strong = new Map();
    for (const cue of cues.compatible || []) {
      const ws = words(cue);
      if (!ws.length) continue;
      const last = ws.at(-1);
      if (!this.compatible.has(last)) { this.compatible.set(last, []); this.strong.set(last, []); }
      this.compatible.get(last).push(ws);
      if (ws.some((w) => this.compatWords.has(w))) this.strong.get(last).push(ws);
    }
  }

  sold(brand) {
    return Boolean(brand.owned_to) && brand.owned_to <= this.today;
  }

  typeWord(brand, candidates, first, last, extra) {
    for (const pid of brand.types || []) {
      const tw = this.types.get(pid);
      if (!tw) continue;
      for (const [i, w] of candidates) if ((i < first || i > last) && tw.matches(w)) return [w, 'product-type'];
    }
    for (const pid of brand.types || []) {
      const tw = this.types.get(pid);
      if (!tw) continue;
      for (const w of extra) if (tw.matches(w)) return [w, 'category'];
    }
    return null;
  }

  excluded(brand, candidates, first, last) {
    return (brand.types || []).some((pid) => {
      const ex = this.excludes.get(pid);
      return ex && !ex.empty && candidates.some(([i, w]) => (i < first || i > last) && ex.matches(w));
    });
  }

  static cueEndsAt(ws, end, index) {
    if (end <= 0) return false;
    return (index.get(ws[end - 1]) || []).some((cue) => cue.length <= end && cue.every((w, k) => ws[end - cue.length + k] === w));
  }

  /** "для Nespresso", "compatible with original Nespresso", "Nespresso Original сумісні": made for the brand's goods. */
  compatibleNear(tokens, first, last) {
    const ws = tokens.slice(Math.max(0, first - 4 - this.gap), first).map((t) => t.text);
    const n = ws.length;
    if (BrandMatcher.cueEndsAt(ws, n, this.compatible)) return true;
    for (let gap = 1; gap <= this.gap; gap += 1) if (BrandMatcher.cueEndsAt(ws, n - gap, this.strong)) return true;
    return tokens.slice(last + 1, last + 1 + this.after).some((t) => this.compatWords.has(t.text));
  }

  /** An ordinary-word name right after another name's possessive ("Victoria's Secret") is part of that name,
   * unless the possessive is one of the same company's names ("Wrigley's Extra"). */
  possessed(brand, tokens, first, text) {
    if (first < 2 || tokens[first - 1].text !== 's' || !APOSTROPHES.has(text[tokens[first - 1].start - 1])) return false;
    for (let j = Math.max(0, first - 5); j < first - 1; j += 1) {
      for (const [ws, b] of this.index.get(tokens[j].text) || []) {
        if (b.company === brand.company && j + ws.length === first && ws.every((w, k) => tokens[j + k].text === w)) return false;
      }
    }
    return true;
  }

  score(brand, kinds) {
    let miss = 1.0;
    for (const k of kinds) miss *= 1.0 - this.weights[k];
    return Math.min(1.0 - miss, 0.99) * this.confidenceWeight[brand.confidence];
  }

  judge(brand, tokens, candidates, first, last, fieldBrand, extra, text, short) {
    if (this.compatibleNear(tokens, first, last) || this.excluded(brand, candidates, first, last)) return null;
    if (brand.trap && this.possessed(brand, tokens, first, text)) return null;
    const found = this.typeWord(brand, candidates, first, last, extra);
    const kinds = [];
    if (fieldBrand) kinds.push('brand-field');
    if (found) kinds.push(found[1]);
    if (first < this.startTokens) kinds.push('title-start');
    if ((brand.trap || short) && !found) return null;
    return kinds.length ? { kinds, typeWord: found ? found[0] : null } : null;
  }

  /** The best-evidenced brand in a title (plus the page's brand field and category or breadcrumbs), or null:
   * { brand, term, span, kinds, typeWord, score, sold }. */
  match(input, { brand: fieldValue = null, category = null } = {}) {
    const text = cut(String(input));
    const fieldBrands = fieldValue ? this.keys.get(words(fieldValue).join('')) || [] : [];
    const norm = normalizeMapped(text);
    const tokens = tokenize(norm.text);
    if (!fieldBrands.length && !tokens.some((t) => this.index.has(t.text))) return null;  // most titles
    const candidates = typeCandidates(tokens);
    const extra = category ? words(cut(String(category))) : [];
    const found = [];
    const seenAt = new Set();
    tokens.forEach((tok, i) => {
      const entries = this.index.get(tok.text);
      if (!entries || seenAt.has(i)) return;
      for (const [ws, b, short] of entries) {
        if (ws.length > 1 && !ws.every((w, k) => tokens[i + k]?.text === w)) continue;
        const last = i + ws.length - 1;
        const judged = this.judge(b, tokens, candidates, i, last, fieldBrands.includes(b), extra, norm.text, short);
        if (!judged) continue;
        const at = span(norm, tokens[i].start, tokens[last].end, text.length);
        found.push({ brand: b, term: text.slice(at[0], at[1]), span: at, kinds: judged.kinds, typeWord: judged.typeWord,
          score: this.score(b, judged.kinds), sold: this.sold(b) });
        for (let k = i; k <= last; k += 1) seenAt.add(k);
      }
    });
    for (const b of fieldBrands) {  // the brand field alone, for a title that does not repeat the name
      if (found.some((m) => m.brand === b)) continue;
      const typed = this.typeWord(b, candidates, 0, -1, extra);
      if (b.trap && !typed) continue;
      const kinds = ['brand-field', ...(typed ? [typed[1]] : [])];
      found.push({ brand: b, term: fieldValue || b.name, span: null, kinds, typeWord: typed ? typed[0] : null,
        score: this.score(b, kinds), sold: this.sold(b) });
    }
    // The brand currently owned, best evidenced, surest first; the first of equals wins (as Python's max).
    let best = null;
    const rank = (m) => [m.sold ? 0 : 1, m.score, m.kinds.length];
    for (const m of found) {
      if (!best) { best = m; continue; }
      const [a, b] = [rank(m), rank(best)];
      const k = a.findIndex((x, j) => x !== b[j]);
      if (k >= 0 && a[k] > b[k]) best = m;
    }
    return best;
  }

  /** A verdict shaped like the backend's for a brand match (scanner/identify/engine.py, _brand_verdict). */
  verdict(text, m, entities = {}) {
    const company = m.brand.company;
    const info = entities[company] || {};
    const active = (info.designations || []).some((d) => d.status === 'active');
    return {
      text, flagged: active && !m.sold && m.score >= this.threshold, vendor: company, brand: m.brand.name,
      relation: m.sold ? 'former-brand' : 'brand', confidence: m.score, device_class: null, model: null,
      designations: info.designations || [],
      evidence: [{ kind: 'brand', term: m.term, field: m.span ? 'text' : 'brand', entity: company, mention: null, family: m.brand.id }],
      explanation: '', source: 'offline',
    };
  }
}
