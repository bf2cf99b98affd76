// Which verdicts get a badge, given the user's strictness: "strict" shows confirmed makers and their own brands
// and subsidiaries; "broad" adds OEM relabels, former subsidiaries and low-confidence links.
const STRONG = new Set(['manufacturer', 'brand', 'subsidiary']);

export function shouldFlag(verdict, strictness = 'broad') {
  if (!verdict || !verdict.vendor) return false;
  if (['compatible', 'equivalent', 'not-this-maker'].includes(verdict.relation)) return false;
  if (strictness === 'strict') return Boolean(verdict.flagged) && STRONG.has(verdict.relation);
  return Boolean(verdict.flagged) || (['oem', 'former-subsidiary'].includes(verdict.relation) && verdict.confidence >= 0.3);
}

/** Only https links may be shown (remote data never decides a scheme). */
export function safeUrl(url) {
  try { return new URL(url).protocol === 'https:' ? new URL(url).href : null; } catch { return null; }
}
