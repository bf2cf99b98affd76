// Text normalisation shared by the offline matcher and the page readers (mirrors scanner/identify/normalize.py).
const DASHES = /[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]/g;
const MARKS = /[\u00ae\u2122\u00a9\u2120]/g;
const WORD = /[\p{L}\p{N}\p{M}_]+/gu;
// Where Python's str.casefold differs from toLowerCase on text NFKC has already normalised (ß, final sigma).
const CASEFOLD = /[ßς]/g;
const CASEFOLDED = { ß: 'ss', ς: 'σ' };

/** NFKC, case folded, dashes unified, trademark signs turned into spaces (offsets stay aligned). */
export function fold(text) {
  let out = String(text).replace(DASHES, '-').replace(MARKS, ' ');
  for (let i = 0; i < 3; i += 1) {
    const next = out.normalize('NFKC').toLowerCase().replace(CASEFOLD, (c) => CASEFOLDED[c]).normalize('NFKC');
    if (next === out) break;
    out = next;
  }
  return out;
}

/** Word tokens of folded text with their offsets. */
export function tokens(folded) {
  const out = [];
  for (const m of folded.matchAll(WORD)) out.push({ text: m[0], start: m.index, end: m.index + m[0].length });
  return out;
}

/** The key an alias is stored under: its folded words joined without separators. */
export function aliasKey(text) {
  return tokens(fold(text)).map((t) => t.text).join('');
}

/** Collapse whitespace and trim, for titles read from the page. */
export function cleanText(text) {
  return String(text || '').replace(/\s+/g, ' ').trim();
}
